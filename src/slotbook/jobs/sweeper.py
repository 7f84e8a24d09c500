"""The hold sweeper: records holds whose grace period has ended as expired.

Reads already treat such holds as free; sweeping gives back their seats, records each
hold's `booking.expired` event and tells the change listeners (live boards, the slot
cache) which calendar-days were freed, without anyone calling anything. Beside it, once
an hour, idempotent answers past their keeping time are forgotten (they hold manage
tokens). Both run as jobs of `jobs.scheduler`.
"""

from slotbook.booking import transitions
from slotbook.engine import Engine
from slotbook.store.booking_reads import has_stale_holds
from slotbook.store.idempotency import purge_expired

PURGE_EVERY = 3600.0  # seconds between purges of expired idempotent answers


async def sweep(engine: Engine) -> int:
    """One pass; the write transaction is only opened when there is something to sweep."""
    async with engine.unit() as uow:
        if not await has_stale_holds(uow):
            return 0
    async with engine.unit(write=True) as uow:
        return await transitions.expire_stale_holds(uow)


async def purge_idempotent_answers(engine: Engine) -> None:
    async with engine.unit(write=True) as uow:
        await purge_expired(uow)
