"""What a schedule at every limit costs a booking (issue 11: < 50 ms of server CPU).

    .venv/bin/python bench/schedule_limits.py [--backends postgresql,sqlite]

Two provider calendars with 15-minute slots: a plain one (Monday to Friday 9-5) and one
at every limit the settings allow (24 separate ranges on each weekday, 1,000 date-specific
ranges). Measures the CPU time (`time.process_time`, this process: the whole server side
of a claim but the database server's own work) and the wall time of one claim, each in
its own write transaction, p50/p99 over distinct slots.
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall

from harness import fresh_database, percentile, write_section

from slotbook.booking.claims import claim_time
from slotbook.booking.model import Source
from slotbook.calendars.calendars import Schedule, create_calendar, set_schedule
from slotbook.calendars.model import CalendarKind
from slotbook.engine import Engine
from slotbook.scheduling import DateHours, WeeklyRule
from slotbook.settings import Settings
from slotbook.store.db import Database

NOW = datetime(2031, 1, 15, 8, 0, tzinfo=UTC)
CLAIMS = 100


def plain() -> Schedule:
    return Schedule([WeeklyRule(d, wall(9), wall(17)) for d in range(5)], [])


def at_every_limit(settings: Settings) -> Schedule:
    """24 half-hour ranges every day, and the most date-specific ranges allowed."""
    ranges = [(wall(h), wall(h, 30)) for h in range(settings.max_ranges_per_day)]
    rules = [WeeklyRule(d, start, end) for d in range(7) for start, end in ranges]
    days = settings.max_dated_hours // len(ranges)
    dates = [
        DateHours(NOW.date() + timedelta(days=400 + n), start, end, True)
        for n in range(days)
        for start, end in ranges
    ]
    return Schedule(rules, dates)


def starts(schedule: Schedule) -> list[datetime]:
    """CLAIMS distinct slot starts on weekdays in the coming weeks, in opening hours."""
    found: list[datetime] = []
    day = NOW.date() + timedelta(days=1)
    while len(found) < CLAIMS:
        if day.weekday() < 5:
            opening = min(r.start for r in schedule.rules if r.weekday == day.weekday())
            found += [
                datetime.combine(day, opening, UTC) + timedelta(minutes=15 * k) for k in range(2)
            ]
        day += timedelta(days=1)
    return found[:CLAIMS]


async def measure(backend: str, url: str) -> list[str]:
    settings = Settings(database_url=url, _env_file=None)
    db = Database(url)
    engine = Engine(settings, db, lambda: NOW)
    rows = []
    for label, schedule in (("plain", plain()), ("at every limit", at_every_limit(settings))):
        async with engine.unit(write=True) as uow:
            calendar = await create_calendar(
                uow, kind=CalendarKind.PROVIDER, name=label, slot_minutes=15, horizon_days=3650
            )
            await set_schedule(uow, calendar, schedule)
        cpu, elapsed = [], []
        for start_at in starts(schedule):
            began_cpu, began = time.process_time(), time.perf_counter()
            async with engine.unit(write=True) as uow:
                await claim_time(uow, calendar=calendar, start_at=start_at, source=Source.PROVIDERS)
            cpu.append(time.process_time() - began_cpu)
            elapsed.append(time.perf_counter() - began)
        row = (
            f"| {backend} | {label} | {len(schedule.rules)} + {len(schedule.dates)} | "
            f"{percentile(cpu, 50) * 1000:.1f} | {percentile(cpu, 99) * 1000:.1f} | "
            f"{percentile(elapsed, 50) * 1000:.1f} | {percentile(elapsed, 99) * 1000:.1f} |"
        )
        print(row, flush=True)
        rows.append(row)
    await db.dispose()
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    header = (
        "| database | schedule | weekly rules + dated ranges | claim CPU p50 ms "
        "| CPU p99 ms | wall p50 ms | wall p99 ms |\n|---|---|---|---|---|---|---|"
    )
    print(header)
    rows: list[str] = []
    for backend in args.backends.split(","):
        async with fresh_database(backend) as url:
            rows += await measure(backend, url)
    write_section(
        "schedule_limits",
        "## A schedule at every limit\n\n"
        "`bench/schedule_limits.py`: one claim (its own write transaction) on a provider "
        "calendar with a plain schedule and on one at every limit the default settings "
        "allow (`SLOTBOOK_MAX_RANGES_PER_DAY` ranges each weekday, "
        "`SLOTBOOK_MAX_DATED_HOURS` dated ranges). The claim loads only its day's rules "
        "and dates, so the limits cost it little; the goal is under 50 ms of server CPU.\n\n"
        + header
        + "\n"
        + "\n".join(rows),
    )


if __name__ == "__main__":
    asyncio.run(main())
