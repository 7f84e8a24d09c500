"""Webhook endpoints, their deliveries (one per event and endpoint) and every attempt.

A delivery is claimed for each attempt with a lease (`store.leases`): two processes
never send the same attempt, and a process that dies mid-send leaves the delivery to be
retried by any other once the lease runs out.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, delete, insert, select, update
from sqlalchemy.engine import Row

from slotbook.engine import UnitOfWork
from slotbook.store.outbox import leases
from slotbook.store.outbox.outbox import Event
from slotbook.store.outbox.webhook_breaker import first_due_at
from slotbook.store.tables import outbox_events, webhook_attempts, webhook_deliveries, webhooks


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    user_id: int
    calendar_id: int | None  # None: every calendar
    url: str
    events: tuple[str, ...]
    secret: str
    failed_in_a_row: int
    disabled_at: datetime | None
    created_at: datetime

    def wants(self, event: Event) -> bool:
        """Whether `event` is one this endpoint subscribed to."""
        return (
            self.disabled_at is None
            and event.type in self.events
            and self.calendar_id in (None, event.calendar_id)
        )


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery claimed for one attempt: where to, signed with what, which event."""

    id: int
    webhook_id: int
    url: str
    secret: str
    attempts: int  # made so far
    created_at: datetime
    event_id: str
    type: str
    booking: str  # JSON text, as appended
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt as `GET /api/v1/webhooks/{id}/deliveries` lists it."""

    event_id: str
    type: str
    attempt: int
    status_code: int | None
    error: str | None
    at: datetime
    next_attempt_at: datetime | None
    delivery_status: str
    response_body: str | None


def _webhook(row: Row) -> Webhook:  # type: ignore[type-arg]
    fields = dict(row._mapping)
    return Webhook(**(fields | {"events": tuple(json.loads(fields["events"]))}))


async def create(
    uow: UnitOfWork,
    *,
    user_id: int,
    calendar_id: int | None,
    url: str,
    events: list[str],
    secret: str,
) -> Webhook:
    row = (
        await uow.conn.execute(
            insert(webhooks)
            .values(
                user_id=user_id,
                calendar_id=calendar_id,
                url=url,
                events=json.dumps(events),
                secret=secret,
                created_at=uow.now,
            )
            .returning(*webhooks.c)
        )
    ).one()
    return _webhook(row)


async def get(uow: UnitOfWork, webhook_id: int) -> Webhook | None:
    row = (await uow.conn.execute(select(webhooks).where(webhooks.c.id == webhook_id))).first()
    return _webhook(row) if row else None


async def of_user(uow: UnitOfWork, user_id: int) -> list[Webhook]:
    query = select(webhooks).where(webhooks.c.user_id == user_id).order_by(webhooks.c.id)
    return [_webhook(row) for row in await uow.conn.execute(query)]


async def enabled(uow: UnitOfWork) -> list[Webhook]:
    query = select(webhooks).where(webhooks.c.disabled_at.is_(None))
    return [_webhook(row) for row in await uow.conn.execute(query)]


async def remove(uow: UnitOfWork, webhook_id: int) -> None:
    await uow.conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))


async def add_deliveries(uow: UnitOfWork, pairs: list[tuple[int, int]]) -> None:
    """One pending delivery per (webhook id, outbox event row id): due at once, or held
    (no `next_attempt_at`) for an endpoint that is failing (`webhook_breaker`), decided
    in this one statement."""
    if pairs:
        await uow.conn.execute(
            insert(webhook_deliveries).values(
                [
                    {
                        "webhook_id": webhook_id,
                        "event_id": event_row,
                        "status": "pending",
                        "next_attempt_at": first_due_at(webhook_id, uow.now),
                        "created_at": uow.now,
                    }
                    for webhook_id, event_row in pairs
                ]
            )
        )


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        webhook_deliveries.c.status == "pending", webhook_deliveries.c.next_attempt_at <= now
    )


async def has_due(uow: UnitOfWork) -> bool:
    return await leases.any_due(uow, webhook_deliveries, _due(uow.now))


async def claim_due(uow: UnitOfWork, *, lease_until: datetime, limit: int) -> list[DueDelivery]:
    """Take up to `limit` due deliveries for one attempt each; nobody else takes them
    before `lease_until`."""
    ids = [
        row.id
        for row in await leases.claim(
            uow, webhook_deliveries, due=_due(uow.now), limit=limit, lease_until=lease_until
        )
    ]
    if not ids:
        return []
    rows = await uow.conn.execute(
        select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.webhook_id,
            webhooks.c.url,
            webhooks.c.secret,
            webhook_deliveries.c.attempts,
            webhook_deliveries.c.created_at,
            outbox_events.c.event_id,
            outbox_events.c.type,
            outbox_events.c.booking,
            outbox_events.c.occurred_at,
        )
        .select_from(webhook_deliveries.join(webhooks).join(outbox_events))
        .where(webhook_deliveries.c.id.in_(ids))
    )
    return [DueDelivery(**row._mapping) for row in rows]


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """One attempt to record, and the delivery's new status (pending, delivered, failed)."""

    delivery: DueDelivery
    status: str
    status_code: int | None
    error: str | None
    response_body: str | None
    next_attempt_at: datetime | None


