"""Claiming due work for one attempt (webhook deliveries, emails), the same way for every
consumer: the due rows' `next_attempt_at` is pushed past the send's timeout (a lease) in
a short write transaction. PostgreSQL skips rows another dispatcher has locked (`FOR
UPDATE SKIP LOCKED`); SQLite runs the claim inside its one writer. So two processes
never make the same attempt, and a process that dies mid-send leaves the row to be
tried again by any other once the lease runs out.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, Table, select, update

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
) -> list[int]:
    """The ids of up to `limit` rows of `table` that are `due`, soonest first; nobody
    else claims them before `lease_until`."""
    ids = [
        row.id
        for row in await uow.conn.execute(
            select(table.c.id)
            .where(due)
            .order_by(table.c.next_attempt_at, table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ]
    if ids:
        await uow.conn.execute(
            update(table).where(table.c.id.in_(ids)).values(next_attempt_at=lease_until)
        )
    return ids
