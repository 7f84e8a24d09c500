"""The one rule for wall times, on the zones that change their clocks in odd places."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from slotbook.scheduling import Kind, day_slots, local_day_bounds, read_wall_time, start_of
from tests.support.zones import MIDNIGHT_GAPS

HOUR = timedelta(hours=1)
OWNER_HOURS = [(time(0), time(23))]  # surface 001's 00:00-23:00


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def hhmm(slots: list) -> list[str]:
    return [s.local_start.strftime("%H:%M") for s in slots]


def offered(day: date, zone: ZoneInfo, hours: tuple[int, int], minutes: int) -> str:
    """The wall times of the slots offered on `day` with those opening hours."""
    opening = [(time(hours[0]), time(hours[1]))]
    return " ".join(hhmm(day_slots(day, zone, opening, minutes)))


@pytest.mark.parametrize(("name", "day", "begins"), MIDNIGHT_GAPS)
def test_a_skipped_midnight_is_a_gap_and_the_day_begins_where_the_clocks_land(name, day, begins):
    zone = ZoneInfo(name)
    midnight = read_wall_time(at(day, 0), zone)
    assert midnight.kind is Kind.GAP
    assert midnight.occurrences == ()
    assert midnight.resumes_at == begins
    assert read_wall_time(at(day, 0, 59), zone).kind is Kind.GAP
    assert read_wall_time(at(day, 1), zone).occurrences == (begins,)
    start, end = local_day_bounds(zone, day)
    assert start == begins
    assert end - start == 23 * HOUR
    assert local_day_bounds(zone, day - timedelta(days=1))[1] == begins


@pytest.mark.parametrize(("name", "day", "begins"), MIDNIGHT_GAPS)
def test_an_owner_open_from_midnight_starts_at_the_first_wall_time_that_exists(name, day, begins):
    zone = ZoneInfo(name)
    hourly = day_slots(day, zone, OWNER_HOURS, 60)
    assert hhmm(hourly) == [f"{h:02}:00" for h in range(1, 23)]
    assert hourly[0].start == begins
    assert hhmm(day_slots(day, zone, OWNER_HOURS, 45))[:3] == ["01:00", "01:45", "02:30"]
    assert hhmm(day_slots(day, zone, OWNER_HOURS, 30))[:3] == ["01:00", "01:30", "02:00"]


def test_a_fold_at_midnight_offers_the_repeated_hour_once():
    zone = ZoneInfo("America/Santiago")  # 2027-04-04 00:00 -03 goes back to 04-03 23:00 -04
    day = date(2027, 4, 3)
    eleven = read_wall_time(at(day, 23), zone)
    assert eleven.kind is Kind.FOLD
    assert eleven.occurrences == (
        datetime(2027, 4, 4, 2, tzinfo=UTC),
        datetime(2027, 4, 4, 3, tzinfo=UTC),
    )
    start, end = local_day_bounds(zone, day)
    assert end - start == 25 * HOUR
    assert end == datetime(2027, 4, 4, 4, tzinfo=UTC)  # 00:00 -04 on the 4th
    quarters = day_slots(day, zone, [(time(22), time(23, 59))], 15)
    assert hhmm(quarters) == ["22:00", "22:15", "22:30", "22:45", "23:00", "23:15", "23:30"]
    assert [s.start.hour for s in quarters] == [1, 1, 1, 1, 2, 2, 2]  # before the change


def test_lord_howe_moves_half_an_hour():
    zone = ZoneInfo("Australia/Lord_Howe")
    spring = date(2027, 10, 3)  # 02:00 +10:30 becomes 02:30 +11
    assert read_wall_time(at(spring, 2, 15), zone).kind is Kind.GAP
    assert read_wall_time(at(spring, 2, 30), zone).kind is Kind.EXISTS
    assert offered(spring, zone, (1, 4), 30) == "01:00 01:30 02:30 03:00 03:30"
    autumn = date(2027, 4, 4)  # 02:00 +11 goes back to 01:30 +10:30
    assert read_wall_time(at(autumn, 1, 45), zone).kind is Kind.FOLD
    assert offered(autumn, zone, (1, 3), 30) == "01:00 01:30 02:00 02:30"


def test_chatham_changes_at_a_quarter_to_three():
    zone = ZoneInfo("Pacific/Chatham")
    spring = date(2027, 9, 26)  # 02:45 +12:45 becomes 03:45 +13:45
    assert read_wall_time(at(spring, 2, 30), zone).kind is Kind.EXISTS
    assert read_wall_time(at(spring, 2, 45), zone).kind is Kind.GAP
    assert read_wall_time(at(spring, 3, 44), zone).kind is Kind.GAP
    assert read_wall_time(at(spring, 3, 45), zone).kind is Kind.EXISTS
    # 02:30 would run into the jump; 03:00 and 03:30 do not exist
    assert offered(spring, zone, (2, 5), 30) == "02:00 04:00 04:30"
    assert offered(spring, zone, (3, 5), 30) == "03:45 04:15"


def test_dublin_negative_dst_reads_like_any_other_change():
    zone = ZoneInfo("Europe/Dublin")  # winter is "negative DST": GMT, summer IST +01
    assert read_wall_time(at(date(2027, 3, 28), 1, 30), zone).kind is Kind.GAP
    autumn = read_wall_time(at(date(2027, 10, 31), 1, 30), zone)
    assert autumn.kind is Kind.FOLD
    assert autumn.occurrences[1] - autumn.occurrences[0] == HOUR
    assert offered(date(2027, 3, 28), zone, (0, 4), 60) == "00:00 02:00 03:00"


def test_casablanca_suspends_its_summer_time_for_ramadan():
    zone = ZoneInfo("Africa/Casablanca")  # +01 all year but Ramadan, when it is +00
    into = date(2027, 2, 7)  # 03:00 +01 goes back to 02:00 +00
    assert read_wall_time(at(into, 2, 30), zone).kind is Kind.FOLD
    assert offered(into, zone, (1, 5), 60) == "01:00 02:00 03:00 04:00"
    out = date(2027, 3, 14)  # 02:00 +00 jumps to 03:00 +01
    assert read_wall_time(at(out, 2, 30), zone).kind is Kind.GAP
    assert offered(out, zone, (1, 5), 60) == "01:00 03:00 04:00"


def test_a_repeated_wall_time_books_its_first_occurrence_that_fits_the_slot():
    zone = ZoneInfo("Europe/London")  # 2027-10-31 02:00 BST goes back to 01:00 GMT
    half_past_one = at(date(2027, 10, 31), 1, 30)
    first, second = read_wall_time(half_past_one, zone).occurrences
    assert start_of(half_past_one, timedelta(minutes=30), zone) == first
    # 45 minutes from 01:30 BST would cross the change: the GMT 01:30 holds them all.
    assert start_of(half_past_one, timedelta(minutes=45), zone) == second
    slots = day_slots(date(2027, 10, 31), zone, [(time(0), time(3))], 45)
    assert hhmm(slots) == ["00:00", "00:45", "01:30", "02:15"]
    assert slots[2].start == second


def test_a_day_bounds_a_run_of_local_dates():
    zone = ZoneInfo("America/Santiago")
    start, end = local_day_bounds(zone, date(2027, 9, 4), date(2027, 9, 6))
    assert start == datetime(2027, 9, 4, 4, tzinfo=UTC)
    assert end == datetime(2027, 9, 7, 3, tzinfo=UTC)
    assert end - start == 71 * HOUR
