"""Hot slot: one event slot of 1,000 seats, 200 clients at once, through HTTP.

    .venv/bin/python bench/hot_slot.py [--backends postgresql,sqlite] [--seats 1000]
                                       [--clients 200] [--servers 1]

Sends seats + 20% seat bookings, 200 in flight at a time, to `slotbook serve`; checks
that exactly `seats` succeed and the rest get 409 "Time slot is full"; prints successful
bookings per second and p50/p99 latency. Baseline in the same run: the same claim (the
conditional UPDATE of the slot's counter and the booking INSERT, one transaction)
straight through the driver with the same concurrency.
"""

import argparse
import asyncio
import os
import secrets
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from harness import (
    bar_chart,
    fresh_database,
    percentile,
    run_concurrently,
    running_servers,
    wipe,
    write_section,
)
from loadgen import run_load

EVENT_DAY = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
#: one load generator, one address: lift the per-address booking limit
ENV = {"SLOTBOOK_RATE_LIMIT_BOOKINGS_PER_ADDRESS": "100000000 per minute"}
TAKE = "UPDATE slots SET taken = taken + 1 WHERE id = {p1} AND taken < capacity RETURNING id"
INSERT = (
    "INSERT INTO bookings (calendar_id, slot_id, start_at, end_at, status, token_hash, "
    "name, source, created_at, updated_at) SELECT calendar_id, id, start_at, end_at, "
    "'confirmed', {p2}, 'raw', 'events', {p3}, {p3} FROM slots WHERE id = {p1}"
)


async def through_http(bases: list[str], seats: int, clients: int) -> tuple[float, list, Counter]:
    async with httpx.AsyncClient() as http:
        event = await http.post(
            f"{bases[0]}/api/v1/events",
            json={
                "name": "Hot",
                "event_date": EVENT_DAY,
                "time_slots": [{"start_time": "10:00", "end_time": "11:00", "max_capacity": seats}],
            },
        )
    slot_id = event.json()["time_slots"][0]["id"]
    return await run_load(
        bases,
        clients,
        seats * 6 // 5,
        lambda i: (
            "POST",
            "/api/v1/bookings",
            {"attendee_name": f"Fan {i}", "time_slot_id": slot_id},
        ),
    )


