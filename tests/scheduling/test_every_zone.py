"""The grid on every IANA zone, on every day whose UTC offset changes in 2025-2035.

Exhaustive, not sampled: every zone in `zoneinfo.available_timezones()`, every offset
change between 2025 and 2035, slots of 60, 30 and 45 minutes over the whole day. What the
grid offers is compared with an oracle that only ever converts UTC instants to wall
time (never wall time to UTC, which is what is under test).
"""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest

from slotbook.scheduling import Slot, day_slots
from slotbook.scheduling.wall_clock import Kind, WallTime, local_day_bounds, read_wall_time
from tests.support.zones import TICK, Change, Oracle, every_change, transition_days, wall

LENGTHS = (60, 30, 45)
WHOLE_DAY = [(time(0), time(23, 59))]


def check_day(name: str, day: date, nearby: list[Change]) -> dict[int, list[Slot]]:
    """Check the grid of each length over the whole day against the oracle; returns it."""
    zone = ZoneInfo(name)
    grids = {}
    oracle = Oracle(zone, nearby)
    midnight = datetime.combine(day, time())
    close = datetime.combine(day, WHOLE_DAY[0][1])
    for minutes in LENGTHS:
        length = timedelta(minutes=minutes)
        expected: dict[datetime, datetime] = {}
        local = oracle.first_existing(midnight)
        while local + length <= close:
            plain = oracle.plain(local, length)
            if plain:
                expected[local] = plain[0]
            local += length
        slots = grids[minutes] = day_slots(day, zone, WHOLE_DAY, minutes)
        where = f"{name} {day} {minutes} min"
        offered = [s.local_start for s in slots]
        assert len(set(offered)) == len(offered), f"{where}: a wall time offered twice"
        assert len({s.start for s in slots}) == len(slots), f"{where}: an instant offered twice"
        assert offered == list(expected), f"{where}: lost {sorted(set(expected) - set(offered))}"
        for earlier, later in itertools.pairwise(slots):
            assert earlier.end <= later.start, f"{where}: {earlier} overlaps {later}"
        for slot in slots:
            assert slot.start.tzinfo == UTC
            assert wall(slot.start, zone) == slot.local_start, f"{where}: {slot} does not exist"
            assert slot.start == expected[slot.local_start], f"{where}: {slot} not its first fit"
            assert slot.end - slot.start == length, f"{where}: {slot} not its full length"
            end_on_its_clock = wall(slot.end - TICK, zone) + TICK
            assert end_on_its_clock == slot.local_start + length, f"{where}: {slot} end"
    return grids


def check_wall_times(name: str, day: date, nearby: list[Change]) -> list[WallTime]:
    """`read_wall_time` every five minutes through what the day's changes skip or repeat,
    and on the minutes either side of each edge. (The grids of `check_day` read the
    day's quarter hours.)"""
    zone = ZoneInfo(name)
    oracle = Oracle(zone, nearby)
    probes = set()
    for change in nearby:
        low, high = sorted((change.at + change.before, change.at + change.after))
        low, high = low.replace(tzinfo=None), high.replace(tzinfo=None)
        probes |= {edge + timedelta(minutes=m) for edge in (low, high) for m in (-1, 0, 1)}
        minute = low
        while minute < high:
            probes.add(minute)
            minute += timedelta(minutes=5)
    read_times = []
    for local in sorted(p for p in probes if p.date() == day):
        read = read_wall_time(local, zone)
        truth = oracle.occurrences(local)
        assert list(read.occurrences) == truth, f"{name} {local}: {read}"
        assert read.kind == (Kind.GAP, Kind.EXISTS, Kind.FOLD)[len(truth)]
        if read.kind is Kind.GAP:
            assert read.resumes_at is not None
            assert wall(read.resumes_at, zone) == oracle.first_existing(local)
        read_times.append(read)
    return read_times


def check_day_bounds(name: str, day: date) -> None:
    zone = ZoneInfo(name)
    start, end = local_day_bounds(zone, day)
    assert wall(start, zone).date() == day and wall(start - TICK, zone).date() < day
    assert wall(end, zone).date() > day and wall(end - TICK, zone).date() == day


def test_no_zone_changes_its_offset_twice_within_two_days():
    """What the daily scan in `changes` relies on to find every change."""
    for name, found in every_change().items():
        for a, b in itertools.pairwise(found):
            assert b.at - a.at > timedelta(days=2), name


def test_every_zone_has_been_scanned():
    found = every_change()
    assert len(found) == len(available_timezones()) > 400
    assert sum(map(len, found.values())) > 2000  # in tzdata 2025b: 4,426 changes
    for name in ("America/Santiago", "Asia/Beirut", "America/Havana", "Africa/Casablanca"):
        assert found[name], name


def same_clock_as_checked(name: str, day: date) -> tuple[tuple[Change, ...], date]:
    """Zones with the same offset changes in these years (links such as US/Eastern and
    America/New_York, and zones whose rules have come to agree) read the same wall clock
    on these days: the oracle checks the first of them, and each of the others must give
    exactly what was checked."""
    return tuple(every_change()[name]), day


def test_every_slot_on_every_transition_day_of_every_zone():
    checked: dict[tuple[tuple[Change, ...], date], dict[int, list[Slot]]] = {}
    zones = 0
    for name, day, nearby in transition_days():
        key = same_clock_as_checked(name, day)
        if key not in checked:
            checked[key] = check_day(name, day, nearby)
            continue
        zones += 1
        for minutes, slots in checked[key].items():
            assert day_slots(day, ZoneInfo(name), WHOLE_DAY, minutes) == slots, (name, day)
    assert len(checked) > 500 and zones > 2000


def test_every_wall_time_read_on_every_transition_day_of_every_zone():
    checked: dict[tuple[tuple[Change, ...], date], list[WallTime]] = {}
    for name, day, nearby in transition_days():
        check_day_bounds(name, day)
        key = same_clock_as_checked(name, day)
        if key not in checked:
            checked[key] = check_wall_times(name, day, nearby)
            continue
        zone = ZoneInfo(name)
        assert [read_wall_time(t.local, zone) for t in checked[key]] == checked[key], name


@pytest.mark.parametrize("name", ["UTC", "Asia/Kolkata", "Europe/Berlin", "America/Santiago"])
def test_an_ordinary_day_is_24_plain_hours(name):
    zone = ZoneInfo(name)
    slots = day_slots(date(2031, 1, 10), zone, WHOLE_DAY, 60)
    assert [s.local_start.hour for s in slots] == list(range(23))
