"""What several surfaces share: the idempotent-route helper and the presenters of a
booking. Surfaces import this, never each other.

`Idempotency-Key`: a retried booking request gets the first answer, not a second
booking. The key's answer is kept in the same transaction as the booking it answers, so
a key is remembered exactly when its booking exists. Only successful answers are kept;
a retry of a failed request is tried afresh.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slotbook.booking.document import booking_document
from slotbook.booking.model import Booking
from slotbook.calendars.model import Calendar
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import Conflict, IdempotencyMismatch, InvalidInput
from slotbook.store import idempotency as kept
from slotbook.store.db import ConstraintViolation
from slotbook.surfaces.http.errors import ErrorStyle

MAX_KEY_LENGTH = 255

#: Surface 002's error shape; `POST /api/v1/bookings` answers in it too.
PROVIDER_STYLE = ErrorStyle(
    key="error",
    validation_status=400,
    overrides={
        "calendar_not_found": (404, "Provider not found"),
        "slot_taken": (409, "This time slot is already booked"),
        "in_past": (400, "Cannot book a time in the past"),
        "email_taken": (409, "A provider with that email already exists"),
        "invalid_input": (400, None),
    },
)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a surface answered: status code and JSON body."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    scope: str
    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str | None, *, scope: str, request: Any) -> "IdempotencyKey | None":
        """The key for this request, or None when the client sent none."""
        if key is None:
            return None
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
        canonical = json.dumps(request, sort_keys=True, default=str).encode()
        return cls(scope, key, hashlib.sha256(canonical).hexdigest())


async def _replay(uow: UnitOfWork, key: IdempotencyKey) -> Reply | None:
    answer = await kept.kept_answer(uow, key.scope, key.key)
    if answer is None:
        return None
    if answer.fingerprint != key.fingerprint:
        raise IdempotencyMismatch()
    return Reply(answer.status, answer.body)


async def idempotent(
    engine: Engine,
    key: IdempotencyKey | None,
    action: Callable[[UnitOfWork], Awaitable[Reply]],
) -> Reply:
    """Run `action` in a write transaction, once per key.

    A concurrent twin of the same request either waits on the key's row (PostgreSQL) or
    on the write lock (SQLite), or loses the race for the slot; either way it is then
    answered with the winner's stored reply.
    """
    if key is None:
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                reply = await action(uow)
        return reply
    try:
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                if (stored := await _replay(uow, key)) is not None:
                    return stored
                reply = await action(uow)
                answer = kept.KeptAnswer(key.fingerprint, reply.status, reply.body)
                await kept.keep_answer(uow, key.scope, key.key, answer)
        return reply
    except (Conflict, ConstraintViolation):
        async for attempt in engine.attempts():
            async with attempt as uow:
                if (stored := await _replay(uow, key)) is not None:
                    return stored
        raise


async def answer_once(
    engine: Engine,
    header: str | None,
    action: Callable[[UnitOfWork], Awaitable[Reply]],
    *,
    scope: str,
    request: Any,
) -> Reply:
    """The idempotent route: run `action` once per `Idempotency-Key` header (none: every
    time) for this `request` in `scope`; a retry gets the first reply."""
    key = IdempotencyKey.of(header, scope=scope, request=request)
    return await idempotent(engine, key, action)


def booking_out(
    booking: Booking, calendar: Calendar, token: str | None, now: datetime
) -> dict[str, Any]:
    """A booking as every surface's token holder sees it, with its token (None where the
    reader is not its holder)."""
    return booking_document(booking, calendar, now) | {"booking_token": token}


def provider_booking_out(booking: Booking, calendar: Calendar) -> dict[str, Any]:
    """A provider booking as surface 002 shows it."""
    local = booking.start_at.astimezone(calendar.zone)
    return {
        "id": booking.id,
        "provider_id": booking.calendar_id,
        "date": local.date().isoformat(),
        "time": local.time().isoformat("seconds"),
        "end_time": booking.end_at.astimezone(calendar.zone).time().isoformat("seconds"),
        "status": booking.status,
        "created_at": booking.created_at.isoformat(),
    }
