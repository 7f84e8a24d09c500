"""A calendar's settings in one place: its zone, booking window, cut-offs, booking rules
(buffers, limits, approval, seats per booking), how long a waitlist offer is held, and
email (the reminder's lead time, the owner's notice address). Reading them, and changing
some.

Changing a limit from "none" to a number starts keeping its counters, recounted from
the calendar's active bookings in the same transaction (see `store.booking_counts`);
removing a limit stops keeping them; a new time zone recounts them by its local days.
Every change of these settings goes through `change_settings`. Existing bookings are
never refused afterwards: a day already above a new limit simply takes no more.
"""

from collections.abc import Mapping
from datetime import timedelta

from slotbook.calendars.calendars import get_calendar, update_calendar
from slotbook.calendars.model import Calendar
from slotbook.engine import UnitOfWork
from slotbook.errors import InvalidInput
from slotbook.scheduling.rules import Counts, Period, booker_key
from slotbook.store.bookings import booking_counts
from slotbook.store.bookings.booking_reads import bookers_between

#: Every setting this module reads and changes, in the order they are shown.
SETTINGS = (
    "timezone",
    "min_notice_minutes",
    "horizon_days",
    "change_cutoff_minutes",
    "cancel_cutoff_minutes",
    "move_cutoff_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "max_per_day",
    "max_per_week",
    "max_per_booker_per_day",
    "max_per_booker_per_week",
    "requires_approval",
    "approval_timeout_minutes",
    "max_seats_per_booking",
    "waitlist_offer_minutes",
    "reminder_minutes",
    "email",
)

#: Each limit and the counters it keeps: (period, per booker).
LIMIT_COUNTERS = {
    "max_per_day": (Period.DAY, False),
    "max_per_week": (Period.WEEK, False),
    "max_per_booker_per_day": (Period.DAY, True),
    "max_per_booker_per_week": (Period.WEEK, True),
}

#: Bookings older than this cannot be in the current week's counters.
RECOUNT_SINCE = timedelta(days=8)


async def change_settings(
    uow: UnitOfWork, calendar_id: int, changes: Mapping[str, object]
) -> Calendar:
    """Apply `changes` (setting name → value) to the calendar; the changed calendar.

    `change_cutoff_minutes` sets both cut-offs: with it, a cancel or move cut-off not
    given in the same change goes back to following it."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise InvalidInput(f"Unknown settings: {', '.join(sorted(unknown))}")
    await booking_counts.lock_limits(uow, calendar_id, exclusive=True)
    calendar = await get_calendar(uow, calendar_id)
    changes = dict(changes)
    if "change_cutoff_minutes" in changes:
        changes.setdefault("cancel_cutoff_minutes", None)
        changes.setdefault("move_cutoff_minutes", None)
    if "max_seats_per_booking" in changes and calendar.kind != "event":
        raise InvalidInput("max_seats_per_booking: only an event's time slots have seats")
    if not changes:
        return calendar
    if "email" in changes:  # where owner notices go (the column `email` is a provider's own)
        changes["notice_email"] = changes.pop("email")
    changed = await update_calendar(uow, calendar, **changes)
    rezoned = changed.timezone != calendar.timezone  # other local days: count them anew
    for name, (period, per_booker) in LIMIT_COUNTERS.items():
        before, after = getattr(calendar, name), getattr(changed, name)
        if after is not None and (before is None or rezoned):
            await booking_counts.reset_family(
                uow,
                calendar.id,
                period,
                per_booker=per_booker,
                taken=await _active_counts(uow, changed),
            )
        elif before is not None and after is None:
            await booking_counts.drop_family(uow, calendar.id, period, per_booker=per_booker)
    return changed


async def _active_counts(uow: UnitOfWork, calendar: Calendar) -> Counts:
    rows = await bookers_between(uow, calendar.id, uow.now - RECOUNT_SINCE, as_counted=True)
    return Counts.of_days(
        [
            (calendar.local_day(start_at), booker_key(email, user_id))
            for start_at, email, user_id in rows
        ]
    )
