"""A real server in the test's own event loop (so the test's clock is the app's clock),
and a WebSocket client for the live board."""

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from slotbook.app import create_app
from slotbook.cli import server_options
from slotbook.services.engine import Clock
from slotbook.settings import Settings

#: How long a test waits for a message it expects (a deadline, never a pause).
PATIENCE = 5.0


@dataclass
class LiveServer:
    base: str  # http://127.0.0.1:port
    app: Any

    def ws_url(self, **query: object) -> str:
        url = self.base.replace("http://", "ws://") + "/slot-booking"
        return f"{url}?{urlencode(query)}" if query else url

    @asynccontextmanager
    async def board(self, **query: object) -> AsyncIterator["BoardClient"]:
        async with connect(self.ws_url(**query), max_size=None) as ws:
            yield BoardClient(ws)

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, timeout=PATIENCE)


def _listening_socket(send_buffer: int | None) -> socket.socket:
    sock = socket.socket()
    if send_buffer:  # accepted connections inherit it: a link that fills up quickly
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def live_server(
    settings: Settings, clock: Clock, *, send_buffer: int | None = None
) -> AsyncIterator[LiveServer]:
    """`create_app(settings, clock=clock)` served by uvicorn on a free loopback port."""
    app = create_app(settings, clock=clock)
    sock = _listening_socket(send_buffer)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", **server_options(settings))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(30):
        while not server.started:  # polling a starting server, not letting time pass
            if task.done():
                task.result()
                raise RuntimeError("the server stopped while starting")
            await asyncio.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        await task
        sock.close()


async def eventually(predicate: Callable[[], bool]) -> None:
    """Wait, with a deadline, until the server's state satisfies `predicate`."""
    async with asyncio.timeout(PATIENCE):
        while not predicate():  # noqa: ASYNC110 - polling another party's state
            await asyncio.sleep(0.01)


class BoardClient:
    """A live-board client that reads messages in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: object) -> None:
        await self.ws.send(message if isinstance(message, str | bytes) else json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        async with asyncio.timeout(PATIENCE):
            return json.loads(await self.ws.recv())

    async def ask(self, message: object) -> dict[str, Any]:
        await self.send(message)
        return await self.receive()

    async def until(self, predicate: Any) -> dict[str, Any]:
        """The first message (skipping earlier ones) for which `predicate` holds."""
        async with asyncio.timeout(PATIENCE):
            while True:
                message = json.loads(await self.ws.recv())
                if predicate(message):
                    return message


def booked(update: dict[str, Any]) -> list[int]:
    return update["data"]["booked_slots"]
