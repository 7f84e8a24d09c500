"""Booking rules as pure decisions: claimed ranges, quotas, and what slot lists leave out."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slotbook.scheduling import Interval, day_slots
from slotbook.scheduling.rules import (
    Buffers,
    Counts,
    Limits,
    Period,
    Quota,
    booker_key,
    clear_of,
    week_of,
    within_limits,
)

MONDAY = date(2031, 1, 20)
UTC_ZONE = ZoneInfo("UTC")


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_a_booking_claims_its_time_widened_by_its_buffers():
    claimed = Buffers(10, 15).around(at(9), at(10))
    assert claimed == Interval(at(8, 50), at(10, 15))


def test_buffers_keep_slots_clear_of_other_claims_and_their_buffers():
    slots = day_slots(MONDAY, UTC_ZONE, [(time(8), time(14))], 60)
    other = Buffers(0, 30).around(at(10), at(11))  # 10:00-11:30
    starts = [s.start.hour for s in clear_of(slots, [other], Buffers(15, 0))]
    # 09:00 (08:45-10:00) ends where 10:00 begins: clear; 10:00 and 11:00 meet the
    # other's 10:00-11:30; 12:00 claims 11:45-13:00, clear of it.
    assert starts == [8, 9, 12, 13]


def test_weeks_start_on_monday():
    assert week_of(date(2031, 1, 26)) == MONDAY  # a Sunday
    assert week_of(MONDAY) == MONDAY


def test_quotas_follow_the_limits_that_are_set_and_a_known_booker():
    limits = Limits(per_day=4, per_booker_per_week=2)
    assert limits.quotas(date(2031, 1, 22), "email:bob@x.io") == [
        Quota(Period.DAY, date(2031, 1, 22), "", 4),
        Quota(Period.WEEK, MONDAY, "email:bob@x.io", 2),
    ]
    assert limits.quotas(MONDAY, None) == [Quota(Period.DAY, MONDAY, "", 4)]


def test_refusals_name_the_rule_and_the_day():
    assert Quota(Period.DAY, MONDAY, "", 4).refusal() == (
        "Daily limit of 4 bookings reached for 2031-01-20"
    )
    assert Quota(Period.WEEK, MONDAY, "user:3", 1).refusal() == (
        "Weekly limit of 1 booking per booker reached for the week of 2031-01-20"
    )


def test_a_booker_is_an_account_or_an_email_in_any_case():
    assert booker_key(" Bob@Example.COM ", None) == "email:bob@example.com"
    assert booker_key("bob@example.com", 7) == "user:7"
    assert booker_key(None, None) is None


def test_days_and_weeks_at_their_limit_offer_nothing():
    slots = [
        s
        for day in (MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=7))
        for s in day_slots(day, UTC_ZONE, [(time(9), time(11))], 60)
    ]
    taken = Counts.of_days([(MONDAY, "email:a"), (MONDAY, None), (MONDAY, "email:b")])
    by_day = within_limits(slots, Limits(per_day=3), taken)
    assert {s.local_start.date() for s in by_day} == {
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=7),
    }
    by_week = within_limits(slots, Limits(per_week=3), taken)
    assert {s.local_start.date() for s in by_week} == {MONDAY + timedelta(days=7)}
    for_a = within_limits(slots, Limits(per_booker_per_day=1), taken, "email:a")
    assert MONDAY not in {s.local_start.date() for s in for_a}
