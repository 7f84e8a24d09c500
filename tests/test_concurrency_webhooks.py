"""Webhooks from real server processes: every committed booking's event is delivered,
none twice by two instances, none lost to a process killed right after commit."""

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.accounts import sign_up_at
from tests.support.databases import wipe
from tests.support.receiver import receiving
from tests.support.servers import free_port, running_servers, spawn, wait_until_up
from tests.support.webhook_flow import WEBHOOK_ENV, subscribe, until_received

FIRST_DAY = (datetime.now(UTC) + timedelta(days=2)).date()
BOOKINGS = 200


def slot(i: int) -> dict[str, str]:
    """The i-th distinct provider slot: 24 a day from FIRST_DAY."""
    return {
        "date": (FIRST_DAY + timedelta(days=i // 24)).isoformat(),
        "time": f"{i % 24:02d}:00",
    }


async def book_many(http: httpx.AsyncClient, bases: list[str], count: int) -> list[int]:
    """`count` provider bookings on distinct slots, alternating between `bases`; ids."""
    provider = await http.post(
        f"{bases[0]}/api/v1/providers", json={"name": "Dr Who", "email": "who@example.com"}
    )
    provider_id = provider.json()["id"]
    answers = await asyncio.gather(
        *(
            http.post(
                f"{bases[i % len(bases)]}/api/v1/bookings",
                json={"provider_id": provider_id} | slot(i),
            )
            for i in range(count)
        )
    )
    assert Counter(a.status_code for a in answers) == {201: count}
    return [a.json()["id"] for a in answers]


@pytest.fixture
async def postgresql(postgresql_url: str) -> str:
    await wipe(postgresql_url)
    return postgresql_url


async def test_two_processes_deliver_two_hundred_bookings_once_each(postgresql):
    limits = httpx.Limits(max_connections=50)
    with running_servers(postgresql, 2, env=WEBHOOK_ENV) as bases:
        async with receiving() as receiver, httpx.AsyncClient(timeout=60, limits=limits) as http:
            _, admin = await sign_up_at(http, bases[0], "admin", "admin@example.com")
            hook = await subscribe(http, bases[1], admin, receiver.url)
            ids = await book_many(http, bases, BOOKINGS)
            await until_received(receiver, lambda r: len(r.received) >= BOOKINGS, patience=120)
    payloads = [r.verified(hook["secret"]) for r in receiver.received]
    assert len(receiver.received) == BOOKINGS
    assert len({r.id for r in receiver.received}) == BOOKINGS  # no webhook-id twice
    assert sorted(p["data"]["booking"]["id"] for p in payloads) == sorted(ids)
    assert {p["type"] for p in payloads} == {"booking.created"}


async def test_events_committed_before_a_sigkill_are_delivered_after_restart(database_url):
    port = free_port()  # the receiver's, down while the first process runs
    url = f"http://127.0.0.1:{port}/hook"
    proc, base = spawn(database_url, env=WEBHOOK_ENV)
    try:
        wait_until_up(base, proc)
        async with httpx.AsyncClient(timeout=60) as http:
            _, admin = await sign_up_at(http, base, "admin", "admin@example.com")
            hook = await subscribe(http, base, admin, url)
            ids = await book_many(http, [base], 20)
    finally:
        proc.send_signal(signal.SIGKILL)  # right after the commits, deliveries pending
        proc.wait(timeout=10)
    async with receiving(port=port) as receiver:
        with running_servers(database_url, 1, env=WEBHOOK_ENV):
            # failed first attempts come due within 6 s; a send cut off by the kill, once
            # its 60 s lease has run out
            await until_received(receiver, lambda r: len(r.delivered()) >= 20, patience=120)
    payloads = [r.verified(hook["secret"]) for r in receiver.delivered()]
    assert sorted(p["data"]["booking"]["id"] for p in payloads) == sorted(ids)
    assert len({r.id for r in receiver.delivered()}) == 20
