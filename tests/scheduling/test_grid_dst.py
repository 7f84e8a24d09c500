"""Slot generation across real time zones and DST transition days (property tests)."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from slotbook.scheduling import day_slots

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Africa/Casablanca",
    "Asia/Tehran",
]


def transition_days(zone: ZoneInfo, year: int) -> list[date]:
    """Local days of `year` whose UTC offset at the end differs from the start."""
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        start = datetime.combine(day, time(), zone).utcoffset()
        end = datetime.combine(day + timedelta(days=1), time(), zone).utcoffset()
        if start != end:
            days.append(day)
        day += timedelta(days=1)
    return days


def offsets_near(day: date, zone: ZoneInfo) -> set[timedelta]:
    start = datetime.combine(day, time(), UTC) - timedelta(days=1)
    return {(start + timedelta(hours=h)).astimezone(zone).utcoffset() for h in range(72)}


def wall_times_that_exist(
    day: date, zone: ZoneInfo, open_at: int, close_at: int, minutes: int
) -> list[datetime]:
    """Expected slot starts, by brute force: grid wall times from the first minute at or
    after open that exists, fitting before close, whose real minutes all read on one UTC
    offset at some occurrence of the start."""
    offsets = offsets_near(day, zone)

    def occurrences(local: datetime) -> list[datetime]:
        found = ((local - o).replace(tzinfo=UTC) for o in offsets)
        return sorted(i for i in found if i.astimezone(zone).replace(tzinfo=None) == local)

    local = datetime.combine(day, time()) + timedelta(minutes=open_at)
    while not occurrences(local):
        local += timedelta(minutes=1)
    close = datetime.combine(day, time()) + timedelta(minutes=close_at)
    expected = []
    while local + timedelta(minutes=minutes) <= close:
        for instant in occurrences(local):
            reads = {
                (instant + timedelta(minutes=m)).astimezone(zone).utcoffset()
                for m in range(minutes)
            }
            if len(reads) == 1:
                expected.append(local)
                break
        local += timedelta(minutes=minutes)
    return expected


days_in_zones = st.sampled_from(ZONES).flatmap(
    lambda name: st.tuples(
        st.just(name),
        st.sampled_from(transition_days(ZoneInfo(name), 2031) or [date(2031, 6, 1)])
        | st.dates(date(2030, 1, 1), date(2032, 12, 31)),
    )
)
hours = st.tuples(st.integers(0, 23 * 60), st.integers(1, 24 * 60 - 1)).filter(
    lambda h: h[0] < h[1]
)
lengths = st.sampled_from([10, 15, 20, 30, 45, 60, 90, 120])


@settings(max_examples=400, deadline=None)
@given(days_in_zones, hours, lengths)
def test_slots_are_never_duplicated_lost_or_shifted(zone_day, opening, minutes):
    name, day = zone_day
    zone = ZoneInfo(name)
    open_at, close_at = opening
    interval = (time(open_at // 60, open_at % 60), time(close_at // 60, close_at % 60))
    slots = day_slots(day, zone, [interval], minutes)

    starts = [s.start for s in slots]
    assert len(starts) == len(set(starts)), "a slot is offered twice"
    assert starts == sorted(starts)
    assert [s.local_start for s in slots] == wall_times_that_exist(
        day, zone, open_at, close_at, minutes
    ), "a slot was lost or invented"
    for slot in slots:
        local = slot.start.astimezone(zone)
        assert local.replace(tzinfo=None) == slot.local_start, "slot shifted off its wall time"
        assert local.date() == day
        assert (slot.local_start - slots[0].local_start) % timedelta(minutes=minutes) == timedelta(
            0
        ), "slot off the grid"
        assert slot.end - slot.start == timedelta(minutes=minutes)
        assert slot.start.tzinfo == UTC


@settings(max_examples=200, deadline=None)
@given(days_in_zones, lengths)
def test_slots_of_one_day_never_overlap(zone_day, minutes):
    name, day = zone_day
    slots = day_slots(day, ZoneInfo(name), [(time(0), time(23, 59))], minutes)
    for earlier, later in itertools.pairwise(slots):
        assert earlier.end <= later.start


def test_spring_forward_skips_the_missing_hour():
    slots = day_slots(date(2031, 3, 30), ZoneInfo("Europe/Berlin"), [(time(0), time(5))], 60)
    assert [s.local_start.hour for s in slots] == [0, 1, 3, 4]


def test_fall_back_offers_the_repeated_hour_once_at_its_first_occurrence():
    slots = day_slots(date(2031, 10, 26), ZoneInfo("Europe/Berlin"), [(time(0), time(5))], 60)
    assert [s.local_start.hour for s in slots] == [0, 1, 2, 3, 4]
    two_am = slots[2]
    assert two_am.start == datetime(2031, 10, 26, 0, 0, tzinfo=UTC)  # 02:00 CEST


def test_a_slot_straddling_the_transition_is_not_offered():
    slots = day_slots(date(2031, 3, 30), ZoneInfo("Europe/Berlin"), [(time(0), time(4))], 45)
    assert [s.local_start.strftime("%H:%M") for s in slots] == ["00:00", "00:45", "03:00"]


def test_half_hour_dst_shift_of_lord_howe():
    zone = ZoneInfo("Australia/Lord_Howe")
    (day,) = [d for d in transition_days(zone, 2031) if d.month == 10]
    slots = day_slots(day, zone, [(time(1), time(4))], 30)
    assert [s.local_start.strftime("%H:%M") for s in slots] == [
        "01:00",
        "01:30",
        "02:30",
        "03:00",
        "03:30",
    ]
