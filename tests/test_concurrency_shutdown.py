"""SIGTERM to `slotbook serve --workers 2` under a stream of requests: every request is
answered or refused; none is accepted and then reset."""

import asyncio
import signal

import httpx

from tests.support.live import PATIENCE
from tests.support.servers import spawn, wait_until_up

CLIENTS = 4


async def until_refused(base: str, outcomes: dict[str, int], started: asyncio.Event) -> None:
    """Ask on a new connection each time, until the server refuses to connect."""
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=PATIENCE, limits=no_reuse) as http:
        while True:
            try:
                response = await http.get("/api/v1/providers")
            except httpx.ConnectError:
                outcomes["refused"] += 1
                return
            except httpx.TransportError as exc:  # accepted, then reset or dropped
                outcomes[type(exc).__name__] += 1
                continue
            outcomes[str(response.status_code)] += 1
            if outcomes["200"] >= 5 * CLIENTS:
                started.set()


async def test_requests_during_a_shutdown_are_answered_or_refused_never_reset(sqlite_url):
    proc, base = spawn(sqlite_url, workers=2)
    try:
        await asyncio.to_thread(wait_until_up, base, proc)
        outcomes: dict[str, int] = {"200": 0, "refused": 0}
        outcomes = __import__("collections").Counter(outcomes)
        started = asyncio.Event()
        clients = [
            asyncio.create_task(until_refused(base, outcomes, started)) for _ in range(CLIENTS)
        ]
        async with asyncio.timeout(PATIENCE):
            await started.wait()
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(3 * PATIENCE):
            await asyncio.gather(*clients)
        assert await asyncio.to_thread(proc.wait, 3 * PATIENCE) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert set(outcomes) == {"200", "refused"}, outcomes
    assert outcomes["refused"] == CLIENTS
