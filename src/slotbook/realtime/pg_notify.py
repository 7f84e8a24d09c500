"""The broker of PostgreSQL instances without Redis: LISTEN/NOTIFY.

Every unit of work that changes something sends `NOTIFY` with its commit
(`Engine.notify_changes`), so the news goes out exactly when the change commits, and
PostgreSQL hands notifications to each listener in commit order. Each instance keeps one
connection of its own listening (outside the pool), delivers the news of other instances,
and after losing that connection refreshes everything once it is back (news may have
been missed).

`caught_up` is a barrier for the in-process cache: it notifies this instance's own sync
channel and waits to hear it back; by then every change committed before the call has
been heard.
"""

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import asyncpg

from slotbook.engine import CalendarDay, Engine
from slotbook.errors import Unavailable
from slotbook.realtime.news import (
    FIRST_SUBSCRIBE_TIMEOUT,
    OK,
    RECONNECT_DELAYS,
    Deliver,
    Resync,
    encode,
    hear,
)
from slotbook.store.notify import notify

log = logging.getLogger("slotbook.realtime")

CHANNEL = "slotbook_calendar_days"
#: NOTIFY payloads must stay under 8000 bytes; bigger news is told per calendar
MAX_PAYLOAD = 7000


def _compact(origin: str, days: frozenset[CalendarDay]) -> str:
    """The news as a payload short enough for NOTIFY (whole calendars if need be)."""
    payload = encode(origin, days)
    if len(payload) > MAX_PAYLOAD:
        payload = encode(origin, {CalendarDay(d.calendar_id, None) for d in days})
    return payload


class NotifyBroker:
    kind = "postgresql-notify"

    def __init__(self, engine: Engine, deliver: Deliver, resync: Resync) -> None:
        self._engine = engine
        self._deliver = deliver
        self._resync = resync
        self._origin = uuid.uuid4().hex
        self._sync_channel = f"slotbook_sync_{self._origin}"
        self._sync_timeout = engine.settings.db_statement_timeout_seconds
        self._listening: asyncpg.Connection | None = None
        self._tried = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None
        self._waiting: dict[str, asyncio.Future[None]] = {}
        engine.notify_changes(self._notice)

    def _notice(self, days: frozenset[CalendarDay]) -> tuple[str, str]:
        return CHANNEL, _compact(self._origin, days)

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._tried.wait(), FIRST_SUBSCRIBE_TIMEOUT)
        if self._listening is None:
            log.warning("cannot LISTEN yet; live updates stay local until the database is back")

    async def publish(self, days: frozenset[CalendarDay]) -> None:
        await self._deliver(days)  # other instances hear the NOTIFY sent at commit

    async def _listen(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen_once(resync=failures > 0)
                failures = 1  # the connection was lost: news may have been missed
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self._tried.set()
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("LISTEN connection lost (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)

    async def _listen_once(self, *, resync: bool) -> None:
        """Connect, listen, and (after `resync`, refresh everything); return when the
        connection is lost."""
        conn = await self._engine.db.connect_outside_pool()
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(CHANNEL, self._on_news)
            await conn.add_listener(self._sync_channel, self._on_sync)
            self._listening = conn
            self._tried.set()
            if resync:
                log.warning("listening again; refreshing every subscriber")
                self._resync()
            await lost.wait()
        finally:
            self._listening = None
            self._fail_waiting()
            await conn.close(timeout=1)

    def _on_news(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        hear(payload, own_origin=self._origin, deliver=self._deliver, source=channel)

    def _on_sync(self, _conn: Any, _pid: int, _channel: str, token: str) -> None:
        waiting = self._waiting.pop(token, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    def _fail_waiting(self) -> None:
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(Unavailable("Lost the LISTEN connection"))
        self._waiting.clear()

    async def caught_up(self) -> None:
        """Return once every change committed before the call has been delivered here
        (Unavailable if that cannot be known)."""
        if self._listening is None:
            raise Unavailable("Not listening for changes")
        token = uuid.uuid4().hex
        heard = self._waiting[token] = asyncio.get_running_loop().create_future()
        try:
            async with self._engine.unit() as uow:  # NOTIFY goes out at its commit
                await notify(uow, self._sync_channel, token)
            await asyncio.wait_for(heard, self._sync_timeout)
        finally:
            self._waiting.pop(token, None)

    async def health(self) -> str:
        if self._listener is None or self._listener.done():
            return "subscriber not running"
        return OK if self._listening is not None else "not listening"

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
