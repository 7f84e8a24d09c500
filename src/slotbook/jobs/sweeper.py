"""The sweeper: records holds whose grace period has ended as expired, and declines
bookings left pending longer than their calendar's approval timeout.

Reads already treat such holds as free; sweeping gives back their seats, records each
one's event (`booking.expired`, `booking.declined`) and tells the change listeners (live
boards, the slot cache) which calendar-days were freed, without anyone calling anything.
Beside it, once an hour, idempotent answers past their keeping time are forgotten (they
hold manage tokens). Both run as jobs of `jobs.scheduler`.
"""

from slotbook.booking import transitions
from slotbook.engine import Engine
from slotbook.store.bookings.booking_reads import has_stale_holds, overdue_pending
from slotbook.store.idempotency import purge_expired

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


async def purge_idempotent_answers(engine: Engine) -> None:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            await purge_expired(uow)
