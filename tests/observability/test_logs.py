"""Logs: a start-up line, one access line per request, request ids in and out, JSON."""

import json

import httpx
import pytest

from tests.support.servers import LOGS, running_servers

SECRET = "pw-never-logged"


def server_log(url: str) -> str:
    return (LOGS / f"{url.rsplit(':', 1)[1]}.log").read_text()


async def test_request_ids_come_back_given_or_made(client):
    given = await client.get("/health", headers={"X-Request-ID": "trace-42.a"})
    assert given.headers["X-Request-ID"] == "trace-42.a"
    made = await client.get("/health")
    assert len(made.headers["X-Request-ID"]) == 32
    unusable = await client.get("/health", headers={"X-Request-ID": "no spaces\tor tabs"})
    assert unusable.headers["X-Request-ID"] != "no spaces\tor tabs"


@pytest.mark.slow
def test_json_logs_name_the_server_then_each_request_without_secrets(tmp_path):
    database = f"sqlite+aiosqlite:///{tmp_path / 'logs.db'}"
    env = {
        "SLOTBOOK_LOG_FORMAT": "json",
        "SLOTBOOK_REDIS_URL": f"redis://:{SECRET}@127.0.0.1:1/0",
        "SLOTBOOK_SMTP_URL": f"smtp://mailer:{SECRET}@127.0.0.1:1",
    }
    from slotbook.store.migrate import upgrade

    upgrade(database)
    with running_servers(database, count=1, env=env) as (url,):
        token = "tok-" + "x" * 40
        httpx.get(f"{url}/api/v1/bookings/{token}", headers={"X-Request-ID": "req-1"})
        lines = [json.loads(line) for line in server_log(url).splitlines() if line.startswith("{")]
    text = server_log(url)
    assert SECRET not in text
    assert token not in text
    start = next(line for line in lines if "serving on" in line["message"])
    assert f"serving on {url}" in start["message"]
    assert f"{url}/docs" in start["message"]
    assert start["database"] == database
    assert start["broker"] == "redis://:***@127.0.0.1:1/0"
    assert start["mail"] == "SMTP smtp://mailer:***@127.0.0.1:1"
    access = next(
        line
        for line in lines
        if line["logger"] == "slotbook.access" and line.get("request_id") == "req-1"
    )
    assert access["method"] == "GET"
    assert access["route"] == "/api/v1/bookings/{token}"
    assert access["status"] == 404
    assert access["ms"] >= 0
