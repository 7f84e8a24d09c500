"""Calendar feeds: one secret URL per calendar, of which only a hash is stored."""

from sqlalchemy import delete, insert, select

from slotbook.engine import UnitOfWork
from slotbook.store.tables import calendar_feeds


async def replace(uow: UnitOfWork, calendar_id: int, secret_hash: str) -> None:
    """Make `secret_hash` the calendar's feed; an earlier one stops working."""
    await uow.conn.execute(
        delete(calendar_feeds).where(calendar_feeds.c.calendar_id == calendar_id)
    )
    await uow.conn.execute(
        insert(calendar_feeds).values(
            calendar_id=calendar_id, secret_hash=secret_hash, created_at=uow.now
        )
    )


async def remove(uow: UnitOfWork, calendar_id: int) -> bool:
    """Revoke the calendar's feed; whether it had one."""
    result = await uow.conn.execute(
        delete(calendar_feeds).where(calendar_feeds.c.calendar_id == calendar_id)
    )
    return bool(result.rowcount)


async def calendar_of(uow: UnitOfWork, secret_hash: str) -> int | None:
    """Whose feed this is, if it is one."""
    query = select(calendar_feeds.c.calendar_id).where(calendar_feeds.c.secret_hash == secret_hash)
    return (await uow.conn.execute(query)).scalar_one_or_none()
