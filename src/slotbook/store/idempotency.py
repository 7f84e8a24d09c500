"""Kept answers to `Idempotency-Key` requests: found, remembered, and forgotten after a day.

A kept answer holds the booking's manage token, so it is purged after `KEEP_FOR`.
"""

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from slotbook.engine import UnitOfWork
from slotbook.store.tables import idempotency_keys

KEEP_FOR = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """The answer given to the first request with a key, and that request's fingerprint."""

    fingerprint: str
    status: int
    body: dict[str, Any]


async def kept_answer(uow: UnitOfWork, scope: str, key: str) -> KeptAnswer | None:
    """The answer kept for this key, unless it is older than KEEP_FOR."""
    row = (
        await uow.conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.scope == scope,
                idempotency_keys.c.key == key,
                idempotency_keys.c.created_at > uow.now - KEEP_FOR,
            )
        )
    ).first()
    if row is None:
        return None
    return KeptAnswer(row.fingerprint, row.status_code, json.loads(row.body))


async def keep_answer(uow: UnitOfWork, scope: str, key: str, answer: KeptAnswer) -> None:
    """Keep `answer` for this key (replacing one past its keeping time)."""
    await uow.conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.scope == scope,
            idempotency_keys.c.key == key,
            idempotency_keys.c.created_at <= uow.now - KEEP_FOR,
        )
    )
    await uow.conn.execute(
        insert(idempotency_keys).values(
            scope=scope,
            key=key,
            fingerprint=answer.fingerprint,
            status_code=answer.status,
            body=json.dumps(answer.body, default=str),
            created_at=uow.now,
        )
    )


async def purge_expired(uow: UnitOfWork) -> None:
    """Forget answers older than KEEP_FOR."""
    await uow.conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at <= uow.now - KEEP_FOR)
    )
