"""The outbox: one durable event row per committed change of a booking's state.

`append` runs inside the transaction that makes the change, so the event exists exactly
when the change does. `claim_unrouted` hands new events to the consumers (webhooks, …)
exactly once across every process: PostgreSQL skips rows another transaction has
locked (`FOR UPDATE SKIP LOCKED`); SQLite runs it inside its one writer.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, insert, select, type_coerce, union_all, update

from slotbook.engine import UnitOfWork
from slotbook.store.tables import outbox_events, webhook_deliveries
from slotbook.store.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class Event:
    """One change of one booking: `booking` is the booking as its token endpoint shows
    it (without the token), just after the change."""

    id: int
    event_id: str
    type: str
    calendar_id: int
    booking_id: int
    booking: dict[str, Any]
    occurred_at: datetime
    sequence: int = 0  # the booking's iCalendar SEQUENCE just after the change
    manage_token: str | None = None  # a new booking's token (for its confirmation email)


@dataclass(frozen=True, slots=True)
class Backlog:
    """Work the consumers have not finished: events not yet routed plus deliveries still
    pending, and when the oldest of them happened (None when there is none)."""

    size: int
    oldest_at: datetime | None

    def oldest_age_seconds(self, now: datetime) -> float:
        return (now - self.oldest_at).total_seconds() if self.oldest_at else 0.0


def new_event_id() -> str:
    """A unique id in the Standard Webhooks `msg_` style: 128 random bits in hex (a
    uuid4's hex but for its version digits, without building the UUID)."""
    return f"msg_{secrets.token_hex(16)}"


def as_json(document: dict[str, Any]) -> str:
    """A booking's document as an event stores it."""
    return orjson.dumps(document).decode()


def event_row(
    *,
    type: str,
    calendar_id: int,
    booking: str,
    occurred_at: datetime,
    sequence: int = 0,
    manage_token: str | None = None,
) -> dict[str, Any]:
    """The columns of one new event but its booking's id (`booking`: the booking's
    document, `as_json`). A new booking's `manage_token` is kept only until the event
    is routed (its confirmation email is then written), never shown to webhooks."""
    return {
        "event_id": new_event_id(),
        "type": type,
        "calendar_id": calendar_id,
        "booking": booking,
        "occurred_at": occurred_at,
        "sequence": sequence,
        "manage_token": manage_token,
    }


async def append(
    uow: UnitOfWork,
    *,
    type: str,
    calendar_id: int,
    booking_id: int,
    booking: dict[str, Any],
    sequence: int = 0,
    manage_token: str | None = None,
) -> None:
    """Record one event in the caller's transaction (see `event_row`)."""
    row = event_row(
        type=type,
        calendar_id=calendar_id,
        booking=as_json(booking),
        occurred_at=uow.now,
        sequence=sequence,
        manage_token=manage_token,
    )
    await uow.conn.execute(insert(outbox_events).values(row | {"booking_id": booking_id}))


def _event(row: Any) -> Event:
    return Event(
        id=row.id,
        event_id=row.event_id,
        type=row.type,
        calendar_id=row.calendar_id,
        booking_id=row.booking_id,
        booking=orjson.loads(row.booking),
        occurred_at=row.occurred_at,
        sequence=row.sequence,
        manage_token=row.manage_token,
    )


async def events_of_booking(uow: UnitOfWork, booking_id: int, *, limit: int) -> list[Event]:
    """The booking's history: its events in the order they happened (the first `limit`)."""
    query = (
        select(outbox_events)
        .where(outbox_events.c.booking_id == booking_id)
        .order_by(outbox_events.c.id)
        .limit(limit)
    )
    return [_event(row) for row in await uow.conn.execute(query)]


async def has_unrouted(uow: UnitOfWork) -> bool:
    query = select(outbox_events.c.id).where(outbox_events.c.routed_at.is_(None)).limit(1)
    return (await uow.conn.execute(query)).first() is not None


async def claim_unrouted(uow: UnitOfWork, *, limit: int) -> list[Event]:
    """Take up to `limit` events no consumer has seen, oldest first, and mark them routed
    (the caller's transaction hands them to the consumers before it commits); their
    manage tokens are forgotten."""
    query = (
        select(outbox_events)
        .where(outbox_events.c.routed_at.is_(None))
        .order_by(outbox_events.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    events = [_event(row) for row in await uow.conn.execute(query)]
    if events:
        await uow.conn.execute(
            update(outbox_events)
            .where(outbox_events.c.id.in_([e.id for e in events]))
            .values(routed_at=uow.now, manage_token=None)
        )
    return events


async def backlog(uow: UnitOfWork) -> Backlog:
    """How much outbox work is waiting, and since when (for metrics and checks)."""
    unrouted = select(outbox_events.c.occurred_at.label("at")).where(
        outbox_events.c.routed_at.is_(None)
    )
    pending = (
        select(outbox_events.c.occurred_at.label("at"))
        .select_from(webhook_deliveries.join(outbox_events))
        .where(webhook_deliveries.c.status == "pending")
    )
    waiting = union_all(unrouted, pending).subquery()
    oldest = type_coerce(func.min(waiting.c.at), UTCDateTime())  # an instant on SQLite too
    size, oldest_at = (await uow.conn.execute(select(func.count(), oldest))).one()
    return Backlog(size=size, oldest_at=oldest_at)
