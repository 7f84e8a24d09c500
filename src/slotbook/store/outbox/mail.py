"""Emails waiting to be sent, sent, or given up on (`tables.mail_messages`).

A message is written with its full text in the transaction that decides it is due (the
routing of its outbox event, or a request for one's links); claimed for each attempt
with a lease (`store.leases`); and once sent, only its envelope is kept. A reminder is
a message due later: a move reschedules it, a cancellation drops it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, case, delete, insert, null, select, update

from slotbook.engine import UnitOfWork
from slotbook.store.outbox import leases
from slotbook.store.tables import mail_messages

REMINDER = "reminder"


@dataclass(frozen=True, slots=True)
class Letter:
    """A message to write: to whom, what, and when it is due."""

    kind: str
    recipient: str
    subject: str
    message: str  # RFC 5322 text, ASCII
    due_at: datetime
    booking_id: int | None = None
    event_id: int | None = None  # the outbox event's row id


@dataclass(frozen=True, slots=True)
class DueMessage:
    """A message claimed for one attempt."""

    id: int
    recipient: str
    message: str
    attempts: int  # made so far
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Sent:
    """One attempt to record: the message's new status (pending, sent, failed)."""

    message: DueMessage
    status: str
    error: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class Envelope:
    """A message as `GET /api/v1/admin/outbox` lists it."""

    id: int
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    due_at: datetime
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    booking_id: int | None


async def add(uow: UnitOfWork, letters: list[Letter]) -> None:
    if letters:
        await uow.conn.execute(
            insert(mail_messages),
            [
                {
                    "kind": letter.kind,
                    "recipient": letter.recipient,
                    "subject": letter.subject,
                    "message": letter.message,
                    "booking_id": letter.booking_id,
                    "event_id": letter.event_id,
                    "status": "pending",
                    "due_at": letter.due_at,
                    "next_attempt_at": letter.due_at,
                    "created_at": uow.now,
                }
                for letter in letters
            ],
        )


async def drop_reminders(uow: UnitOfWork, booking_ids: set[int]) -> None:
    """Forget these bookings' reminders not yet sent."""
    if booking_ids:
        await uow.conn.execute(
            delete(mail_messages).where(
                mail_messages.c.booking_id.in_(booking_ids),
                mail_messages.c.kind == REMINDER,
                mail_messages.c.status == "pending",
            )
        )


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(mail_messages.c.status == "pending", mail_messages.c.next_attempt_at <= now)


async def has_due(uow: UnitOfWork) -> bool:
    return await leases.any_due(uow, mail_messages, _due(uow.now))


async def claim_due(uow: UnitOfWork, *, lease_until: datetime, limit: int) -> list[DueMessage]:
    """Take up to `limit` due messages for one attempt each, in the order they were
    written; nobody else takes them before `lease_until`."""
    fields = ("recipient", "message", "attempts", "due_at")
    rows = await leases.claim(
        uow,
        mail_messages,
        due=_due(uow.now),
        limit=limit,
        lease_until=lease_until,
        returning=[mail_messages.c[name] for name in fields],
    )
    return sorted((DueMessage(**row._mapping) for row in rows), key=lambda m: m.id)


async def record(uow: UnitOfWork, results: list[Sent]) -> None:
    """Write a batch of attempts, in one statement; a sent message keeps its envelope, not
    its text (which may hold a manage link)."""
    if results:
        status = bindparam("new_status", type_=mail_messages.c.status.type)
        await uow.conn.execute(
            update(mail_messages)
            .where(mail_messages.c.id == bindparam("message_id"))
            .values(
                status=status,
                attempts=mail_messages.c.attempts + 1,
                next_attempt_at=bindparam("next_at"),
                last_error=bindparam("error"),
                sent_at=bindparam("at"),
                message=case((status == "sent", null()), else_=mail_messages.c.message),
            ),
            [
                {
                    "message_id": r.message.id,
                    "new_status": r.status,
                    "next_at": r.next_attempt_at,
                    "error": r.error,
                    "at": uow.now if r.status == "sent" else None,
                }
                for r in results
            ],
        )


async def envelopes(uow: UnitOfWork, *, status: str, limit: int, offset: int) -> list[Envelope]:
    """Messages of one status, newest first."""
    rows = await uow.conn.execute(
        select(*(mail_messages.c[name] for name in Envelope.__dataclass_fields__))
        .where(mail_messages.c.status == status)
        .order_by(mail_messages.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [Envelope(**row._mapping) for row in rows]
