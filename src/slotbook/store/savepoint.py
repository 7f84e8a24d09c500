"""A savepoint: part of a transaction that can fail alone, the rest going on."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slotbook.engine import UnitOfWork


@asynccontextmanager
async def savepoint(uow: UnitOfWork) -> AsyncIterator[None]:
    """Run the block in a savepoint: any error rolls back only what the block wrote (on
    PostgreSQL a refused statement no longer aborts the whole transaction) and is
    raised on; the enclosing transaction goes on and still decides what commits."""
    async with uow.conn.begin_nested():
        yield
