"""Fan-out of one booking to N live-board subscribers (a measurement, not a test).

N WebSocket clients subscribe to one calendar-day; one more client books a slot; each
subscriber records when the `slots_update` showing the booking reaches it. Reported:
median, p99 and max of (arrival - moment the booking was sent), for one server process
(in-process broker), for two (subscribers split evenly, PostgreSQL + Redis, the booking
made on the first), and for a bare ASGI broadcaster under the same uvicorn (baseline).
Subscribers run in separate client processes so the client side is not one serial event
loop; all times are CLOCK_MONOTONIC, shared by processes.

    .venv/bin/python bench/fanout.py [-n 1000[,10000]] [--setups 1,2,bare]
                                     [--client-procs 2] [--runs 3]

Writes its section of bench/RESULTS.md.
Needs PostgreSQL and Redis as in the tests (SLOTBOOK_TEST_POSTGRES_URL / _REDIS_URL).
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from harness import (
    ROOT,
    bar_chart,
    create_postgres_database,
    drop_postgres_database,
    percentile,
    running_servers,
    write_section,
)
from tests.support.databases import REDIS_TEST_URL
from tests.support.servers import free_port, wait_until_up
from websockets.asyncio.client import connect

SLOT = 9
CONNECT_BATCH = 200  # connections opened at once per client process (listen backlog)


def raise_fd_limit() -> int:
    """As many open files as the hard limit allows (server processes inherit it)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


async def _subscribe(urls: list[str]) -> list:
    sockets = []
    for i in range(0, len(urls), CONNECT_BATCH):
        batch = urls[i : i + CONNECT_BATCH]
        sockets += await asyncio.gather(
            *(connect(u, open_timeout=60, max_size=None) for u in batch)
        )
    for ws in sockets:
        assert json.loads(await ws.recv())["type"] == "slots_update"
    return sockets


async def _arrival(ws) -> float:
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "slots_update" and SLOT in message["data"]["booked_slots"]:
            return time.monotonic()


async def _client(targets, ready, results) -> None:
    sockets = await _subscribe([url for _, url in targets])
    ready.put(len(sockets))
    arrivals = await asyncio.wait_for(
        asyncio.gather(*(_arrival(ws) for ws in sockets)), timeout=300
    )
    results.put([(instance, t) for (instance, _), t in zip(targets, arrivals, strict=True)])
    await asyncio.gather(*(ws.close() for ws in sockets))


def client_process(targets, ready, results) -> None:
    """Subscribe to every (instance, url) target; report when each got the update."""
    raise_fd_limit()
    try:
        asyncio.run(_client(targets, ready, results))
    except BaseException as exc:  # tell the parent instead of leaving it waiting
        ready.put(f"client process failed: {exc!r}")
        raise


async def book(url: str) -> float:
    async with connect(url) as ws:
        await ws.recv()
        sent = time.monotonic()
        await ws.send(json.dumps({"type": "book_slot", "slot_id": SLOT}))
        while (answer := json.loads(await ws.recv()))["type"] != "booking_response":
            pass
        assert answer["success"], answer
        return sent


