"""Opening hours from weekly rules, closures, replacements and extra hours."""

from datetime import UTC, date, datetime, time, timedelta

from slotbook.scheduling import BookingWindow, DateHours, Interval, WeeklyRule, opening_hours
from slotbook.scheduling.grid import Slot
from slotbook.scheduling.window import in_window, unclaimed

MONDAY = date(2031, 1, 20)
NINE_TO_FIVE = [WeeklyRule(d, time(9), time(17)) for d in range(5)]


def test_weekly_rules_apply_on_their_weekday_only():
    assert opening_hours(MONDAY, NINE_TO_FIVE, []) == [(time(9), time(17))]
    assert opening_hours(MONDAY + timedelta(days=5), NINE_TO_FIVE, []) == []


def test_rules_respect_their_validity_dates():
    rule = WeeklyRule(0, time(9), time(12), valid_from=MONDAY + timedelta(days=7))
    assert opening_hours(MONDAY, [rule], []) == []
    assert opening_hours(MONDAY + timedelta(days=7), [rule], []) == [(time(9), time(12))]


def test_a_closed_date_has_no_hours():
    closed = DateHours(MONDAY, None, None, replace=True)
    assert opening_hours(MONDAY, NINE_TO_FIVE, [closed]) == []


def test_replacement_hours_stand_instead_of_the_weekly_ones():
    short = DateHours(MONDAY, time(10), time(12), replace=True)
    assert opening_hours(MONDAY, NINE_TO_FIVE, [short]) == [(time(10), time(12))]


def test_extra_hours_are_added_and_merged():
    extra = DateHours(MONDAY, time(16), time(19), replace=False)
    evening = DateHours(MONDAY, time(20), time(21), replace=False)
    assert opening_hours(MONDAY, NINE_TO_FIVE, [extra, evening]) == [
        (time(9), time(19)),
        (time(20), time(21)),
    ]


def _slot(hour: int) -> Slot:
    start = datetime(2031, 1, 20, hour, tzinfo=UTC)
    return Slot(start, start + timedelta(hours=1), start.replace(tzinfo=None))


def test_free_slots_drop_claimed_overlapping_and_out_of_window_ones():
    candidates = [_slot(h) for h in range(8, 14)]
    busy = [
        Interval(
            datetime(2031, 1, 20, 9, 30, tzinfo=UTC), datetime(2031, 1, 20, 10, 30, tzinfo=UTC)
        )
    ]
    now = datetime(2031, 1, 20, 7, 30, tzinfo=UTC)
    window = BookingWindow(min_notice=timedelta(hours=1), horizon=timedelta(hours=5))
    free = in_window(unclaimed(candidates, busy), now, window)
    assert [s.start.hour for s in free] == [11, 12]


def test_a_long_claim_blocks_every_slot_it_covers():
    candidates = [_slot(h) for h in range(8, 14)]
    busy = [
        Interval(datetime(2031, 1, 20, 8, tzinfo=UTC), datetime(2031, 1, 20, 12, tzinfo=UTC)),
        Interval(datetime(2031, 1, 20, 9, tzinfo=UTC), datetime(2031, 1, 20, 9, 30, tzinfo=UTC)),
    ]
    window = BookingWindow(timedelta(0), timedelta(days=1))
    free = in_window(unclaimed(candidates, busy), datetime(2031, 1, 20, tzinfo=UTC), window)
    assert [s.start.hour for s in free] == [12, 13]
