"""Pure scheduling: opening hours + grid + existing claims + now -> bookable slots.

Nothing here touches a database or a web framework; `now` is always passed in.
"""

from slotbook.scheduling.grid import Slot, day_grid, day_slots, window_slots
from slotbook.scheduling.hours import DateHours, WeeklyRule, compact, opening_hours
from slotbook.scheduling.wall_clock import (
    Kind,
    WallTime,
    local_day_bounds,
    read_wall_time,
    start_of,
)
from slotbook.scheduling.window import BookingWindow, Interval, in_window, unclaimed

__all__ = [
    "BookingWindow",
    "DateHours",
    "Interval",
    "Kind",
    "Slot",
    "WallTime",
    "WeeklyRule",
    "compact",
    "day_grid",
    "day_slots",
    "in_window",
    "local_day_bounds",
    "opening_hours",
    "read_wall_time",
    "start_of",
    "unclaimed",
    "window_slots",
]