def measure(bases: list[str], subscribers: int, procs: int) -> dict:
    day = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    urls = [base.replace("http://", "ws://") + f"/slot-booking?date={day}" for base in bases]
    targets = [(i % len(urls), urls[i % len(urls)]) for i in range(subscribers)]
    share = -(-subscribers // procs)  # each client process gets subscribers of every instance
    ctx = multiprocessing.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    workers = [
        ctx.Process(
            target=client_process,
            args=(targets[i * share : (i + 1) * share], ready, results),
        )
        for i in range(procs)
    ]
    for worker in workers:
        worker.start()
    counts = [ready.get(timeout=600) for _ in workers]
    if failed := [c for c in counts if isinstance(c, str)]:
        raise RuntimeError("; ".join(failed))
    connected = sum(counts)
    sent = asyncio.run(book(urls[0]))  # on the first instance
    arrivals = [a for _ in workers for a in results.get(timeout=600)]
    for worker in workers:
        worker.join()
    result = {"subscribers": connected} | summary([t for _, t in arrivals], sent)
    if len(bases) > 1:
        result["other_instance"] = summary([t for i, t in arrivals if i != 0], sent)
    return result


def summary(arrivals: list[float], sent: float) -> dict:
    latencies = [(t - sent) * 1000 for t in arrivals]
    return {
        "median_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
    }


def run(instances: int, subscribers: int, procs: int) -> dict:
    database = create_postgres_database()
    env: dict[str, str] = {}
    if instances > 1:
        env |= {
            "SLOTBOOK_REDIS_URL": REDIS_TEST_URL,
            "SLOTBOOK_REDIS_CHANNEL_PREFIX": f"bench-{uuid.uuid4().hex}",
        }
    try:
        with running_servers(database, instances, env=env) as bases:
            return measure(bases, subscribers, procs)
    finally:
        drop_postgres_database(database)


def run_bare(subscribers: int, procs: int) -> dict:
    """The same measurement against bench/bare_fanout.py under the same uvicorn options."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_fanout:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--lifespan",
            "off",
            "--ws-per-message-deflate",
            "false",
        ],
        env=os.environ | {"PYTHONPATH": str(ROOT / "bench")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, proc)
        return measure([base], subscribers, procs)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


SETUPS = {
    "1": "1 instance (PostgreSQL)",
    "2": "2 instances (PostgreSQL + Redis)",
    "bare": "bare ASGI broadcast (baseline)",
}


def row(name: str, run: int, subscribers: int, r: dict) -> str:
    return (
        f"| {name} | {run} | {subscribers:,} | {r['median_ms']:.0f} ms | {r['p99_ms']:.0f} ms "
        f"| {r['max_ms']:.0f} ms |"
    )


def report(results: list[tuple[str, int, dict]], args: argparse.Namespace) -> str:
    lines = [
        "## Live-board fan-out",
        "",
        f"`bench/fanout.py -n {args.subscribers}`: N WebSocket subscribers of one "
        "calendar-day, one `book_slot`; the time from sending it until each subscriber has "
        f"the `slots_update` showing it. Subscribers run in {args.client_procs} client "
        "processes on the same machine, sharing its cores with the servers, PostgreSQL and "
        "Redis. With two instances the subscribers are split evenly and the booking is "
        "made on the first; the other half hears of it through Redis. Baseline: "
        "`bench/bare_fanout.py`, a bare ASGI app under the same uvicorn that sends a fixed "
        "update to each connection in turn (no database, framework or queues). Runs per "
        f"set-up: {args.runs}, each on fresh servers; the machine is shared, so runs vary.",
        "",
        "| set-up | run | subscribers | median | p99 | max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for setup, run_no, r in results:
        lines.append(row(SETUPS[setup], run_no, r["subscribers"], r))
        if "other_instance" in r:
            half = r["subscribers"] // 2
            lines.append(row("... those on the other one", run_no, half, r["other_instance"]))
    return "\n".join(lines) + "\n\n" + chart(results)


def chart(results: list[tuple[str, int, dict]]) -> str:
    """Median over the runs of each set-up's median and p99, per number of subscribers."""
    sizes = sorted({r["subscribers"] for _, _, r in results})
    setups = list(dict.fromkeys(setup for setup, _, _ in results))

    def typical(setup: str, size: int, key: str) -> float:
        return statistics.median(
            r[key] for s, _, r in results if s == setup and r["subscribers"] == size
        )

    series = {
        f"{key[:-3]}, {size:,} subscribers": [typical(s, size, key) for s in setups]
        for size in sizes
        for key in ("median_ms", "p99_ms")
    }
    return bar_chart(
        "fanout",
        "Live-board fan-out of one booking",
        [SETUPS[s].split(" (")[0] for s in setups],
        series,
        "ms until every subscriber has it",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--subscribers", default="1000", help="e.g. 1000,10000")
    parser.add_argument("--setups", default="1,2,bare", help="of 1, 2 (instances), bare")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(n) for n in args.subscribers.split(",")]
    limit = raise_fd_limit()
    if max(sizes) + 100 > limit:
        parser.error(f"{max(sizes)} subscribers need more than {limit} open files")
    results = []
    for size in sizes:
        for setup in args.setups.split(","):
            for run_no in range(1, args.runs + 1):
                if setup == "bare":
                    result = run_bare(size, args.client_procs)
                else:
                    result = run(int(setup), size, args.client_procs)
                print(f"{SETUPS[setup]}, run {run_no}: {json.dumps(result)}", flush=True)
                results.append((setup, run_no, result))
    text = report(results, args)
    print(text)
    write_section("fanout", text)


if __name__ == "__main__":
    main()