async def raw_postgres(url: str, seats: int, clients: int) -> tuple[float, Counter]:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    calendar = await conn.fetchval(
        "INSERT INTO calendars (kind, name, timezone, slot_minutes, horizon_days, created_at, "
        "version) VALUES ('event', 'raw', 'UTC', 60, 365, now(), md5(random()::text)) RETURNING id"
    )
    slot_id = await conn.fetchval(
        "INSERT INTO slots (calendar_id, start_at, end_at, capacity) VALUES "
        "($1, now() + interval '30 days', now() + interval '31 days', $2) RETURNING id",
        calendar,
        seats,
    )
    await conn.close()
    pool = await asyncpg.create_pool(dsn, min_size=min(clients, 90), max_size=min(clients, 90))
    codes: Counter[str] = Counter()
    take = TAKE.format(p1="$1")
    insert = INSERT.format(p1="$1", p2="$2", p3="$3")

    async def book(_: int) -> None:
        async with pool.acquire() as c, c.transaction():
            if await c.fetchval(take, slot_id) is None:
                codes["full"] += 1
                return
            await c.execute(insert, slot_id, secrets.token_hex(32), datetime.now(UTC))
            codes["ok"] += 1

    seconds, _ = await run_concurrently(seats * 6 // 5, clients, book)
    await pool.close()
    return seconds, codes


def raw_sqlite(url: str, seats: int, clients: int) -> tuple[float, Counter]:
    path = url.removeprefix("sqlite+aiosqlite:///")
    setup = sqlite3.connect(path, isolation_level=None)
    calendar = setup.execute(
        "INSERT INTO calendars (kind, name, timezone, slot_minutes, horizon_days, created_at, "
        "version) VALUES ('event', 'raw', 'UTC', 60, 365, '2030-01-01 00:00:00.000000', "
        "lower(hex(randomblob(16)))) RETURNING id"
    ).fetchone()[0]
    slot_id = setup.execute(
        "INSERT INTO slots (calendar_id, start_at, end_at, capacity) VALUES (?, "
        "'2099-01-01 10:00:00.000000', '2099-01-01 11:00:00.000000', ?) RETURNING id",
        (calendar, seats),
    ).fetchone()[0]
    setup.close()
    codes: Counter[str] = Counter()
    jobs = iter(range(seats * 6 // 5))
    lock = threading.Lock()
    take, insert = TAKE.format(p1="?"), INSERT.format(p1="?3", p2="?1", p3="?2")

    def worker() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        while True:
            with lock:
                if next(jobs, None) is None:
                    break
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute(take, (slot_id,)).fetchone() is None:
                conn.execute("COMMIT")
                outcome = "full"
            else:
                conn.execute(insert, (secrets.token_hex(32), str(datetime.now(UTC)), slot_id))
                conn.execute("COMMIT")
                outcome = "ok"
            with lock:
                codes[outcome] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(min(clients, 64))]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began, codes


async def measure(
    backend: str, url: str, seats: int, clients: int, servers: int
) -> tuple[str, float, float]:
    """(row, slotbook bookings/s, raw bookings/s)."""
    await wipe(url)
    with running_servers(url, count=servers, env=ENV) as bases:
        seconds, latencies, codes = await through_http(bases, seats, clients)
    assert codes == {201: seats, 409: seats // 5}, codes
    await wipe(url)
    if backend == "postgresql":
        raw_seconds, raw_codes = await raw_postgres(url, seats, clients)
    else:
        raw_seconds, raw_codes = await asyncio.to_thread(raw_sqlite, url, seats, clients)
    assert raw_codes["ok"] == seats, raw_codes
    ours, raw = seats / seconds, seats / raw_seconds
    row = (
        f"| {backend} | {servers} | {seats} of {seats * 6 // 5} | {ours:,.0f} | "
        f"{percentile(latencies, 50) * 1000:.0f} / {percentile(latencies, 99) * 1000:.0f} "
        f"| {raw:,.0f} | {ours / raw:.0%} |"
    )
    return row, ours, raw


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--seats", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--servers", type=int, default=1)
    args = parser.parse_args()
    header = (
        "| database | server processes | successes | slotbook bookings/s | p50 / p99 ms "
        "| raw driver bookings/s | ratio |\n|---|---|---|---|---|---|---|"
    )
    print(header)
    load_before = os.getloadavg()
    rows = []
    for backend in args.backends.split(","):
        async with fresh_database(backend) as url:
            rows.append(await measure(backend, url, args.seats, args.clients, args.servers))
        print(rows[-1][0], flush=True)
    load = f"{load_before[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    write_section(
        "hot-slot",
        "## Hot slot\n\n`bench/hot_slot.py`: one event slot of "
        f"{args.seats} seats, {args.seats * 6 // 5} bookings sent with "
        f"{args.clients} in flight; exactly {args.seats} succeed (checked), the rest "
        "get 409. Baseline: the same conditional UPDATE + INSERT transaction straight "
        "through the driver at the same concurrency. The per-address booking rate limit is "
        f"lifted for the one load generator. Load average (1 min): {load}.\n\n"
        + header
        + "\n"
        + "\n".join(r[0] for r in rows)
        + "\n\n"
        + bar_chart(
            "hot_slot",
            f"Hot slot: {args.seats} seats, {args.clients} clients",
            args.backends.split(","),
            {"slotbook (HTTP)": [r[1] for r in rows], "raw driver": [r[2] for r in rows]},
            "successful bookings/s",
        ),
    )


if __name__ == "__main__":
    asyncio.run(main())
