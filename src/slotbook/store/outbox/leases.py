"""Claiming due work for one attempt (webhook deliveries, emails), the same way for every
consumer: the due rows' `next_attempt_at` is pushed past the send's timeout (a lease) in
a short write transaction, by one statement. PostgreSQL skips rows another dispatcher has
locked (`FOR UPDATE SKIP LOCKED`); SQLite runs the claim inside its one writer. So two processes
never make the same attempt, and a process that dies mid-send leaves the row to be
tried again by any other once the lease runs out.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, select, update

from slotbook.engine import UnitOfWork


async def any_due(uow: UnitOfWork, table: Table, due: ColumnElement[bool]) -> bool:
    """Whether some row of `table` is `due` (a cheap look before a write transaction)."""
    return (await uow.conn.execute(select(table.c.id).where(due).limit(1))).first() is not None


async def claim(
    uow: UnitOfWork,
    table: Table,
    *,
    due: ColumnElement[bool],
    limit: int,
    lease_until: datetime,
    returning: Sequence[ColumnElement[Any]] = (),
) -> list[Row[Any]]:
    """Up to `limit` rows of `table` that are `due` (soonest first), each with its id and
    the `returning` columns as they were claimed; nobody else claims them before
    `lease_until`. The rows come in no particular order."""
    picked = (
        select(table.c.id)
        .where(due)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(table)
        .where(table.c.id.in_(picked.scalar_subquery()))
        .values(next_attempt_at=lease_until)
        .returning(table.c.id, *returning)
    )
    return list(await uow.conn.execute(claimed))
