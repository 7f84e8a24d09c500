"""The dispatcher: in every server process, hands new outbox events to the consumers and
lets each do its due work — woken at once by this process's own commits, and every
`SLOTBOOK_DISPATCH_INTERVAL_SECONDS` for everyone else's (and for retries coming due).

A consumer is anything with these methods:

- `take(uow, events)`: record the work these new events make (webhook deliveries,
  emails, …) in the transaction that marks them routed — so each event is routed once,
  across every process, and nothing is lost if a process dies;
- `claim(uow) -> list`: take one batch of the work that is due (at most its `batch`),
  leased to this process; the routing transaction does it for every consumer, so a pass
  that routes costs one transaction, not one more per consumer;
- `deliver(engine, claimed) -> int`: attempt a batch so claimed and record the outcomes;
  how many were attempted;
- `deliver_due(engine) -> int`: claim and deliver one batch (0: nothing due) — fewer than
  its `batch` when nothing more was due (to this process: what another one claimed, it
  sends).

The consumers deliver side by side, so a batch claimed with the routing is attempted at
once, never after another consumer's slow sends (its lease keeps running meanwhile).
"""

import asyncio
from typing import Any, Protocol

from slotbook.engine import Engine, UnitOfWork
from slotbook.store.outbox import outbox
from slotbook.store.outbox.outbox import Event

#: events routed in one transaction
ROUTE_BATCH = 500


class Consumer(Protocol):
    #: the most `claim` takes at once
    batch: int

    async def take(self, uow: UnitOfWork, events: list[Event]) -> None: ...

    async def claim(self, uow: UnitOfWork) -> list[Any]: ...

    async def deliver(self, engine: Engine, claimed: list[Any]) -> int: ...

    async def deliver_due(self, engine: Engine) -> int: ...


async def route_new_events(
    engine: Engine, consumers: list[Consumer]
) -> tuple[int, list[list[Any]] | None]:
    """Hand every event no consumer has seen to all of them; how many, and each consumer's
    first batch of due work, claimed in the last routing transaction (None when no
    routing transaction ran). (SQLite: after a look outside its one writer; PostgreSQL:
    the claim is the look.)"""
    routed = 0
    while True:
        if engine.db.is_sqlite:
            async for attempt in engine.attempts():
                async with attempt as uow:
                    if not await outbox.has_unrouted(uow):
                        return routed, None
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                events = await outbox.claim_unrouted(uow, limit=ROUTE_BATCH)
                for consumer in consumers if events else []:
                    await consumer.take(uow, events)
                last = len(events) < ROUTE_BATCH
                claimed = [await c.claim(uow) for c in consumers] if last else None
        routed += len(events)
        if claimed is not None:
            return routed, claimed


class Dispatcher:
    """Routes new events to the consumers, then lets each work until nothing is due.
    `run_once` is a job of `jobs.scheduler`, woken by every commit of this process."""

    def __init__(self, engine: Engine, consumers: list[Consumer]) -> None:
        self.engine = engine
        self.consumers = consumers

    async def run_once(self) -> int:
        """One pass; how many events and deliveries it handled (a consumer's failure is
        raised once every consumer is done)."""
        routed, claimed = await route_new_events(self.engine, self.consumers)
        firsts: list[list[Any] | None] = [*claimed] if claimed else [None] * len(self.consumers)
        done = await asyncio.gather(
            *(self._work(c, first) for c, first in zip(self.consumers, firsts, strict=True)),
            return_exceptions=True,  # one consumer's failure does not cut another's work short
        )
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
        return routed + sum(n for n in done if isinstance(n, int))

    async def _work(self, consumer: Consumer, first: list[Any] | None) -> int:
        """Deliver the batch claimed with the routing (if any), then batch after batch
        until one comes out short: then nothing more was due."""
        if first is None:
            attempted = await consumer.deliver_due(self.engine)
        else:
            attempted = await consumer.deliver(self.engine, first)
        done = attempted
        while attempted >= consumer.batch:
            attempted = await consumer.deliver_due(self.engine)
            done += attempted
        return done
