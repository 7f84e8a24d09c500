"""`Idempotency-Key`: a retried booking request gets the first answer, not a second booking.

The key's row is written in the same transaction as the booking it answers, so a key
is remembered exactly when its booking exists. Only successful answers are kept; a
retry of a failed request is tried afresh. Kept answers hold the booking's manage
token, so they are purged after `KEEP_FOR`.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from slotbook.errors import Conflict, IdempotencyMismatch, InvalidInput
from slotbook.services.engine import Engine, UnitOfWork
from slotbook.store.tables import idempotency_keys

KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Reply:
    """What a surface answered: status code and JSON body."""

    status: int
    body: Any


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
    row = (
        await uow.conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.scope == key.scope,
                idempotency_keys.c.key == key.key,
                idempotency_keys.c.created_at > uow.now - KEEP_FOR,
            )
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint != key.fingerprint:
        raise IdempotencyMismatch()
    return Reply(row.status_code, json.loads(row.body))


async def _remember(uow: UnitOfWork, key: IdempotencyKey, reply: Reply) -> None:
    await uow.conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.scope == key.scope,
            idempotency_keys.c.key == key.key,
            idempotency_keys.c.created_at <= uow.now - KEEP_FOR,
        )
    )
    await uow.conn.execute(
        insert(idempotency_keys).values(
            scope=key.scope,
            key=key.key,
            fingerprint=key.fingerprint,
            status_code=reply.status,
            body=json.dumps(reply.body, default=str),
            created_at=uow.now,
        )
    )


async def idempotent(
    engine: Engine,
    key: IdempotencyKey | None,
    action: Callable[[UnitOfWork], Awaitable[Reply]],
    *,
    single_write: bool = False,
) -> Reply:
    """Run `action` in a write transaction, once per key.

    `single_write`: the action writes with one statement, so without a key it may run
    in autocommit (see `Database.transaction`); with a key, the key's row must commit
    with it, so it never does.

    A concurrent twin of the same request either waits on the key's row (PostgreSQL) or
    on the write lock (SQLite), or loses the race for the slot; either way it is then
    answered with the winner's stored reply.
    """
    if key is None:
        async for attempt in engine.attempts(write=True, autocommit=single_write):
            async with attempt as uow:
                reply = await action(uow)
        return reply
    try:
        async for attempt in engine.attempts(write=True):
            async with attempt as uow:
                if (stored := await _replay(uow, key)) is not None:
                    return stored
                reply = await action(uow)
                await _remember(uow, key, reply)
        return reply
    except (Conflict, IntegrityError):
        async for attempt in engine.attempts():
            async with attempt as uow:
                if (stored := await _replay(uow, key)) is not None:
                    return stored
        raise


async def purge_expired(uow: UnitOfWork) -> None:
    """Forget answers older than KEEP_FOR."""
    await uow.conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at <= uow.now - KEEP_FOR)
    )
