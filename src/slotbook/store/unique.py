"""Writing a row that a unique constraint may refuse, without losing the transaction."""

from typing import Any

from sqlalchemy import Row, Table, insert
from sqlalchemy.exc import IntegrityError

from slotbook.engine import UnitOfWork


async def insert_unique(uow: UnitOfWork, table: Table, values: dict[str, Any]) -> Row[Any] | None:
    """Insert the row in a savepoint and return it; None if a unique constraint refused it
    (the rest of the transaction goes on)."""
    try:
        async with uow.conn.begin_nested():
            return (await uow.conn.execute(insert(table).returning(*table.c), values)).one()
    except IntegrityError:
        return None
