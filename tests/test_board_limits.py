"""Hardening of `/slot-booking`: oversized frames, floods, slow and dead clients get a
close with a reason (or just go), and everyone else keeps being served."""

import asyncio
import json
import socket
from datetime import time

import pytest
import websockets
from websockets.asyncio.client import connect

from slotbook.calendars import calendars as cal
from tests.support.live import (
    PATIENCE,
    BoardClient,
    LiveServer,
    booked,
    eventually,
    live_server,
)
from tests.test_owners import DAY

POLICY_VIOLATION, MESSAGE_TOO_BIG, TRY_AGAIN_LATER = 1008, 1009, 1013


async def closed_with(client: BoardClient) -> websockets.frames.Close:
    """Read until the server closes the connection; how it closed."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with asyncio.timeout(PATIENCE):
            while True:
                await client.ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd


async def still_serving(server: LiveServer) -> None:
    async with server.board() as other:
        await other.receive()
        update = await other.ask({"type": "book_slot", "slot_id": 14})
        assert booked(update) == [14]
    async with server.http() as http:
        assert (await http.get("/health")).status_code == 200


async def test_a_message_over_the_size_limit_closes_with_a_reason(server, settings):
    async with server.board() as client:
        await client.receive()
        await client.send(json.dumps({"type": "get_slots", "pad": "x" * 5000}))
        close = await closed_with(client)
    assert close.code == MESSAGE_TOO_BIG
    assert close.reason == f"Message too big: at most {settings.ws_max_message_bytes} bytes"
    await still_serving(server)


async def test_a_huge_frame_is_refused_before_it_is_read(server):
    async with server.board() as client:
        await client.receive()
        await client.send("x" * 100_000)
        close = await closed_with(client)
    assert close.code == MESSAGE_TOO_BIG
    await still_serving(server)


async def test_a_flood_of_messages_closes_the_connection_with_a_reason(settings, clock):
    # a trickle of refill, so that a slow (loaded) machine sending the burst cannot earn
    # back enough allowance to stay under the limit
    slow_refill = settings.model_copy(update={"ws_messages_per_second": 0.01})
    async with live_server(slow_refill, clock) as server, server.board() as client:
        await client.receive()
        for _ in range(settings.ws_message_burst + 20):
            await client.send({"type": "get_slots"})
        close = await closed_with(client)
        assert close.code == POLICY_VIOLATION
        assert close.reason == "Too many messages: slow down and reconnect"
        await still_serving(server)


async def test_a_dead_client_does_not_disturb_the_others(server):
    async with server.board() as dying, server.board() as alive:
        await dying.receive()
        await alive.receive()
        dying.ws.transport.abort()  # gone without a closing handshake
        assert booked(await alive.ask({"type": "book_slot", "slot_id": 10})) == [10]
        assert (await alive.receive())["success"] is True
        await eventually(lambda: server.app.state.live.hub.connections == 1)


def _small_receive_buffer(port: int) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def test_a_client_that_stops_reading_is_dropped_and_nobody_waits_for_it(settings, clock):
    tight = settings.model_copy(
        update={"ws_send_queue": 4, "ws_message_burst": 10_000, "ws_messages_per_second": 1e4}
    )
    # small socket buffers and no compression: a client that stops reading falls behind
    # within a few updates
    async with live_server(tight, clock, send_buffer=8192) as server:
        async with server.app.state.engine.unit(write=True) as uow:
            busy = await cal.create_calendar(uow, kind="owner", owner_key="busy", slot_minutes=15)
            await cal.set_schedule(uow, busy, cal.daily(time(0), time(23)))
        url = server.ws_url(calendar=busy.id, date=DAY)
        port = int(server.base.rsplit(":", 1)[1])
        async with (
            connect(
                url, sock=_small_receive_buffer(port), max_size=None, compression=None
            ) as stalled,
            server.board(calendar=busy.id, date=DAY) as reader,
        ):
            await reader.receive()
            stalled.transport.pause_reading()
            token = None
            for i in range(400):
                async with asyncio.timeout(1):  # the reader is never held up
                    if i % 2 == 0:
                        await reader.ask({"type": "book_slot", "slot_id": 40})
                        token = (await reader.receive())["booking_token"]
                    else:
                        cancel = {"type": "cancel_slot", "slot_id": 40, "booking_token": token}
                        await reader.ask(cancel)
                        await reader.receive()
                if server.app.state.live.hub.connections == 1:
                    break
            assert server.app.state.live.hub.connections == 1, "the stalled client was kept"
            stalled.transport.resume_reading()
            close = await closed_with(BoardClient(stalled))
        assert close.code == TRY_AGAIN_LATER
        assert close.reason == "Too slow: 4 messages behind; reconnect for the full state"
        async with server.board(calendar=busy.id, date=DAY) as back:
            assert (await back.receive())["type"] == "slots_update"
