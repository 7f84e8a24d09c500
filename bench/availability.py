"""Availability read latency: how it grows with the window, not with the bookings held.

    .venv/bin/python bench/availability.py [--backends postgresql,sqlite] [--sizes 1000,10000]

A calendar with 15-minute slots, weekday and Saturday rules, closed dates and extra
hours, and N existing bookings spread over the years around `now`. Measures the
server-side time of one slot listing (`availability.free_slots.free_slots_between`, the
call every slot endpoint makes) for a 1-day and a 31-day window, p50/p99, against a
baseline in the same run: the one indexed SELECT of the window's bookings through the
raw driver.
"""

import argparse
import asyncio
import os
import random
import secrets
import time
from datetime import UTC, date, datetime, timedelta

from harness import (
    bar_chart,
    fresh_database,
    percentile,
    wipe,
    write_section,
)
from sqlalchemy import insert, text

from slotbook.availability.free_slots import free_slots_between
from slotbook.calendars.calendars import Schedule, create_calendar, set_schedule
from slotbook.engine import Engine
from slotbook.scheduling import DateHours, WeeklyRule
from slotbook.settings import Settings
from slotbook.store.db import Database
from slotbook.store.tables import bookings

NOW = datetime(2031, 1, 15, 8, 0, tzinfo=UTC)
SAMPLES = 200
SLOTS_PER_WEEK = 5 * 48 + 16  # 08:00-20:00 weekdays, 09:00-13:00 Saturdays


def schedule() -> Schedule:
    from datetime import time as t

    rules = [WeeklyRule(d, t(8), t(20)) for d in range(5)] + [WeeklyRule(5, t(9), t(13))]
    dates = [
        DateHours(NOW.date() + timedelta(days=7 * k + 2), None, None, True) for k in range(0, 52, 5)
    ]
    dates += [
        DateHours(NOW.date() + timedelta(days=7 * k + 6), t(10), t(12), False)
        for k in range(0, 52, 3)
    ]
    return Schedule(rules, dates)


