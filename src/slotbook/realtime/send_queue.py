"""One WebSocket client's outgoing messages: a bounded queue drained by its own task.

Nobody ever waits on a client: messages are queued without blocking, and a client that
falls `capacity` messages behind is disconnected with a reason, so one slow or dead
client never delays the others. It reconnects and gets the full state first.
"""

import asyncio
from contextlib import suppress
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketDisconnected

TRY_AGAIN_LATER = 1013


@dataclass(frozen=True, slots=True)
class State:
    """A full state of what a client watches. `seq` orders renders (a later one read the
    database later, so it saw at least as much); `key` is what shows a change."""

    seq: int
    key: str
    text: str


@dataclass(frozen=True, slots=True)
class _Close:
    code: int
    reason: str


class SendQueue:
    def __init__(self, websocket: WebSocket, capacity: int) -> None:
        self._websocket = websocket
        self._capacity = capacity
        self._queue: asyncio.Queue[str | _Close] = asyncio.Queue()
        self._seq = 0
        self._key: str | None = None
        self.closing = False
        self._writer = asyncio.create_task(self._drain())

    def send(self, text: str) -> bool:
        """Queue one message; False once this client is being disconnected."""
        if self.closing:
            return False
        if self._queue.qsize() >= self._capacity:
            self.close(
                TRY_AGAIN_LATER,
                f"Too slow: {self._capacity} messages behind; reconnect for the full state",
            )
            return False
        self._queue.put_nowait(text)
        return True

    def send_state(self, state: State) -> bool:
        """Queue `state`, unless a later one is already queued or it shows nothing new to
        this client."""
        if state.seq <= self._seq:
            return not self.closing
        self._seq = state.seq
        if state.key == self._key:
            return not self.closing
        self._key = state.key
        return self.send(state.text)

    def forget_state(self) -> None:
        """Let the next state through even if it shows nothing new (the client asked)."""
        self._key = None

    def close(self, code: int, reason: str) -> None:
        """Drop what is queued and close the connection, telling the client why."""
        if self.closing:
            return
        self.closing = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_Close(code, reason))

    async def _drain(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if isinstance(item, _Close):
                    await self._websocket.close(item.code, item.reason)
                    return
                await self._websocket.send_text(item)
        except (WebSocketDisconnect, WebSocketDisconnected):  # the client is gone
            self.closing = True

    async def stop(self) -> None:
        """Stop writing (the connection is over)."""
        self.closing = True
        self._writer.cancel()
        with suppress(asyncio.CancelledError):
            await self._writer
