"""The HTTP layer's CPU per request, in process: everything but the server and the work.

    .venv/bin/python bench/http_layer.py [--requests 1000] [--rounds 10]

`create_app` on a fresh SQLite database, driven by raw ASGI calls (no client, no server,
so neither is counted), with logging set up as `slotbook serve` sets it (the access line
written to /dev/null). For each request kind, `--rounds` batches of `--requests`
requests; the process CPU (`time.process_time`) per request of the least disturbed batch
and the median one, and Python function calls per request (cProfile's count: exact, the
figure to compare on a busy machine):
- `POST /api/v1/bookings` (002) with the booking itself replaced by a fixed answer: the
  middleware, route lookup, dependencies and rate limit, body parsing, the error-style
  route and the JSON answer;
- the same path with a body that is not an object (a 400 raised by the endpoint, before
  any database work), a path no route has (404) and a method the path does not allow
  (405).
"""

import argparse
import asyncio
import cProfile
import json
import logging.config
import os
import pstats
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from harness import create_sqlite_database

from slotbook.app import create_app
from slotbook.engine import Engine
from slotbook.observability.logs import logging_config
from slotbook.settings import Settings
from slotbook.surfaces.bookings import bookings
from slotbook.surfaces.http.shared import Reply

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
BOOKED = {
    "id": 1,
    "provider_id": 1,
    "date": "2031-01-20",
    "time": "14:00:00",
    "end_time": "15:00:00",
    "status": "confirmed",
    "created_at": "2031-01-19T10:00:00+00:00",
    "booking_token": "x" * 43,
}
#: (name, method, path, JSON body, status)
REQUESTS = [
    (
        "POST /api/v1/bookings (002, booking stubbed)",
        "POST",
        "/api/v1/bookings",
        {"provider_id": 1, "date": "2031-01-20", "time": "14:00"},
        201,
    ),
    ("POST /api/v1/bookings [] (400)", "POST", "/api/v1/bookings", [], 400),
    ("GET /api/v1/nothing (404)", "GET", "/api/v1/nothing", None, 404),
    ("DELETE /api/v1/slots (405)", "DELETE", "/api/v1/slots", None, 405),
]


async def stubbed_booking(engine: Engine, body: dict[str, Any], key: str | None) -> Reply:
    return Reply(201, dict(BOOKED))


async def call(app: App, method: str, path: str, body: object) -> int:
    """One request through the app as uvicorn would make it; the answer's status."""
    raw = json.dumps(body).encode() if body is not None else b""
    headers = [(b"host", b"slotbook.test"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    if body is not None:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(raw))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": raw, "more_body": False}]
    status = 0

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(app: App, request: tuple[str, str, object, int], count: int) -> float:
    """Microseconds of process CPU per request over `count` requests."""
    method, path, body, status = request
    started = time.process_time()
    for _ in range(count):
        assert await call(app, method, path, body) == status
    return (time.process_time() - started) / count * 1e6


async def calls_per_request(app: App, request: tuple[str, str, object, int]) -> float:
    method, path, body, _ = request
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(100):
        await call(app, method, path, body)
    profile.disable()
    return pstats.Stats(profile).total_calls / 100  # type: ignore[attr-defined]


def log_as_serve_does() -> None:
    """`slotbook serve`'s logging, its lines written to /dev/null."""
    log_config = logging_config("text")
    log_config["handlers"]["stderr"]["stream"] = open(os.devnull, "w")  # noqa: SIM115
    logging.config.dictConfig(log_config)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    log_as_serve_does()
    bookings.book_provider_time = stubbed_booking  # type: ignore[assignment]
    url = create_sqlite_database(Path(tempfile.mkdtemp()))
    lifted = "100000000 per minute"
    settings = Settings(
        database_url=url, run_jobs=False, rate_limit_bookings_per_address=lifted, _env_file=None
    )
    load_before = os.getloadavg()
    print("| request (in process) | CPU us/request: best / median batch | function calls |")
    print("|---|---|---|")
    async with LifespanManager(create_app(settings)) as manager:
        app: App = manager.app
        for name, *request in REQUESTS:
            kind = (request[0], request[1], request[2], request[3])
            await measure(app, kind, 100)  # warm-up: routes build their handlers lazily
            batches = [await measure(app, kind, args.requests) for _ in range(args.rounds)]
            calls = await calls_per_request(app, kind)
            best, median = min(batches), statistics.median(batches)
            print(f"| {name} | {best:.0f} / {median:.0f} | {calls:.0f} |")
    load = os.getloadavg()
    print(f"\nload average {load_before[0]:.2f} before, {load[0]:.2f} after (2 cores, shared)")


if __name__ == "__main__":
    asyncio.run(main())
