"""A real server in the test's own event loop (so the test's clock is the app's clock),
and a WebSocket client for the live board."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import ClientConnection, connect

from slotbook.cli import server_options
from slotbook.engine import Clock
from slotbook.settings import Settings
from tests.support.apps import in_process_app
from tests.support.web import serving

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


@asynccontextmanager
async def live_server(
    settings: Settings, clock: Clock, *, send_buffer: int | None = None
) -> AsyncIterator[LiveServer]:
    """`create_app(settings, clock=clock)` served as `slotbook serve` would serve it
    (its route tables shared: see tests/support/apps.py)."""
    app = in_process_app(settings, clock)
    async with serving(app, send_buffer=send_buffer, **server_options(settings)) as base:
        yield LiveServer(base, app)


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
