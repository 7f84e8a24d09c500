"""The HTTP edge: no request is read past its bounds, and no input is a server error."""

import asyncio
import time

import httpx
import pytest

from slotbook.app import create_app
from tests.support.web import serving

MB = 1024 * 1024


@pytest.fixture
async def base_url(settings, clock):
    async with serving(create_app(settings, clock=clock)) as base:
        yield base


async def test_a_two_megabyte_body_is_413_while_health_keeps_answering(base_url):
    async def oversized() -> httpx.Response:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            body = b'{"name": "' + b"x" * (2 * MB) + b'"}'
            return await http.post(
                "/api/v1/providers", content=body, headers={"Content-Type": "application/json"}
            )

    async def chunked() -> httpx.Response:
        async def stream():
            for _ in range(32):
                yield b"x" * (64 * 1024)

        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            return await http.post("/api/v1/events", content=stream())

    async def health_latencies() -> list[float]:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
            assert (await http.get("/health")).status_code == 200  # connected, warmed up
            latencies = []
            for _ in range(10):
                started = time.perf_counter()
                assert (await http.get("/health")).status_code == 200
                latencies.append(time.perf_counter() - started)
            return latencies

    big, streamed, latencies = await asyncio.gather(oversized(), chunked(), health_latencies())
    assert big.status_code == 413
    assert big.json() == {
        "error": f"The request body may be at most {MB} bytes",
        "code": "body_too_large",
    }  # surface 002's shape
    assert streamed.status_code == 413 and streamed.json()["code"] == "body_too_large"
    assert "detail" in streamed.json()  # surface 003's shape
    # 10x-wide bound on the 100 ms
    assert max(latencies) < 1.0, latencies


async def test_the_body_limit_is_a_setting(settings, clock):
    small = settings.model_copy(update={"max_body_bytes": 100})
    async with serving(create_app(small, clock=clock)) as base, httpx.AsyncClient() as http:
        answer = await http.post(f"{base}/api/v1/availability", json={"x": "y" * 200})
        assert answer.status_code == 413
        assert answer.json()["detail"] == "The request body may be at most 100 bytes"


async def test_too_many_headers_are_431(client):
    headers = {f"x-filler-{n}": "1" for n in range(150)}
    answer = await client.get("/api/v1/providers", headers=headers)
    assert answer.status_code == 431
    assert answer.json()["code"] == "headers_too_large"
    huge = await client.get("/api/v1/events", headers={"x-filler": "y" * 20_000})
    assert huge.status_code == 431 and "detail" in huge.json()


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("post", "/api/v1/providers", {"json": {"name": "a\u0000b", "email": "a@example.com"}}),
        (
            "post",
            "/api/v1/events",
            {
                "content": b'{"name": "\\ud800", "event_date": "2031-01-01"}',
                "headers": {"Content-Type": "application/json"},
            },
        ),
        ("post", "/token", {"data": {"username": "a\u0000@example.com", "password": "x"}}),
        ("get", "/api/v1/slots?calendar_owner_id=%00&for_date=2031-01-01", {}),
        ("get", "/book/owner/%00", {}),
        ("get", "/api/v1/appointments?calendar_owner_id=a%00b", {}),
    ],
)
async def test_nul_and_lone_surrogates_are_refused_before_any_route(client, method, path, kwargs):
    answer = await getattr(client, method)(path, **kwargs)
    assert answer.status_code in (400, 422), answer.text
    assert "NUL" in answer.text


async def test_text_with_escaped_backslashes_and_real_pairs_is_fine(client):
    answer = await client.post(
        "/api/v1/providers", json={"name": "back\\u0000slash 😀", "email": "b@example.com"}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "back\\u0000slash 😀"


async def test_an_unexpected_error_is_a_500_in_the_surface_shape_with_a_request_id(settings, clock):
    app = create_app(settings, clock=clock)

    @app.get("/api/v1/providers-broken")
    async def broken() -> None:
        raise RuntimeError("boom")

    async with serving(app) as base, httpx.AsyncClient() as http:
        answer = await http.get(f"{base}/api/v1/providers-broken")
        assert answer.status_code == 500
        body = answer.json()
        assert body["code"] == "internal_error" and body["request_id"]
        assert "boom" not in answer.text
        assert answer.headers["X-Request-ID"] == body["request_id"]
        # and the server goes on answering on the same connection
        assert (await http.get(f"{base}/health")).status_code == 200


async def test_sql_errors_name_the_statement_but_never_its_parameters(database_url):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from slotbook.store.db import Database
    from slotbook.store.tables import users

    db = Database(database_url)
    row = {"name": "n", "email": "secret@example.com", "password_hash": "$argon2id$secret"}
    try:
        with pytest.raises(IntegrityError) as failed:
            async with db.transaction(write=True) as conn:
                await conn.execute(insert(users), {**row, "role": "nobody", "created_at": None})
    finally:
        await db.dispose()
    assert "INSERT INTO users" in str(failed.value)
    assert "secret" not in str(failed.value)
