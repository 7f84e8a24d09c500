"""PostgreSQL's NOTIFY, for the database broker (see `realtime.pg_notify`)."""

from sqlalchemy import func, select

from slotbook.engine import UnitOfWork


async def notify(uow: UnitOfWork, channel: str, payload: str) -> None:
    """Send `payload` on `channel` when the unit commits."""
    await uow.conn.execute(select(func.pg_notify(channel, payload)))
