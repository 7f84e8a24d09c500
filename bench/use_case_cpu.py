"""CPU time of the two hot use cases, in process, without HTTP: a figure that holds on a
busy machine (it counts this process's CPU, not the wall clock others share).

    .venv/bin/python bench/use_case_cpu.py [--backends sqlite,postgresql] [-n 600]

- booking: read the provider calendar and claim one slot length in one write unit
  (what `POST /api/v1/bookings` runs), on distinct slots;
- listing: one day's free slots of a calendar with hours and 300 bookings
  (`availability.free_slots.free_slots_between`, what every slot list runs).

Prints milliseconds of CPU per call (process time, so the driver's threads count too).
"""

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall

from harness import fresh_database

from slotbook.availability.free_slots import free_slots_between
from slotbook.booking.claims import claim_time
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.engine import Engine
from slotbook.settings import Settings
from slotbook.store.db import Database

WARM_UP = 20


async def measure(url: str, n: int) -> tuple[float, float]:
    engine = Engine(Settings(database_url=url), Database(url))
    async with engine.unit(write=True) as uow:
        calendar = await cal.create_calendar(
            uow, kind=CalendarKind.PROVIDER, name="p", email="p@example.com", enforce_hours=False
        )
        await cal.set_schedule(uow, calendar, cal.daily(wall(8), wall(20)))
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)

    async def book(at: datetime) -> None:
        async with engine.unit(write=True) as uow:
            found = await cal.get_calendar(uow, calendar.id, kind=CalendarKind.PROVIDER)
            await claim_time(uow, calendar=found, start_at=at, source="providers")

    for i in range(WARM_UP):
        await book(first + timedelta(days=300, hours=i))
    started = time.process_time()
    for i in range(n):
        await book(first + timedelta(hours=i))
    booking = (time.process_time() - started) / n * 1000

    started = time.process_time()
    for i in range(n):
        day = (first + timedelta(days=i % 20)).date()
        async with engine.unit() as uow:
            await free_slots_between(uow, calendar, day, day)
    listing = (time.process_time() - started) / n * 1000
    await engine.db.dispose()
    return booking, listing


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("-n", type=int, default=600)
    args = parser.parse_args()
    print("| database | booking ms CPU | listing ms CPU |\n|---|---|---|")
    for backend in args.backends.split(","):
        async with fresh_database(backend) as url:
            booking, listing = await measure(url, args.n)
        print(f"| {backend} | {booking:.2f} | {listing:.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
