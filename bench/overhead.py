"""Framework overhead: slotbook's GET /health and a slot read vs a bare ASGI app.

    .venv/bin/python bench/overhead.py [--requests 3000] [--concurrency 16]

Both apps run under the same uvicorn (one process), on the same machine, in the same
run; the bare app answers each path with the very JSON body slotbook gave, so the
difference is FastAPI, validation, the engine and the database reads.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import (
    ROOT,
    create_sqlite_database,
    percentile,
    running_servers,
    write_section,
)
from loadgen import run_load
from tests.support.servers import free_port, wait_until_up

DAY = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
PATHS = ["/health", f"/api/v1/slots?calendar_owner_id=bench&for_date={DAY}"]


async def load(base: str, path: str, requests: int, concurrency: int) -> tuple[float, list]:
    seconds, latencies, statuses = await run_load(
        [base], concurrency, requests, lambda _: ("GET", path, None)
    )
    assert statuses == {200: requests}, statuses
    return seconds, latencies


def bare_server(bodies: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {"BARE_BODIES": json.dumps(bodies), "PYTHONPATH": str(ROOT / "bench")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, proc)
    return proc, url


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    url = await asyncio.to_thread(create_sqlite_database, Path(tempfile.mkdtemp()))
    header = (
        "| path | slotbook req/s | p50 / p99 ms | bare ASGI req/s | p50 / p99 ms | ratio |"
        "\n|---|---|---|---|---|---|"
    )
    print(header)
    rows = []
    with running_servers(url, count=1) as (base,):
        async with httpx.AsyncClient(base_url=base) as http:
            await http.post(
                "/api/v1/availability",
                json={"calendar_owner_id": "bench", "start_time": "08:00", "end_time": "18:00"},
            )
            bodies = {path.split("?")[0]: (await http.get(path)).text for path in PATHS}
        ours = {p: await load(base, p, args.requests, args.concurrency) for p in PATHS}
    proc, bare = bare_server(bodies)
    try:
        theirs = {
            p: await load(bare, p.split("?")[0], args.requests, args.concurrency) for p in PATHS
        }
    finally:
        proc.terminate()
    for path in PATHS:
        (s1, l1), (s2, l2) = ours[path], theirs[path]
        r1, r2 = args.requests / s1, args.requests / s2
        row = (
            f"| `{path.split('?')[0]}` | {r1:,.0f} | {percentile(l1, 50) * 1e3:.1f} / "
            f"{percentile(l1, 99) * 1e3:.1f} | {r2:,.0f} | {percentile(l2, 50) * 1e3:.1f} / "
            f"{percentile(l2, 99) * 1e3:.1f} | {r1 / r2:.0%} |"
        )
        print(row, flush=True)
        rows.append(row)
    write_section(
        "overhead",
        "## Framework overhead\n\n`bench/overhead.py`: one uvicorn "
        f"process each, {args.requests} requests at concurrency {args.concurrency} "
        "from an httpx client on the same machine, SQLite.\n\n" + header + "\n" + "\n".join(rows),
    )


if __name__ == "__main__":
    asyncio.run(main())
