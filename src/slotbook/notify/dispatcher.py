"""The dispatcher: in every server process, hands new outbox events to the consumers and
lets each do its due work — woken at once by this process's own commits, and every
`SLOTBOOK_DISPATCH_INTERVAL_SECONDS` for everyone else's (and for retries coming due).

A consumer is anything with these two methods:

- `take(uow, events)`: record the work these new events make (webhook deliveries,
  emails, …) in the transaction that marks them routed — so each event is routed once,
  across every process, and nothing is lost if a process dies;
- `deliver_due(engine) -> int`: do one batch of the work that is due, claiming it in the
  database first; how much was attempted (0: nothing due) — fewer than its `batch`
  when nothing more was due (to this process: what another one claimed, it sends).
"""

from typing import Protocol

from slotbook.engine import Engine, UnitOfWork
from slotbook.store.outbox import outbox
from slotbook.store.outbox.outbox import Event

#: events routed in one transaction
ROUTE_BATCH = 500


class Consumer(Protocol):
    #: the most `deliver_due` attempts at once
    batch: int

    async def take(self, uow: UnitOfWork, events: list[Event]) -> None: ...

    async def deliver_due(self, engine: Engine) -> int: ...


async def route_new_events(engine: Engine, consumers: list[Consumer]) -> int:
    """Hand every event no consumer has seen to all of them; how many. (SQLite: after a
    look outside its one writer; PostgreSQL: the claim is the look.)"""
    routed = 0
    while True:
        if engine.db.is_sqlite:
            async for attempt in engine.attempts():
                async with attempt as uow:
                    if not await outbox.has_unrouted(uow):
                        return routed
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                events = await outbox.claim_unrouted(uow, limit=ROUTE_BATCH)
                for consumer in consumers if events else []:
                    await consumer.take(uow, events)
        routed += len(events)
        if len(events) < ROUTE_BATCH:
            return routed


class Dispatcher:
    """Routes new events to the consumers, then lets each work until nothing is due.
    `run_once` is a job of `jobs.scheduler`, woken by every commit of this process."""

    def __init__(self, engine: Engine, consumers: list[Consumer]) -> None:
        self.engine = engine
        self.consumers = consumers

    async def run_once(self) -> int:
        """One pass; how many events and deliveries it handled. A consumer works until a
        batch comes out short: then nothing more was due."""
        done = await route_new_events(self.engine, self.consumers)
        for consumer in self.consumers:
            while True:
                attempted = await consumer.deliver_due(self.engine)
                done += attempted
                if attempted < consumer.batch:
                    break
        return done
