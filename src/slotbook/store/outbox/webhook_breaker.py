"""The per-endpoint circuit breaker, kept in the deliveries themselves (no extra state).

An endpoint is *failing* while it has a pending delivery that has already failed at
least once. While it is failing, one of its pending deliveries is the *probe* (it keeps
its back-off time and is tried when that comes) and every other one is *held*: pending
with no `next_attempt_at`, so it is never due, never claimed and never written. New
deliveries to a failing endpoint are held as they are made. When an attempt to the
endpoint succeeds, its held deliveries are all due at once, in order, with their own
event ids. Invariant: an endpoint with held deliveries has a probe.

Deadline: a held delivery's 24 h counts from its creation, as every delivery's does.
It is given up (failed, counted against the endpoint) at the first failed probe at or
after that deadline — that failure is the one its own attempt would have had — never
earlier, and never while the endpoint answers.

The endpoint's row is locked (`FOR UPDATE` on PostgreSQL; SQLite has one writer) by
every transaction that holds, releases or makes deliveries for it, so those decisions
never interleave across processes.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, null, select, update

from slotbook.engine import UnitOfWork
from slotbook.store.tables import webhook_deliveries, webhooks

_pending = webhook_deliveries.c.status == "pending"
_held = and_(_pending, webhook_deliveries.c.next_attempt_at.is_(None))


async def lock(uow: UnitOfWork, webhook_ids: Iterable[int]) -> None:
    """Take these endpoints' rows for the rest of the transaction (in id order)."""
    ids = sorted(set(webhook_ids))
    if ids:
        await uow.conn.execute(
            select(webhooks.c.id)
            .where(webhooks.c.id.in_(ids))
            .order_by(webhooks.c.id)
            .with_for_update()
        )


def first_due_at(webhook_id: int, now: datetime) -> ColumnElement[datetime | None]:
    """When a delivery to this endpoint made now is first due: `now`, or never (held)
    while the endpoint is failing. Decided by the statement that makes the delivery, so
    after the endpoint's row is locked (`lock`), with what is committed by then."""
    earlier = webhook_deliveries.alias("earlier")
    failing = exists().where(
        earlier.c.webhook_id == webhook_id,
        earlier.c.status == "pending",
        earlier.c.attempts > 0,
    )
    due = literal(now, webhook_deliveries.c.next_attempt_at.type)
    return case((failing, null()), else_=due)


async def release(uow: UnitOfWork, webhook_ids: set[int]) -> None:
    """These endpoints just took a delivery: everything held for them is due now."""
    if webhook_ids:
        await uow.conn.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.webhook_id.in_(webhook_ids), _held)
            .values(next_attempt_at=uow.now)
        )


async def give_up_held(uow: UnitOfWork, webhook_id: int, *, began_before: datetime) -> int:
    """A probe to this endpoint just failed: held deliveries that began before
    `began_before` fail with it; how many."""
    failed = await uow.conn.execute(
        update(webhook_deliveries)
        .where(
            webhook_deliveries.c.webhook_id == webhook_id,
            _held,
            webhook_deliveries.c.created_at <= began_before,
        )
        .values(status="failed")
    )
    return failed.rowcount or 0


async def hold_all_but_probe(uow: UnitOfWork, webhook_id: int) -> None:
    """An attempt to this endpoint just failed: keep one probe — its oldest delivery
    that is not held, or else its oldest held one, due now — and hold the rest."""
    of_endpoint = and_(webhook_deliveries.c.webhook_id == webhook_id, _pending)
    oldest_unheld = select(func.min(webhook_deliveries.c.id)).where(
        of_endpoint, webhook_deliveries.c.next_attempt_at.is_not(None)
    )
    probe = (await uow.conn.execute(oldest_unheld)).scalar()
    if probe is None:
        oldest_held = select(func.min(webhook_deliveries.c.id)).where(of_endpoint)
        probe = (await uow.conn.execute(oldest_held)).scalar()
        if probe is None:
            return
        await uow.conn.execute(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id == probe)
            .values(next_attempt_at=uow.now)
        )
    await uow.conn.execute(
        update(webhook_deliveries)
        .where(
            of_endpoint,
            webhook_deliveries.c.id != probe,
            webhook_deliveries.c.next_attempt_at.is_not(None),  # held ones stay unwritten
        )
        .values(next_attempt_at=None)
    )
