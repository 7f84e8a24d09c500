"""Booking write path: slotbook over HTTP vs the same SQL transaction through the driver.

    .venv/bin/python bench/write_path.py [--backends postgresql,sqlite] [--levels 1,16,64]
    .venv/bin/python bench/write_path.py --dead-webhook [--rounds 3]

For each backend and concurrency level: N provider bookings on distinct slots through
`POST /api/v1/bookings` on one `slotbook serve` process, then N times the same
transaction (read the calendar, expire stale holds on the range, [SQLite: check
overlap], insert the booking) straight through asyncpg / sqlite3 at the same
concurrency. Prints bookings/s and the ratio; writes bench/RESULTS.md.

`--dead-webhook`: instead, the HTTP run without any webhook vs with a webhook for every
calendar whose endpoint is dead (a loopback port nothing listens on: every attempt fails
and is retried from the outbox), alternating, `--rounds` times each; medians.
"""

import argparse
import asyncio
import secrets
import sqlite3
import threading
import time
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
from harness import (
    bar_chart,
    fresh_database,
    median,
    percentile,
    run_concurrently,
    running_servers,
    wipe,
    write_section,
)
from loadgen import Request, run_load
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support.servers import free_port

from slotbook.store.tables import webhook_attempts

FIRST_DAY = (datetime.now(UTC) + timedelta(days=1)).date()
JOBS = {1: 300, 16: 1500, 64: 2000}


