"""Server CPU per request, sequential client: what each request costs one server process.

    .venv/bin/python bench/request_cpu.py [--backend postgresql|sqlite] [--requests 1000]
        [--profile DIR]

One `slotbook serve` process on a fresh database; for each route, `--requests` requests
one after the other, and the user + system CPU of the server process from
`/proc/<pid>/stat` before and after: `GET /health`, a surface 001 slot read, a 002
booking (`POST /api/v1/bookings`) and a 001 appointment. `--profile DIR`: py-spy samples
the server during each route into DIR/<route>.txt (raw, folded stacks). Prints the
machine's load average with the figures (the machine is shared: CPU time, not wall time,
is the figure to compare).
"""

import argparse
import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from compare import ENV, appointment, booking, cpu_per_request, server_pid, setup, slot_read
from harness import fresh_database, running_servers

Request = Callable[[int], tuple[str, str, object]]


def health(_: int) -> tuple[str, str, object]:
    return "GET", "/health", None


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", type=Path, help="py-spy each route into this folder")
    args = parser.parse_args()
    load_before = os.getloadavg()
    cpu: dict[str, float] = {}
    async with fresh_database(args.backend) as url:
        with running_servers(url, count=1, env=ENV) as (base,):
            pid = server_pid(base)
            owner, provider = await setup(base, 1)
            routes: dict[str, Request] = {
                "GET /health": health,
                "GET 001 /api/v1/slots": slot_read(owner),
                "POST 002 /api/v1/bookings": booking(provider),
                "POST 001 /api/v1/appointments": appointment(owner),
            }
            for name, request in routes.items():
                profile = None
                if args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile = args.profile / f"{name.split()[-1].strip('/').replace('/', '_')}.txt"
                cpu[name] = await cpu_per_request(base, pid, args.requests, request, profile)
    load = os.getloadavg()
    print(f"| route ({args.backend}, {args.requests} sequential) | server CPU ms/request |")
    print("|---|---|")
    for name, ms in cpu.items():
        print(f"| {name} | {ms:.2f} |")
    print(f"\nload average {load_before[0]:.2f} before, {load[0]:.2f} after (2 cores, shared)")


if __name__ == "__main__":
    asyncio.run(main())
