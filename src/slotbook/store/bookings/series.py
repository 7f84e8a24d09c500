"""Series rows: write one, read one by its token's hash, end one, list its occurrences.
Only `booking.transitions` writes them, beside the occurrences it writes."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from slotbook.booking.model import Booking
from slotbook.engine import UnitOfWork
from slotbook.store.bookings.booking_reads import BOOKING_COLUMNS, booking_from
from slotbook.store.tables import bookings, series

SERIES_COLUMNS = [c for c in series.c if c.name != "token_hash"]


@dataclass(frozen=True, slots=True)
class SeriesRow:
    id: int
    calendar_id: int
    start_local: str
    rrule: str
    name: str
    email: str
    status: str
    created_at: datetime


async def insert_series(uow: UnitOfWork, values: Mapping[str, Any]) -> SeriesRow:
    written = await uow.conn.execute(insert(series).returning(*SERIES_COLUMNS), dict(values))
    return SeriesRow(**written.one()._mapping)


async def series_with_token_hash(uow: UnitOfWork, token_hash: str) -> SeriesRow | None:
    row = (
        await uow.conn.execute(select(*SERIES_COLUMNS).where(series.c.token_hash == token_hash))
    ).first()
    return SeriesRow(**row._mapping) if row else None


async def set_status(uow: UnitOfWork, series_id: int, status: str) -> None:
    await uow.conn.execute(update(series).where(series.c.id == series_id).values(status=status))


async def occurrences(uow: UnitOfWork, series_id: int) -> list[Booking]:
    """The series' bookings in time order."""
    query = (
        select(*BOOKING_COLUMNS)
        .where(bookings.c.series_id == series_id)
        .order_by(bookings.c.start_at, bookings.c.id)
    )
    return [booking_from(r) for r in await uow.conn.execute(query)]
