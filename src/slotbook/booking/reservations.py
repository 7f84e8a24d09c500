"""Reserve (a hold for the grace period), confirm, cancel: surface 004's appointments.

A reservation is a held booking of the patient's. Confirming is one conditional UPDATE
(still held, hold not run out), so a confirm and the hold's expiry can never both win.
"""

from datetime import date, datetime, timedelta

from slotbook.accounts.model import Role, User
from slotbook.booking import transitions
from slotbook.booking.claims import claim_time, get_booking
from slotbook.booking.model import Booking, BookingStatus, NewBooking, Source
from slotbook.calendars import calendars as cal
from slotbook.engine import UnitOfWork
from slotbook.errors import BookingNotFound, Forbidden, HoldLimit, NotChangeable, ReservationExpired
from slotbook.store.bookings.booking_reads import list_bookings
from slotbook.store.bookings.patient_holds import count_live_holds_locking_patient

#: the most bookings one window can hold (62 days of 15-minute slots is under 6,000)
MAX_LISTED = 10_000


async def reserve(
    uow: UnitOfWork, *, patient: User, calendar: cal.Calendar, start_at: datetime
) -> NewBooking:
    """Hold the slot starting at `start_at` for the patient for the grace period, if they
    hold fewer than MAX_HOLDS_PER_PATIENT unexpired reservations (HoldLimit otherwise)."""
    await _check_hold_count(uow, patient)
    return await claim_time(
        uow,
        calendar=calendar,
        start_at=start_at,
        source=Source.RESERVATIONS,
        name=patient.name,
        email=patient.email,
        user_id=patient.id,
        hold_for=timedelta(minutes=uow.settings.confirmation_grace_period_minutes),
    )


async def _check_hold_count(uow: UnitOfWork, patient: User) -> None:
    """HoldLimit if the patient already holds the most unexpired reservations allowed."""
    held = await count_live_holds_locking_patient(uow, patient.id)
    most = uow.settings.max_holds_per_patient
    if held >= most:
        raise HoldLimit(
            f"You may hold at most {most} unconfirmed reservations at once; "
            "confirm or cancel one first"
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
    calendar = await cal.get_calendar(uow, booking.calendar_id)
    confirmed = await transitions.confirm(uow, booking, calendar)
    if confirmed is not None:
        return confirmed
    if booking.status in (BookingStatus.CONFIRMED, BookingStatus.PENDING):
        return booking
    if booking.status == BookingStatus.CANCELLED:
        raise NotChangeable("This reservation was cancelled")
    raise ReservationExpired()


async def cancel(uow: UnitOfWork, *, user: User, booking_id: int) -> Booking:
    """Cancel an appointment: the patient their own, the provider one on their calendar."""
    try:
        booking = await get_booking(uow, booking_id)
    except BookingNotFound:
        raise BookingNotFound("Appointment not found") from None
    calendar = await cal.get_calendar(uow, booking.calendar_id)
    own = (user.role == Role.PATIENT and booking.user_id == user.id) or (
        user.role == Role.PROVIDER and calendar.user_id == user.id
    )
    if not own:
        raise Forbidden("You may only cancel your own appointments")
    return await transitions.cancel(uow, booking, calendar)


async def appointments(
    uow: UnitOfWork, calendar: cal.Calendar, first: date, last: date
) -> list[Booking]:
    """Active bookings (held or confirmed) starting on the local days `first`..`last`."""
    start, end = calendar.days_span(first, last)
    return await list_bookings(
        uow,
        calendar_ids=[calendar.id],
        start=start,
        end=end,
        active_only=True,
        limit=MAX_LISTED,
    )
