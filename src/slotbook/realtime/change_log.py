"""The broker of processes sharing one SQLite file without Redis: a change log table.

Every unit of work that changes something writes one row per changed calendar-day in its
own transaction; SQLite has one writer at a time, so row ids follow commit order. Each
process follows the log: every `POLL_EVERY` seconds, and whenever its cache must answer
(`caught_up`), it reads the rows after the last it saw and delivers those of other
processes. A process that finds rows it never saw gone (pruned after `KEEP_FOR`)
refreshes everything instead.
"""

import asyncio
import logging
import uuid
from datetime import timedelta
from functools import partial

from slotbook.engine import CalendarDay, Engine
from slotbook.realtime.news import OK, Deliver, Resync
from slotbook.store import change_log

log = logging.getLogger("slotbook.realtime")

POLL_EVERY = 0.1  # seconds
KEEP_FOR = timedelta(hours=1)
PRUNE_EVERY = 600  # polls


class ChangeLogBroker:
    kind = "sqlite-change-log"

    def __init__(self, engine: Engine, deliver: Deliver, resync: Resync) -> None:
        self._engine = engine
        self._deliver = deliver
        self._resync = resync
        self._origin = uuid.uuid4().hex
        self._last: int | None = None  # the last row read; None: not known yet
        self._reading = asyncio.Lock()
        self._follower: asyncio.Task[None] | None = None
        self._failing: str | None = None
        engine.record_changes(partial(change_log.news, self._origin))

    async def start(self) -> None:
        try:
            await self.caught_up()
        except Exception as exc:  # the database is down: follow it once it is back
            self._failing = f"unreachable ({type(exc).__name__})"
        self._follower = asyncio.create_task(self._follow())

    async def publish(self, days: frozenset[CalendarDay]) -> None:
        await self._deliver(days)  # other processes read it from the log

    async def caught_up(self) -> None:
        """Deliver every change committed before this call (raises if the log cannot be
        read)."""
        async with self._reading:
            async with self._engine.unit() as uow:
                if self._last is None:  # start from the last id ever given out
                    self._last = await change_log.last_id(uow)
                    return
                entries = await change_log.entries_after(uow, self._last)
            if not entries:
                return
            missed = entries[0].id != self._last + 1
            self._last = entries[-1].id
            if missed:
                log.warning("change log rows were pruned before this process read them")
                self._resync()
                return
            days = frozenset(e.changed for e in entries if e.origin != self._origin)
            if days:
                self._deliver(days)

    async def _follow(self) -> None:
        polls = 0
        while True:
            await asyncio.sleep(POLL_EVERY)
            try:
                await self.caught_up()
                polls += 1
                if polls % PRUNE_EVERY == 0:
                    await self._prune()
            except Exception as exc:  # the database is busy or down: try again
                if self._failing is None:
                    log.warning("cannot read the change log (%s); retrying", exc)
                self._failing = f"unreachable ({type(exc).__name__})"
            else:
                self._failing = None

    async def _prune(self) -> None:
        async with self._engine.unit(write=True) as uow:
            await change_log.forget_before(uow, uow.now - KEEP_FOR)

    async def health(self) -> str:
        if self._follower is None or self._follower.done():
            return "subscriber not running"
        return self._failing or OK

    async def close(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            await asyncio.gather(self._follower, return_exceptions=True)
