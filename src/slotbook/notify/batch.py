"""One batch of a consumer's due work, the same shape for every consumer: look (cheaply,
outside a write) whether anything is due; claim a batch in a short write transaction;
attempt it outside any transaction; record the outcomes in another short one."""

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
    async with engine.unit() as uow:
        if not await any_due(uow):
            return 0
    async with engine.unit(write=True) as uow:
        claimed = await claim(uow)
    if not claimed:
        return 0
    outcomes = await attempt(claimed)
    async with engine.unit(write=True) as uow:
        await record(uow, list(zip(claimed, outcomes, strict=True)))
    return len(claimed)
