"""Approval: on a calendar that requires it, a new booking is pending — it holds its
time or seats like a confirmed one — until the owner approves it (confirmed) or
declines it (the time is free at once). The sweeper declines those left waiting longer
than the calendar's `approval_timeout_minutes` (`transitions.decline_overdue`).

Approve and decline are each one conditional UPDATE on `status = 'pending'`, so of an
approval, a decline and the timeout racing on one booking exactly one wins.
"""

from collections.abc import Callable

from slotbook.booking import transitions
from slotbook.booking.claims import get_booking
from slotbook.booking.model import Booking
from slotbook.calendars.calendars import get_calendar
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork

MayDecide = Callable[[Calendar], None]


async def decide(
    uow: UnitOfWork, booking_id: int, *, approve: bool, may_decide: MayDecide
) -> tuple[Booking, Calendar]:
    """Approve or decline the pending booking `booking_id`, if `may_decide` (which raises
    otherwise) lets the caller decide on its calendar; NotPending if it is not pending."""
    booking = await get_booking(uow, booking_id)
    calendar = await get_calendar(uow, booking.calendar_id)
    may_decide(calendar)
    decision = transitions.approve if approve else transitions.decline
    return await decision(uow, booking, calendar), calendar
