"""PostgreSQL's NOTIFY, for the database broker (see `realtime.pg_notify`)."""

from typing import TYPE_CHECKING

from sqlalchemy import func, select

if TYPE_CHECKING:  # the engine sends its units' notices with this module
    from slotbook.engine import UnitOfWork


async def notify(uow: "UnitOfWork", channel: str, payload: str) -> None:
    """Send `payload` on `channel` when the unit commits."""
    await uow.conn.execute(select(func.pg_notify(channel, payload)))
