"""Reserve (a hold for the grace period), confirm, cancel: surface 004's appointments.

A reservation is a held booking of the patient's. Confirming is one conditional UPDATE
(still held, hold not run out), so a confirm and the hold's expiry can never both win.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import update

from slotbook.errors import BookingNotFound, Forbidden, NotChangeable, ReservationExpired
from slotbook.services import calendars as cal
from slotbook.services.accounts import User
from slotbook.services.bookings import (
    BOOKING_COLUMNS,
    Booking,
    NewBooking,
    cancel_booking,
    claim_time,
    get_booking,
    list_bookings,
)
from slotbook.services.engine import UnitOfWork
from slotbook.store.tables import bookings

#: the most bookings one window can hold (62 days of 15-minute slots is under 6,000)
MAX_LISTED = 10_000


async def reserve(
    uow: UnitOfWork, *, patient: User, calendar: cal.Calendar, start_at: datetime
) -> NewBooking:
    """Hold the slot starting at `start_at` for the patient for the grace period."""
    return await claim_time(
        uow,
        calendar=calendar,
        start_at=start_at,
        source="reservations",
        name=patient.name,
        email=patient.email,
        user_id=patient.id,
        hold_for=timedelta(minutes=uow.settings.confirmation_grace_period_minutes),
    )


async def _patients_booking(uow: UnitOfWork, patient: User, booking_id: int) -> Booking:
    try:
        booking = await get_booking(uow, booking_id)
    except BookingNotFound:
        raise BookingNotFound("Reservation not found") from None
    if booking.user_id != patient.id:
        raise Forbidden("This reservation is someone else's")
    return booking


async def confirm(uow: UnitOfWork, *, patient: User, booking_id: int) -> Booking:
    """Turn the patient's unexpired hold into a booking (again: no change)."""
    booking = await _patients_booking(uow, patient, booking_id)
    row = (
        await uow.conn.execute(
            update(bookings)
            .where(
                bookings.c.id == booking.id,
                bookings.c.status == "held",
                bookings.c.hold_expires_at > uow.now,
            )
            .values(status="confirmed", updated_at=uow.now)
            .returning(*BOOKING_COLUMNS)
        )
    ).first()
    if row is not None:
        calendar = await cal.get_calendar(uow, booking.calendar_id)
        uow.touch(calendar.id, calendar.local_day(booking.start_at))
        return Booking(**row._mapping)
    if booking.status == "confirmed":
        return booking
    if booking.status == "cancelled":
        raise NotChangeable("This reservation was cancelled")
    raise ReservationExpired()


async def cancel(uow: UnitOfWork, *, user: User, booking_id: int) -> Booking:
    """Cancel an appointment: the patient their own, the provider one on their calendar."""
    try:
        booking = await get_booking(uow, booking_id)
    except BookingNotFound:
        raise BookingNotFound("Appointment not found") from None
    calendar = await cal.get_calendar(uow, booking.calendar_id)
    own = (user.role == "patient" and booking.user_id == user.id) or (
        user.role == "provider" and calendar.user_id == user.id
    )
    if not own:
        raise Forbidden("You may only cancel your own appointments")
    return await cancel_booking(uow, booking, calendar)


async def appointments(
    uow: UnitOfWork, calendar: cal.Calendar, first: date, last: date
) -> list[Booking]:
    """Active bookings (held or confirmed) starting on the local days `first`..`last`."""
    start, end = calendar.day_bounds(first, last)
    return await list_bookings(
        uow,
        calendar_ids=[calendar.id],
        start=start,
        end=end,
        active_only=True,
        limit=MAX_LISTED,
    )
