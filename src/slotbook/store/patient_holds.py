"""How many live holds one patient has, counted so that their other reservations cannot
slip in meanwhile (the per-patient hold cap)."""

from datetime import datetime

from sqlalchemy import func, select

from slotbook.booking.model import BookingStatus
from slotbook.store.db import Connection
from slotbook.store.predicates import live_hold
from slotbook.store.tables import bookings, users


async def count_live_holds_locking_patient(conn: Connection, patient_id: int, now: datetime) -> int:
    """The patient's holds still live at `now`. On PostgreSQL the patient's row stays
    locked until the transaction ends, so their concurrent reservations count one after
    another; on SQLite the write transaction's lock already does that."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(users.c.id).where(users.c.id == patient_id).with_for_update())
    query = (
        select(func.count())
        .select_from(bookings)
        .where(
            bookings.c.user_id == patient_id,
            bookings.c.status == BookingStatus.HELD,
            live_hold(now),
        )
    )
    return (await conn.execute(query)).scalar_one()
