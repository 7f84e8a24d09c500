"""The hold sweeper: records holds whose grace period has ended as expired.

Reads already treat such holds as free; sweeping gives back their seats and tells the
change listeners (live boards, the slot cache) which calendar-days were freed, without
anyone calling anything. Once an hour it also forgets idempotent answers past their
keeping time (they hold manage tokens).
"""

import asyncio
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select, update

from slotbook.services.engine import Engine, UnitOfWork
from slotbook.services.idempotency import purge_expired
from slotbook.store.queries import seat_released
from slotbook.store.tables import bookings, calendars

log = logging.getLogger("slotbook.sweeper")
PURGE_EVERY = 3600.0  # seconds between purges of expired idempotent answers


def _stale(now: datetime) -> ColumnElement[bool]:
    """A hold whose grace period has ended by `now`."""
    return and_(bookings.c.status == "held", bookings.c.hold_expires_at <= now)


async def has_stale_holds(uow: UnitOfWork) -> bool:
    row = (await uow.conn.execute(select(bookings.c.id).where(_stale(uow.now)).limit(1))).first()
    return row is not None


async def sweep_expired_holds(uow: UnitOfWork) -> int:
    """Expire every stale hold, give back its seat, touch its calendar-day; how many."""
    expired = (
        await uow.conn.execute(
            update(bookings)
            .where(_stale(uow.now))
            .values(status="expired", updated_at=uow.now)
            .returning(bookings.c.calendar_id, bookings.c.slot_id, bookings.c.start_at)
        )
    ).all()
    if not expired:
        return 0
    for row in expired:
        if row.slot_id is not None:
            await uow.conn.execute(seat_released(row.slot_id))
    zones = {
        row.id: ZoneInfo(row.timezone)
        for row in await uow.conn.execute(
            select(calendars.c.id, calendars.c.timezone).where(
                calendars.c.id.in_({r.calendar_id for r in expired})
            )
        )
    }
    for row in expired:
        uow.touch(row.calendar_id, row.start_at.astimezone(zones[row.calendar_id]).date())
    return len(expired)


async def sweep(engine: Engine) -> int:
    """One pass; the write transaction is only opened when there is something to sweep."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            if not await has_stale_holds(uow):
                return 0
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            swept = await sweep_expired_holds(uow)
    return swept


async def run_sweeper(engine: Engine, interval: float) -> None:
    """Sweep every `interval` seconds until cancelled; a failed pass is logged and retried."""
    last_purge = -PURGE_EVERY
    while True:
        await asyncio.sleep(interval)
        try:
            await sweep(engine)
            if time.monotonic() - last_purge >= PURGE_EVERY:
                async for attempt in engine.attempts(write=True):
                    async with attempt as uow:
                        await purge_expired(uow)
                last_purge = time.monotonic()
        except Exception:
            log.warning("sweeping expired holds failed; retrying in %ss", interval, exc_info=True)
