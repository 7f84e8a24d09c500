"""The sweeper: records holds whose grace period has ended as expired, and declines
bookings left pending longer than their calendar's approval timeout.

Reads already treat such holds as free; sweeping gives back their seats and tells the
change listeners (live boards, the slot cache) which calendar-days were freed, without
anyone calling anything. Once an hour it also forgets idempotent answers past their
keeping time (they hold manage tokens).
"""

import asyncio
import logging
import time

from slotbook.booking import transitions
from slotbook.engine import Engine
from slotbook.store.booking_reads import has_stale_holds, overdue_pending
from slotbook.store.idempotency import purge_expired

log = logging.getLogger("slotbook.sweeper")
PURGE_EVERY = 3600.0  # seconds between purges of expired idempotent answers


async def sweep(engine: Engine) -> int:
    """One pass: expire stale holds, decline bookings pending past their calendar's
    approval timeout; how many. The write transaction is only opened when there may be
    something to do."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            if not (await has_stale_holds(uow) or await overdue_pending(uow)):
                return 0
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            expired = await transitions.expire_stale_holds(uow)
            declined = await transitions.decline_overdue(uow)
    return expired + declined


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