def booking_rows(calendar_id: int, count: int) -> list[dict]:
    """`count` 15-minute bookings on distinct slots, half before `now`, half after."""
    weeks = count // SLOTS_PER_WEEK + 1
    first = NOW - timedelta(weeks=weeks // 2)
    first = datetime.combine(
        first.date() - timedelta(days=first.weekday()), datetime.min.time(), UTC
    )
    starts: list[datetime] = []
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        for day in range(5):
            starts += [monday + timedelta(days=day, hours=8, minutes=15 * k) for k in range(48)]
        starts += [monday + timedelta(days=5, hours=9, minutes=15 * k) for k in range(16)]
    chosen = random.Random(7).sample(starts, count)
    return [
        {
            "calendar_id": calendar_id,
            "start_at": s,
            "end_at": s + timedelta(minutes=15),
            "status": "confirmed",
            "token_hash": secrets.token_hex(32),
            "source": "bench",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for s in chosen
    ]


async def hold_bookings(engine: Engine, calendar_id: int, count: int) -> None:
    """Write `count` bookings, then vacuum as autovacuum would have a calendar that
    filled up over months (which lets PostgreSQL read a window from its index alone)."""
    rows = booking_rows(calendar_id, count)
    for i in range(0, count, 5000):
        async with engine.unit(write=True) as uow:
            await uow.conn.execute(insert(bookings), rows[i : i + 5000])
    if not engine.db.is_sqlite:
        async with engine.db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE bookings"))


async def timed(engine: Engine, calendar, first: date, days: int) -> tuple[float, float]:
    """(seconds, CPU seconds of this process) of one listing."""
    began, cpu = time.perf_counter(), time.process_time()
    async with engine.unit() as uow:
        await free_slots_between(uow, calendar, first, first + timedelta(days=days - 1))
    return time.perf_counter() - began, time.process_time() - cpu


async def raw_window(engine: Engine, calendar_id: int, first: date, days: int) -> float:
    start = datetime.combine(first, datetime.min.time(), UTC)
    end = start + timedelta(days=days)
    began = time.perf_counter()
    async with engine.db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        if engine.db.is_sqlite:
            fmt = "%Y-%m-%d %H:%M:%S.%f"
            cursor = await driver.execute(
                "SELECT start_at, end_at FROM bookings WHERE calendar_id=? AND start_at < ? AND "
                "start_at > ? AND end_at > ? AND slot_id IS NULL AND status='confirmed'",
                (
                    calendar_id,
                    end.strftime(fmt),
                    (start - timedelta(days=1)).strftime(fmt),
                    start.strftime(fmt),
                ),
            )
            await cursor.fetchall()
        else:
            await driver.fetch(
                "SELECT start_at, end_at FROM bookings WHERE calendar_id=$1 AND start_at < $2 "
                "AND start_at > $3 AND end_at > $4 AND slot_id IS NULL AND status='confirmed'",
                calendar_id,
                end,
                start - timedelta(days=1),
                start,
            )
    return time.perf_counter() - began


async def measure(backend: str, url: str, sizes: list[int]) -> list[tuple[str, str, float]]:
    """(row, label, slotbook p99 ms) per size and window."""
    rows = []
    for size in sizes:
        await wipe(url)
        db = Database(url)
        engine = Engine(Settings(database_url=url, _env_file=None), db, lambda: NOW)
        async with engine.unit(write=True) as uow:
            calendar = await create_calendar(
                uow, kind="provider", name="bench", slot_minutes=15, horizon_days=3650
            )
            await set_schedule(uow, calendar, schedule())
        await hold_bookings(engine, calendar.id, size)
        rng = random.Random(1)
        for days in (1, 31):
            firsts = [NOW.date() + timedelta(days=rng.randrange(0, 180)) for _ in range(SAMPLES)]
            for first in firsts[:10]:  # warm up
                await timed(engine, calendar, first, days)
            ours, cpu = zip(*[await timed(engine, calendar, f, days) for f in firsts], strict=True)
            raw = [await raw_window(engine, calendar.id, f, days) for f in firsts]
            row = (
                f"| {backend} | {size:,} | {days} | {percentile(ours, 50) * 1000:.2f} | "
                f"{percentile(ours, 99) * 1000:.2f} | {percentile(cpu, 50) * 1000:.2f} | "
                f"{percentile(cpu, 99) * 1000:.2f} | {percentile(raw, 50) * 1000:.2f} | "
                f"{percentile(ours, 50) / percentile(raw, 50):.1f}x |"
            )
            print(row, flush=True)
            rows.append(
                (row, f"{backend[:2]} {size // 1000}k\n{days}d", percentile(ours, 99) * 1e3)
            )
        await db.dispose()
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    header = (
        "| database | bookings held | window days | slotbook p50 ms | slotbook p99 ms "
        "| CPU p50 ms | CPU p99 ms | raw SELECT p50 ms | slotbook / raw |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    print(header)
    load_before = os.getloadavg()
    rows: list[tuple[str, str, float]] = []
    for backend in args.backends.split(","):
        async with fresh_database(backend) as url:
            rows += await measure(backend, url, sizes)
    load = f"{load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    write_section(
        "availability",
        "## Availability reads\n\n"
        "`bench/availability.py`: server-side time of one slot listing "
        "(`free_slots_between`: load the schedule, generate the window's 15-minute "
        "grid, fetch the window's claims, subtract) on a calendar with weekly rules, "
        "closed dates and extra hours; baseline: the window's indexed SELECT alone "
        "through the raw driver. CPU: this process's CPU time per listing (SQLite's "
        "included, PostgreSQL's not), which the machine's load disturbs less than the "
        f"wall-clock figures. Load average (1 min): {load}.\n\n"
        + header
        + "\n"
        + "\n".join(r[0] for r in rows)
        + "\n\n"
        + bar_chart(
            "availability",
            "Slot listing p99 by bookings held and window",
            [r[1] for r in rows],
            {"p99 ms": [r[2] for r in rows]},
            "ms",
        ),
    )


if __name__ == "__main__":
    asyncio.run(main())
