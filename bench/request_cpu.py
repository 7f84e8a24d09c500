"""Server CPU per request, sequential client: what each request costs one server process.

    .venv/bin/python bench/request_cpu.py [--backend postgresql|sqlite] [--requests 1000]
        [--only TEXT] [--profile DIR]

One `slotbook serve` process on a fresh database; for each route, `--requests` requests
one after the other, and the user + system CPU of the server process from
`/proc/<pid>/stat` before and after: `POST /api/v1/bookings` without its fields (a 400
before any database work: the HTTP layer alone, rate limit and error body included),
`GET /health`, a surface 001 slot read, a 002 booking and a 001 appointment. `--profile
DIR`: py-spy samples the server during each route into DIR/<route>.txt (raw, folded
stacks). Prints the machine's load average with the figures (the machine is shared: CPU
time, not wall time, is the figure to compare).
"""

import argparse
import asyncio
import os
import re
from collections.abc import Callable
from pathlib import Path

from compare import ENV, appointment, booking, cpu_per_request, server_pid, setup, slot_read
from harness import fresh_database, running_servers

Request = Callable[[int], tuple[str, str, object]]


def health(_: int) -> tuple[str, str, object]:
    return "GET", "/health", None


def fieldless_booking(_: int) -> tuple[str, str, object]:
    return "POST", "/api/v1/bookings", {}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--only", default="", help="the routes whose name holds this text")
    parser.add_argument("--profile", type=Path, help="py-spy each route into this folder")
    args = parser.parse_args()
    load_before = os.getloadavg()
    cpu: dict[str, float] = {}
    async with fresh_database(args.backend) as url:
        with running_servers(url, count=1, env=ENV) as (base,):
            pid = server_pid(base)
            owner, provider = await setup(base, 1)
            routes: dict[str, tuple[Request, int]] = {
                "POST /api/v1/bookings {} (400, no database)": (fieldless_booking, 400),
                "GET /health": (health, 200),
                "GET 001 /api/v1/slots": (slot_read(owner), 200),
                "POST 002 /api/v1/bookings": (booking(provider), 201),
                "POST 001 /api/v1/appointments": (appointment(owner), 200),
            }
            for name, (request, status) in routes.items():
                if args.only not in name:
                    continue
                profile = None
                if args.profile:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile = args.profile / f"{re.sub(r'[^a-z0-9]+', '_', name.lower())}.txt"
                cpu[name] = await cpu_per_request(
                    base, pid, args.requests, request, profile, status=status
                )
    load = os.getloadavg()
    print(f"| route ({args.backend}, {args.requests} sequential) | server CPU ms/request |")
    print("|---|---|")
    for name, ms in cpu.items():
        print(f"| {name} | {ms:.3f} |")
    print(f"\nload average {load_before[0]:.2f} before, {load[0]:.2f} after (2 cores, shared)")


if __name__ == "__main__":
    asyncio.run(main())
