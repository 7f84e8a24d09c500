"""slotbook's bookings against the bare endpoint, as a new user would measure them.

    .venv/bin/python bench/compare.py [--seconds 10] [--connections 64] [--sequential 1000]

PostgreSQL on loopback, fresh databases, one server process each, driven by `wrk`
(Debian package `wrk`: `apt-get install wrk`) with distinct slots per request:
- surface 001 `POST /api/v1/appointments` and 002 `POST /api/v1/bookings` on slotbook,
  and the bare endpoint of `bench/bare_app.py` (`bookings_app`: pydantic body, one
  asyncpg INSERT into a table with the same exclusion constraint, JSON), each for
  `--seconds` at `--connections`; prints bookings/s and slotbook's ratio to the bare one;
- server CPU per request (user + system ticks of the server process from
  `/proc/<pid>/stat`, before and after) over `--sequential` bookings made one after the
  other, and over as many 001 slot reads. With the background jobs on (the default) a
  booking's figure starts once the outbox's consumers have done the wrk runs' work and
  ends once they have done the sequential bookings' (its letters and webhooks included).
py-spy samples the server during the sequential 002 bookings (`--no-profile`: not) and
the share of samples per function is printed. Writes its section of bench/RESULTS.md.
The machine's load average is printed with the figures: on a shared machine they are
only as good as it is idle. So is how busy its cores were during each wrk run (from
/proc/stat): with `--workers N`, for one process and for N — near 100% with one, a
second process can only share the cores, not add to them.
"""

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import ROOT, fresh_database, running_servers, write_section
from tests.support.servers import free_port

FIRST_DAY = (datetime.now(UTC) + timedelta(days=2)).date()
#: one load generator, one address: the per-address booking limit is lifted
ENV = {"SLOTBOOK_RATE_LIMIT_BOOKINGS_PER_ADDRESS": "100000000 per minute"}
TICKS = os.sysconf("SC_CLK_TCK")
HORIZON_DAYS = 3650

# Request n books hour n % 23 of day n // 23 after FIRST_DAY: every request a new slot.
WRK_SCRIPT = """
local n = 0
local first = os.time{{year={y}, month={m}, day={d}, hour=12}}
request = function()
  local day = os.date("!%Y-%m-%d", first + math.floor(n / 23) * 86400)
  local hour = string.format("%02d:00", n % 23)
  n = n + 1
  return wrk.format("POST", "{path}", {{["Content-Type"] = "application/json"}},
                    string.format({body}, day, hour))
end
statuses = {{}}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end
local threads = {{}}
setup = function(thread) table.insert(threads, thread) end
done = function()
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %d: %d\\n", status, count))
    end
  end
end
"""
BODIES = {
    "001": (
        "/api/v1/appointments",
        '\'{{"calendar_owner_id": "{who}", "invitee_name": "Ann", '
        '"invitee_email": "ann@example.com", "date": "%s", "slot_start_time": "%s"}}\'',
    ),
    "002": ("/api/v1/bookings", '\'{{"provider_id": {who}, "date": "%s", "time": "%s"}}\''),
}