def slot(i: int) -> tuple[date, int]:
    return FIRST_DAY + timedelta(days=i // 24), i % 24


async def through_http(base: str, jobs: int, concurrency: int) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(base_url=base) as http:
        created = await http.post(
            "/api/v1/providers", json={"name": "Bench", "email": "bench@example.com"}
        )
    provider = created.json()["id"]

    def booking(i: int) -> Request:
        day, hour = slot(i)
        return (
            "POST",
            "/api/v1/bookings",
            {"provider_id": provider, "date": day.isoformat(), "time": f"{hour:02d}:00"},
        )

    seconds, latencies, statuses = await run_load([base], concurrency, jobs, booking)
    assert statuses == {201: jobs}, statuses
    return seconds, latencies


CALENDAR_SQL = "SELECT * FROM calendars WHERE id = $1 AND kind = 'provider'"
EXPIRE_SQL = (
    "UPDATE bookings SET status = 'expired', updated_at = $1 WHERE calendar_id = $2 "
    "AND slot_id IS NULL AND status = 'held' AND hold_expires_at <= $1 "
    "AND start_at < $4 AND end_at > $3 RETURNING start_at"
)
INSERT_SQL = (
    "INSERT INTO bookings (calendar_id, start_at, end_at, status, token_hash, source, "
    "created_at, updated_at) VALUES ($1, $2, $3, 'confirmed', $4, 'providers', $5, $5) "
    "RETURNING id"
)


async def _calendar_row(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(
            "INSERT INTO calendars (kind, name, email, timezone, slot_minutes, enforce_hours, "
            "horizon_days, created_at) VALUES ('provider', 'Raw', 'raw@example.com', 'UTC', 60,"
            " false, 365, now()) RETURNING id"
        )
    finally:
        await conn.close()


async def raw_asyncpg(dsn: str, jobs: int, concurrency: int) -> tuple[float, list[float]]:
    calendar_id = await _calendar_row(dsn)
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:

        async def book(i: int) -> None:
            day, hour = slot(i)
            start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            end, now = start + timedelta(hours=1), datetime.now(UTC)
            async with pool.acquire() as conn, conn.transaction():
                await conn.fetchrow(CALENDAR_SQL, calendar_id)
                await conn.fetch(EXPIRE_SQL, now, calendar_id, start, end)
                await conn.fetchval(INSERT_SQL, calendar_id, start, end, secrets.token_hex(32), now)

        return await run_concurrently(jobs, concurrency, book)
    finally:
        await pool.close()


def raw_sqlite(path: str, jobs: int, concurrency: int) -> tuple[float, list[float]]:
    """The same transaction through sqlite3, one connection per thread."""
    setup = sqlite3.connect(path, isolation_level=None)
    calendar_id = setup.execute(
        "INSERT INTO calendars (kind, name, email, timezone, slot_minutes, enforce_hours, "
        "horizon_days, created_at) VALUES ('provider', 'Raw', 'raw@example.com', 'UTC', 60, 0,"
        " 365, '2030-01-01 00:00:00.000000') RETURNING id"
    ).fetchone()[0]
    setup.close()
    counter = iter(range(jobs))
    lock = threading.Lock()
    latencies: list[float] = []

    def worker() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            began = time.perf_counter()
            day, hour = slot(i)
            start = datetime(day.year, day.month, day.day, hour)
            s, e = start.strftime(fmt), (start + timedelta(hours=1)).strftime(fmt)
            now = datetime.now(UTC).strftime(fmt)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "SELECT * FROM calendars WHERE id = ? AND kind = 'provider'", (calendar_id,)
            ).fetchone()
            conn.execute(
                "UPDATE bookings SET status='expired', updated_at=? WHERE calendar_id=? AND "
                "slot_id IS NULL AND status='held' AND hold_expires_at <= ? AND start_at < ? "
                "AND end_at > ? RETURNING start_at",
                (now, calendar_id, now, e, s),
            ).fetchall()
            conn.execute(
                "SELECT start_at FROM bookings WHERE calendar_id=? AND start_at < ? AND "
                "end_at > ? AND slot_id IS NULL AND status='confirmed'",
                (calendar_id, e, s),
            ).fetchall()
            conn.execute(
                "INSERT INTO bookings (calendar_id, start_at, end_at, status, token_hash, source,"
                " created_at, updated_at) VALUES (?, ?, ?, 'confirmed', ?, 'providers', ?, ?)",
                (calendar_id, s, e, secrets.token_hex(32), now, now),
            )
            conn.execute("COMMIT")
            latencies.append(time.perf_counter() - began)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began, latencies


async def dead_webhook(base: str) -> None:
    """An admin's webhook for every calendar, to a port nothing listens on."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        admin = {"name": "A", "email": "a@example.com", "password": "a long password"}
        await http.post("/register", json=admin | {"role": "admin"})
        token = await http.post(
            "/token", data={"username": admin["email"], "password": admin["password"]}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        made = await http.post(
            "/api/v1/webhooks",
            json={"url": f"http://127.0.0.1:{free_port()}/dead"},
            headers=headers,
        )
        assert made.status_code == 201, made.text


async def attempts_made(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).select_from(webhook_attempts)
            return (await conn.execute(query)).scalar_one()
    finally:
        await engine.dispose()


WEBHOOK_ENV = {
    "SLOTBOOK_WEBHOOK_ALLOW_PRIVATE": "1",
    "SLOTBOOK_PASSWORD_HASH_TIME_COST": "1",
    "SLOTBOOK_PASSWORD_HASH_MEMORY_KIB": "1024",
    # one load generator, one address: lift the per-address booking limit
    "SLOTBOOK_RATE_LIMIT_BOOKINGS_PER_ADDRESS": "1000000 per minute",
}


async def measure_dead_webhook(backend: str, url: str, levels: list[int], rounds: int) -> list[str]:
    """Rows: bookings/s and latency without and with a dead webhook endpoint."""
    rows = []
    for level in levels:
        jobs = JOBS.get(level, 1000)
        runs: dict[bool, list[tuple[float, list[float]]]] = {False: [], True: []}
        attempts = []
        for _ in range(rounds):
            for dead in (False, True):
                await wipe(url)
                with running_servers(url, count=1, env=WEBHOOK_ENV) as (base,):
                    if dead:
                        await dead_webhook(base)
                    runs[dead].append(await through_http(base, jobs, level))
                    if dead:
                        attempts.append(await attempts_made(url))
        rates = {d: median([jobs / s for s, _ in r]) for d, r in runs.items()}
        p99 = {d: median([percentile(lat, 99) * 1000 for _, lat in r]) for d, r in runs.items()}
        row = (
            f"| {backend} | {level} | {jobs} | {rates[False]:,.0f} | {rates[True]:,.0f} "
            f"| {rates[True] / rates[False]:.0%} | {p99[False]:.1f} / {p99[True]:.1f} "
            f"| {median(attempts):,.0f} |"
        )
        print(row, flush=True)
        rows.append(row)
    return rows


async def measure(backend: str, url: str, levels: list[int]) -> list[tuple[str, str, float, float]]:
    """(row, label, slotbook bookings/s, raw bookings/s) per level."""
    rows = []
    for level in levels:
        jobs = JOBS.get(level, 1000)
        await wipe(url)
        with running_servers(url, count=1) as (base,):
            http_s, http_lat = await through_http(base, jobs, level)
        await wipe(url)
        if backend == "postgresql":
            dsn = url.replace("postgresql+asyncpg://", "postgresql://")
            raw_s, _ = await raw_asyncpg(dsn, jobs, level)
        else:
            raw_s, _ = await asyncio.to_thread(
                raw_sqlite, url.removeprefix("sqlite+aiosqlite:///"), jobs, level
            )
        http_rate, raw_rate = jobs / http_s, jobs / raw_s
        row = (
            f"| {backend} | {level} | {jobs} | {http_rate:,.0f} | "
            f"{percentile(http_lat, 50) * 1000:.1f} / {percentile(http_lat, 99) * 1000:.1f} "
            f"| {raw_rate:,.0f} | {http_rate / raw_rate:.0%} |"
        )
        print(row, flush=True)
        rows.append((row, f"{backend}\nc={level}", http_rate, raw_rate))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--levels", default="1,16,64")
    parser.add_argument("--dead-webhook", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    if args.dead_webhook:
        await dead_webhook_main(args.backends.split(","), levels, args.rounds)
        return
    header = (
        "| database | concurrency | bookings | slotbook HTTP bookings/s | p50 / p99 ms "
        "| raw driver bookings/s | ratio |\n|---|---|---|---|---|---|---|"
    )
    print(header)
    rows: list[tuple[str, str, float, float]] = []
    for backend in args.backends.split(","):
        async with fresh_database(backend) as url:
            rows += await measure(backend, url, levels)
    write_section(
        "write-path",
        "## Booking write path\n\n"
        "`bench/write_path.py`: provider bookings on distinct slots through HTTP "
        "(one `slotbook serve` process, httpx client in the same machine) vs the "
        "same SQL transaction straight through the driver at the same concurrency."
        "\n\n"
        + header
        + "\n"
        + "\n".join(r[0] for r in rows)
        + "\n\n"
        + bar_chart(
            "write_path",
            "Bookings per second on distinct slots",
            [r[1] for r in rows],
            {"slotbook (HTTP)": [r[2] for r in rows], "raw driver": [r[3] for r in rows]},
            "bookings/s",
        ),
    )


async def dead_webhook_main(backends: list[str], levels: list[int], rounds: int) -> None:
    header = (
        "| database | concurrency | bookings | no webhook bookings/s | dead webhook bookings/s "
        "| ratio | p99 ms (none / dead) | failed attempts during the run |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    print(header)
    rows: list[str] = []
    for backend in backends:
        async with fresh_database(backend) as url:
            rows += await measure_dead_webhook(backend, url, levels, rounds)
    write_section(
        "write-path-webhooks",
        "## Write path with a dead webhook endpoint\n\n"
        "`bench/write_path.py --dead-webhook`: the HTTP run above with no webhook vs with an "
        "admin's webhook for every calendar pointing at a loopback port nothing listens on "
        "(every attempt fails at once and is retried from the outbox with back-off), "
        f"alternating, {rounds} runs each, medians. Every booking still appends its event "
        "and the dispatcher routes it to a delivery in the same server process; the "
        "endpoint's circuit breaker holds those deliveries behind one probe per back-off "
        "step, so only the probe's attempts are made and recorded.\n\n"
        + header
        + "\n"
        + "\n".join(rows),
    )


if __name__ == "__main__":
    asyncio.run(main())
