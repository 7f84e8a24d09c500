"""One batch of a consumer's due work, the same shape for every consumer: on SQLite, look
(cheaply, outside its one writer) whether anything is due; claim a batch in a short write
transaction; attempt it outside any transaction; record the outcomes in another short one.
On PostgreSQL a write transaction takes no lock of its own, so the claim is the look: one
transaction fewer per batch. A batch claimed in another transaction (the dispatcher's
routing, `finish_batch`) is only attempted and recorded."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from slotbook.engine import Engine, UnitOfWork

Claimed = TypeVar("Claimed")
Outcome = TypeVar("Outcome")


async def deliver_batch(
    engine: Engine,
    *,
    any_due: Callable[[UnitOfWork], Awaitable[bool]],
    claim: Callable[[UnitOfWork], Awaitable[list[Claimed]]],
    attempt: Callable[[list[Claimed]], Awaitable[list[Outcome]]],
    record: Callable[[UnitOfWork, list[tuple[Claimed, Outcome]]], Awaitable[None]],
) -> int:
    """Claim, attempt and record one batch; how many were attempted (0: none due)."""
    if engine.db.is_sqlite:
        async for run in engine.attempts():
            async with run as uow:
                if not await any_due(uow):
                    return 0
    async for run in engine.attempts(write=True):
        async with run as uow:
            claimed = await claim(uow)
    return await finish_batch(engine, claimed, attempt=attempt, record=record)


async def finish_batch(
    engine: Engine,
    claimed: list[Claimed],
    *,
    attempt: Callable[[list[Claimed]], Awaitable[list[Outcome]]],
    record: Callable[[UnitOfWork, list[tuple[Claimed, Outcome]]], Awaitable[None]],
) -> int:
    """Attempt and record a batch already claimed; how many were attempted."""
    if not claimed:
        return 0
    outcomes = await attempt(claimed)
    async for run in engine.attempts(write=True):  # the outcomes are not lost to one drop
        async with run as uow:
            await record(uow, list(zip(claimed, outcomes, strict=True)))
    return len(claimed)