def wrk(base: str, surface: str, who: str, seconds: int, connections: int) -> float:
    """Successful bookings per second of one wrk run."""
    path, body = BODIES[surface]
    script = WRK_SCRIPT.format(
        y=FIRST_DAY.year, m=FIRST_DAY.month, d=FIRST_DAY.day, path=path, body=body.format(who=who)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout=30s", f"-s{lua.name}", base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(lua.name).unlink()
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    took = float(re.search(r"requests in ([\d.]+)s", out).group(1))  # type: ignore[union-attr]
    bad = int(failed.group(1)) if failed else 0
    if bad or errors:
        statuses = ", ".join(re.findall(r"status (\d+: \d+)", out))
        socket = errors and errors.group(1)
        print(f"  ({surface}: {bad} non-2xx answers {statuses}; socket errors: {socket})")
    return (total - bad) / took


async def drained(base: str, *, most_seconds: float = 300) -> None:
    """Wait until the outbox's consumers have done the work the wrk runs left them (the
    `slotbook_outbox_backlog` gauge is 0), so that the sequential CPU figures count only
    their own bookings' share. A no-op when the server runs no jobs."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        deadline = time.monotonic() + most_seconds
        while time.monotonic() < deadline:
            found = re.search(
                r"^slotbook_outbox_backlog ([\d.e+]+)$", (await http.get("/metrics")).text, re.M
            )
            if found is None or float(found.group(1)) == 0:
                return
            await asyncio.sleep(0.5)  # polling the backlog, not waiting for time to pass
        print(f"  (the outbox still held work after {most_seconds:.0f} s)")


def server_pid(base: str) -> int:
    """The process serving `base` (started with `--port <port>` on its command line)."""
    port = base.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--port" in argv and argv[argv.index(b"--port") + 1] == port.encode():
                return int(entry.name)
    raise LookupError(base)


def machine_busy(run: Callable[[], float]) -> tuple[float, float]:
    """`run()`'s result, and the share of the machine's CPU time (every core, from
    /proc/stat) that was busy meanwhile: near 1, one more server process can only share
    the cores, not add to them."""

    def busy_and_total() -> tuple[int, int]:
        ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = ticks[3] + ticks[4]  # idle, iowait
        return sum(ticks) - idle, sum(ticks)

    busy, total = busy_and_total()
    result = run()
    busy_after, total_after = busy_and_total()
    return result, (busy_after - busy) / max(1, total_after - total)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


async def cpu_per_request(
    base: str,
    pid: int,
    count: int,
    request: Callable[[int], tuple[str, str, object]],
    profile: Path | None = None,
    *,
    drain: bool = False,
    status: int | None = None,
) -> float:
    """Milliseconds of server CPU per request, `count` requests one after the other, each
    answered `status` (None: any success); `profile`: py-spy samples the server meanwhile
    into that file (raw, folded stacks); `drain`: and the work they left the outbox's
    consumers, done after the last one."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for i in range(20):  # warm-up
            method, path, body = request(100_000 + i)
            await http.request(method, path, json=body)
        spy = None
        if profile:
            py_spy = str(Path(sys.executable).parent / "py-spy")
            options = ["-p", str(pid), "-f", "raw", "-o", str(profile), "-r", "200"]
            spy = await asyncio.create_subprocess_exec(
                py_spy, "record", *options, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        before = cpu_seconds(pid)
        for i in range(count):
            method, path, body = request(i)
            answer = await http.request(method, path, json=body)
            assert answer.is_success if status is None else answer.status_code == status, (
                answer.text
            )
        if drain:
            await drained(base)
        spent = (cpu_seconds(pid) - before) / count * 1000
        if spy:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            await spy.wait()
        return spent


def profile_summary(profile: Path, top: int = 24) -> str:
    """Shares of a py-spy raw profile's samples: each slotbook function (inclusive), and
    the time under SQLAlchemy, asyncpg and uvicorn/starlette/fastapi."""
    shares: Counter[str] = Counter()
    total = 0
    for line in profile.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = {re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")}
        shares.update({f: samples for f in frames if "(slotbook/" in f and "cli.py" not in f})
        for layer in ("sqlalchemy/", "asyncpg/", "fastapi/", "uvicorn/"):
            if any(layer in f for f in frames):
                shares[f"(any frame in {layer})"] += samples
    shares.pop("<module> (slotbook/__main__.py)", None)
    rows = [f"| {n / total:.0%} | `{frame}` |" for frame, n in shares.most_common(top)]
    return "| samples | function (inclusive) |\n|---|---|\n" + "\n".join(rows)


def slot(n: int) -> tuple[str, str]:
    return str(FIRST_DAY + timedelta(days=n // 23)), f"{n % 23:02d}:00"


async def setup(base: str, offset: int) -> tuple[str, str]:
    """A surface 001 owner (open 00:00-23:00 UTC) and a 002 provider, both ten years ahead
    (a wrk run of 10 s at 1,000/s would pass a year's 8,395 slots and meet 400s);
    their keys. `offset`: a fresh pair of names."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        who = f"owner{offset}"
        hours = {"calendar_owner_id": who, "start_time": "00:00", "end_time": "23:00"}
        assert (await http.post("/api/v1/availability", json=hours)).is_success
        page = await http.get(f"/book/owner/{who}")
        calendar = page.headers["location"].rsplit("/", 1)[1]
        patched = await http.patch(
            f"/api/v1/calendars/{calendar}/settings", json={"horizon_days": HORIZON_DAYS}
        )
        assert patched.is_success, patched.text
        made = await http.post(
            "/api/v1/providers",
            json={"name": "P", "email": f"p{offset}@example.com", "horizon_days": HORIZON_DAYS},
        )
        assert made.is_success, made.text
        return who, str(made.json()["id"])


def appointment(who: str) -> Callable[[int], tuple[str, str, object]]:
    def request(n: int) -> tuple[str, str, object]:
        day, hour = slot(n)
        body = {"calendar_owner_id": who, "invitee_name": "Ann", "invitee_email": "a@b.io"}
        return "POST", "/api/v1/appointments", body | {"date": day, "slot_start_time": hour}

    return request


def booking(who: str) -> Callable[[int], tuple[str, str, object]]:
    def request(n: int) -> tuple[str, str, object]:
        day, hour = slot(n)
        return "POST", "/api/v1/bookings", {"provider_id": int(who), "date": day, "time": hour}

    return request


def slot_read(who: str) -> Callable[[int], tuple[str, str, object]]:
    def request(n: int) -> tuple[str, str, object]:
        day, _ = slot(n % 2000)
        return "GET", f"/api/v1/slots?calendar_owner_id={who}&for_date={day}", None

    return request


@contextmanager
def bare_server(dsn: str) -> Iterator[str]:
    port = free_port()
    env = os.environ | {"BARE_DSN": dsn, "PYTHONPATH": str(ROOT / "bench")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:bookings_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/docs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)  # polling a starting process
        yield base
    finally:
        proc.terminate()
        proc.wait()


def _env(args: argparse.Namespace) -> dict[str, str]:
    return ENV | ({"SLOTBOOK_RUN_JOBS": "false"} if args.request_path_only else {})


async def load_both(
    base: str, args: argparse.Namespace
) -> tuple[dict[str, float], dict[str, float]]:
    """Bookings/s of 001 and 002 under wrk on `base`, and how busy the machine's cores
    were during each run."""
    who = dict(zip(("001", "002"), await setup(base, 1), strict=True))
    rate, busy = {}, {}
    for surface in who:
        rate[surface], busy[surface] = machine_busy(
            lambda s=surface: wrk(base, s, who[s], args.seconds, args.connections)
        )
    return rate, busy


async def rates_with(
    url: str, args: argparse.Namespace, workers: int
) -> tuple[dict[str, float], dict[str, float]]:
    """`load_both` on `workers` server processes on one port."""
    with running_servers(url, count=1, env=_env(args), workers=workers) as (base,):
        return await load_both(base, args)


async def measure_slotbook(
    url: str, args: argparse.Namespace, profile: Path | None
) -> tuple[dict[str, float], dict[str, float]]:
    """slotbook's bookings/s under wrk and CPU per request, on the database at `url`."""
    with running_servers(url, count=1, env=_env(args)) as (base,):
        rate, busy = await load_both(base, args)
        print(
            "the machine's CPU busy during the wrk runs: "
            + ", ".join(f"{b:.0%}" for b in busy.values())
        )
        jobs = not args.request_path_only
        if jobs:
            await drained(base)
        pid = server_pid(base)
        who_001, who_002 = await setup(base, 2)
        cpu = {
            "001": await cpu_per_request(
                base, pid, args.sequential, appointment(who_001), drain=jobs
            ),
            "002": await cpu_per_request(
                base, pid, args.sequential, booking(who_002), profile, drain=jobs
            ),
            "001 slots": await cpu_per_request(base, pid, args.sequential, slot_read(who_001)),
        }
    return rate, cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--sequential", type=int, default=1000)
    parser.add_argument(
        "--no-profile", action="store_true", help="skip py-spy during the sequential 002 run"
    )
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="slotbook on its default SQLite file instead (no bare endpoint: it is asyncpg's); "
        "prints, does not write RESULTS.md",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="slotbook's server processes on one port (uvicorn --workers); with more than "
        "one, bookings/s only, printed beside one process's from the same run",
    )
    parser.add_argument(
        "--request-path-only",
        action="store_true",
        help="slotbook runs no background jobs (SLOTBOOK_RUN_JOBS=false: the outbox's "
        "consumers, who write the letters and webhooks, would run in another instance): "
        "the requests' own cost; written to its own section",
    )
    args = parser.parse_args()
    profile = None if args.no_profile else Path(tempfile.mkdtemp()) / "booking-002.txt"
    load_before = os.getloadavg()
    if args.workers > 1:
        async with fresh_database("postgresql") as url:
            many, busy_many = await rates_with(url, args, args.workers)
        async with fresh_database("postgresql") as url:
            one, busy_one = await rates_with(url, args, 1)
        print(
            f"PostgreSQL, c={args.connections}, bookings/s (the machine's CPU busy): "
            + "; ".join(
                f"{s} {one[s]:,.0f} with one process ({busy_one[s]:.0%}), {many[s]:,.0f} "
                f"with {args.workers} ({busy_many[s]:.0%}; {many[s] / one[s]:.2f}x)"
                for s in ("001", "002")
            )
            + f"; load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
        )
        return
    if args.sqlite:
        async with fresh_database("sqlite") as url:
            rate, cpu = await measure_slotbook(url, args, profile)
        print(
            f"SQLite, c={args.connections}: 001 {rate['001']:,.0f}/s, 002 {rate['002']:,.0f}/s; "
            f"CPU per booking 001 {cpu['001']:.2f} ms, 002 {cpu['002']:.2f} ms; "
            f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
        )
        return
    async with fresh_database("postgresql") as url:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        rate, cpu = await measure_slotbook(url, args, profile)
        with bare_server(dsn) as bare:
            bare_rate = wrk(bare, "002", "1", args.seconds, args.connections)
            cpu["bare"] = await cpu_per_request(
                bare, server_pid(bare), args.sequential, booking("2")
            )
    load = os.getloadavg()
    rows = [
        f"| {name} | {rate[s]:,.0f} | {bare_rate:,.0f} | {rate[s] / bare_rate:.0%} "
        f"| {cpu[s]:.2f} | {cpu['bare']:.2f} |"
        for s, name in (
            ("001", "001 POST /api/v1/appointments"),
            ("002", "002 POST /api/v1/bookings"),
        )
    ]
    header = (
        f"| booking | slotbook bookings/s (wrk c={args.connections}) | bare bookings/s "
        "| ratio | slotbook CPU ms/booking | bare CPU ms/booking |\n|---|---|---|---|---|---|"
    )
    loads = f"load average {load_before[0]:.1f} before, {load[0]:.1f} after (2 cores, shared)"
    text = "\n".join([header, *rows])
    text += f"\n\n001 `/slots` read: {cpu['001 slots']:.2f} ms CPU per request; {loads}."
    if profile:
        text += (
            "\n\npy-spy over the sequential 002 bookings (server process, 200 Hz; the share"
            " of samples with each function on the stack):\n\n" + profile_summary(profile)
        )
    print(text)
    apart = args.request_path_only
    write_section(
        "compare-request-path" if apart else "compare",
        "## slotbook vs the bare endpoint (PostgreSQL, one process each"
        + (", slotbook's background jobs off" if apart else "")
        + ")\n\n"
        "`bench/compare.py`: `wrk -t1 -c64` for "
        f"{args.seconds} s per target with a new slot per request; CPU from "
        f"`/proc/<pid>/stat` over {args.sequential} sequential requests.\n\n" + text,
    )


if __name__ == "__main__":
    asyncio.run(main())
