"""How many live holds one patient has, counted so that their other reservations cannot
slip in meanwhile (the per-patient hold cap)."""

from sqlalchemy import func, select

from slotbook.booking.model import BookingStatus
from slotbook.engine import UnitOfWork
from slotbook.store.bookings.predicates import live_hold
from slotbook.store.tables import bookings, users


async def count_live_holds_locking_patient(uow: UnitOfWork, patient_id: int) -> int:
    """The patient's holds still live at the unit's `now`. On PostgreSQL the patient's row stays
    locked until the transaction ends, so their concurrent reservations count one after
    another; on SQLite the write transaction's lock already does that."""
    if uow.conn.dialect.name == "postgresql":
        await uow.conn.execute(select(users.c.id).where(users.c.id == patient_id).with_for_update())
    query = (
        select(func.count())
        .select_from(bookings)
        .where(
            bookings.c.user_id == patient_id,
            bookings.c.status == BookingStatus.HELD,
            live_hold(uow.now),
        )
    )
    return (await uow.conn.execute(query)).scalar_one()