async def record_attempts(uow: UnitOfWork, results: list[AttemptResult]) -> None:
    """Write a batch of attempts and their deliveries' new state, in two statements."""
    if not results:
        return
    await uow.conn.execute(
        insert(webhook_attempts),
        [
            {
                "delivery_id": r.delivery.id,
                "attempt": r.delivery.attempts + 1,
                "at": uow.now,
                "status_code": r.status_code,
                "error": r.error,
                "response_body": r.response_body,
                "next_attempt_at": r.next_attempt_at,
            }
            for r in results
        ],
    )
    await uow.conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == bindparam("delivery_id"))
        .values(
            status=bindparam("new_status"),
            attempts=bindparam("attempt"),
            next_attempt_at=bindparam("next_at"),
        ),
        [
            {
                "delivery_id": r.delivery.id,
                "new_status": r.status,
                "attempt": r.delivery.attempts + 1,
                "next_at": r.next_attempt_at,
            }
            for r in results
        ],
    )


async def reset_failures(uow: UnitOfWork, webhook_ids: set[int]) -> None:
    """These endpoints just took a delivery: none failed in a row."""
    if webhook_ids:
        await uow.conn.execute(
            update(webhooks)
            .where(webhooks.c.id.in_(webhook_ids), webhooks.c.failed_in_a_row > 0)
            .values(failed_in_a_row=0)
        )


async def count_failures(uow: UnitOfWork, webhook_id: int, failed: int) -> int:
    """Count deliveries that failed for good against their endpoint; how many in a row."""
    row = (
        await uow.conn.execute(
            update(webhooks)
            .where(webhooks.c.id == webhook_id)
            .values(failed_in_a_row=webhooks.c.failed_in_a_row + failed)
            .returning(webhooks.c.failed_in_a_row)
        )
    ).first()
    return row.failed_in_a_row if row else 0


async def disable(uow: UnitOfWork, webhook_id: int) -> None:
    """Stop sending to an endpoint: no new deliveries, and its pending ones fail."""
    await uow.conn.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook_id, webhooks.c.disabled_at.is_(None))
        .values(disabled_at=uow.now)
    )
    await uow.conn.execute(
        update(webhook_deliveries)
        .where(
            webhook_deliveries.c.webhook_id == webhook_id,
            webhook_deliveries.c.status == "pending",
        )
        .values(status="failed", next_attempt_at=None)
    )


async def attempts_of(
    uow: UnitOfWork, webhook_id: int, *, limit: int, offset: int
) -> list[Attempt]:
    """An endpoint's attempts, newest first."""
    rows = await uow.conn.execute(
        select(
            outbox_events.c.event_id,
            outbox_events.c.type,
            webhook_attempts.c.attempt,
            webhook_attempts.c.status_code,
            webhook_attempts.c.error,
            webhook_attempts.c.at,
            webhook_attempts.c.next_attempt_at,
            webhook_deliveries.c.status.label("delivery_status"),
            webhook_attempts.c.response_body,
        )
        .select_from(webhook_attempts.join(webhook_deliveries).join(outbox_events))
        .where(webhook_deliveries.c.webhook_id == webhook_id)
        .order_by(webhook_attempts.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [Attempt(**row._mapping) for row in rows]
