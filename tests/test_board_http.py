"""Surface 000 over HTTP: `GET /` and `GET /health`, including an unreachable database."""

import asyncio
import uuid

import asyncpg
import pytest
import websockets

from tests.support.databases import POSTGRES_ADMIN_URL, REDIS_TEST_URL
from tests.support.live import live_server


async def test_the_root_names_the_endpoint_and_lists_booked_slots(server):
    async with server.http() as http:
        assert (await http.get("/")).json() == {
            "message": "Slot Booking API is running",
            "websocket_endpoint": "/slot-booking",
            "active_connections": 0,
            "booked_slots": [],
        }
        async with server.board() as board:
            await board.receive()
            await board.ask({"type": "book_slot", "slot_id": 9})
            status = (await http.get("/")).json()
    assert status["active_connections"] == 1
    assert status["booked_slots"] == [9]


DATABASE_BROKERS = {"sqlite": "sqlite-change-log", "postgresql": "postgresql-notify"}


async def test_health_counts_todays_board_and_names_its_dependencies(server, backend):
    async with server.http() as http, server.board() as board:
        await board.receive()
        await board.ask({"type": "book_slot", "slot_id": 9})
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "timestamp": "2031-01-15T08:00:00+00:00",
        "active_connections": 1,
        "total_slots": 12,
        "booked_slots_count": 1,
        "available_slots_count": 6,  # 08:00-14:00 bookable, 09:00 taken; 03:00-07:00 past
        "database": {"status": "ok"},
        "broker": {"kind": DATABASE_BROKERS[backend], "status": "ok"},
    }


async def _admin(sql: str, *args: object) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_an_unreachable_database_is_a_503_and_the_board_stays_up(server, database_url):
    name = database_url.rsplit("/", 1)[1]
    async with server.http() as http, server.board() as board:
        await board.receive()
        await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            await _admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                name,
            )
            response = await http.get("/health")
            assert response.status_code == 503
            body = response.json()
            assert body["status"] == "unhealthy"
            assert body["failed"] == ["database"]
            assert body["database"]["status"].startswith("unreachable")
            assert body["broker"]["kind"] == "postgresql-notify"  # the database is the broker
            failed = await board.ask({"type": "get_slots"})
            assert failed == {"type": "error", "message": "Something went wrong; try again"}
            refused = await board.ask({"type": "book_slot", "slot_id": 9})
            assert refused["success"] is False
            assert refused["message"] == "The booking store is unavailable; try again"
        finally:
            await _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert (await http.get("/health")).status_code == 200
        assert (await board.ask({"type": "get_slots"}))["type"] == "slots_update"


async def test_health_reports_the_redis_broker(settings, clock):
    with_redis = settings.model_copy(
        update={"redis_url": REDIS_TEST_URL, "redis_channel_prefix": uuid.uuid4().hex}
    )
    async with live_server(with_redis, clock) as running, running.http() as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json()["broker"] == {"kind": "redis", "status": "ok"}


async def test_without_redis_the_instance_is_degraded_but_serves(settings, clock):
    closed_port = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with live_server(closed_port, clock) as running, running.http() as http:
        response = await http.get("/health")
        async with running.board() as board:
            await board.receive()
            update = await board.ask({"type": "book_slot", "slot_id": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["failed"] == ["broker"]
    assert body["broker"] == {"kind": "redis", "status": "not subscribed"}
    assert update["data"]["booked_slots"] == [10]


async def test_the_board_starts_without_a_database_and_says_so(settings, clock):
    down = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    )
    async with live_server(down, clock) as running, running.http() as http:
        health = await http.get("/health")
        async with running.board() as board:
            error = await board.receive()
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await board.receive()
    assert health.status_code == 503
    assert health.json()["failed"] == ["database"]
    assert error == {"type": "error", "message": "The booking store is unavailable"}
    assert closed.value.rcvd.code == 1013  # try again later


async def test_a_subscriber_that_is_not_running_makes_the_instance_degraded(settings, clock):
    with_redis = settings.model_copy(
        update={"redis_url": REDIS_TEST_URL, "redis_channel_prefix": uuid.uuid4().hex}
    )
    async with live_server(with_redis, clock) as running, running.http() as http:
        listener = running.app.state.live.broker._listener
        listener.cancel()  # however it stopped, /health must say so
        await asyncio.gather(listener, return_exceptions=True)
        response = await http.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["failed"]) == ("degraded", ["broker"])
    assert body["broker"] == {"kind": "redis", "status": "subscriber not running"}
