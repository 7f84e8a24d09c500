"""Webhooks: who may subscribe, what is refused, and delivery with retries.

Deliveries go to a real HTTP receiver on loopback from a real server in the test's event
loop, so the test's clock is the dispatcher's: retries come due when the test moves the
clock, never by sleeping.
"""

import asyncio
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import WebhookVerificationError

from slotbook.settings import Settings
from slotbook.store.outbox import outbox
from slotbook.store.tables import webhook_deliveries
from tests.support.accounts import Account, bearer, sign_in, sign_up
from tests.support.clock import FrozenClock
from tests.support.live import PATIENCE, LiveServer, live_server
from tests.support.receiver import Receiver, receiving

DAY = "2031-01-20"
ALL_EVENTS = [
    "booking.created",
    "booking.held",
    "booking.pending",
    "booking.confirmed",
    "booking.approved",
    "booking.declined",
    "booking.moved",
    "booking.cancelled",
    "booking.expired",
    "series.created",
    "series.cancelled",
    "waitlist.offered",
    "waitlist.accepted",
    "waitlist.lapsed",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhook_allow_private": True, "dispatch_interval_seconds": 0.02}
    )


async def provider_with_calendar(client: httpx.AsyncClient) -> tuple[dict, int]:
    """A 004 provider (who owns a calendar) and that calendar's id."""
    provider = await sign_up(client, "provider")
    admin = await sign_up(client, "admin")
    listed = await client.get("/providers", headers=admin.headers)
    calendar_id = next(p["calendar_id"] for p in listed.json() if p["id"] == provider.id)
    return {"account": provider, "admin": admin}, calendar_id


async def test_webhooks_need_a_bearer_token_even_in_open_mode(client):
    body = {"url": "https://example.com/hook"}
    assert (await client.post("/api/v1/webhooks", json=body)).status_code == 401
    assert (await client.get("/api/v1/webhooks")).status_code == 401
    assert (await client.delete("/api/v1/webhooks/1")).status_code == 401


async def test_a_new_webhook_shows_its_secret_once_and_defaults_to_every_event(client):
    who, calendar_id = await provider_with_calendar(client)
    headers = who["account"].headers
    made = await client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=headers
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ALL_EVENTS
    assert body["calendar_id"] == calendar_id  # the provider's own calendar
    assert body["disabled"] is False
    listed = (await client.get("/api/v1/webhooks", headers=headers)).json()
    assert [w["id"] for w in listed] == [body["id"]]
    assert "secret" not in listed[0]


async def test_only_a_calendars_owner_or_an_admin_subscribes_to_it(client):
    who, calendar_id = await provider_with_calendar(client)
    other = await sign_up(client, "provider", "other@example.com")
    patient = await sign_up(client, "patient")
    body = {"url": "http://127.0.0.1:9/hook", "calendar_id": calendar_id}
    by_other = await client.post("/api/v1/webhooks", json=body, headers=other.headers)
    assert by_other.status_code == 403
    no_calendar = await client.post(
        "/api/v1/webhooks", json={"url": body["url"]}, headers=patient.headers
    )
    assert no_calendar.status_code == 403
    assert "calendar" in no_calendar.json()["detail"]
    by_admin = await client.post("/api/v1/webhooks", json=body, headers=who["admin"].headers)
    assert by_admin.status_code == 201
    everything = await client.post(
        "/api/v1/webhooks", json={"url": body["url"]}, headers=who["admin"].headers
    )
    assert everything.json()["calendar_id"] is None  # an admin's default: every calendar


async def test_bad_subscriptions_are_422_naming_the_problem(client):
    admin = await sign_up(client, "admin")
    for body, words in (
        ({"url": "ftp://example.com/x"}, "http"),
        ({"url": "not a url"}, "http"),
        ({"url": "http://127.0.0.1:9/hook", "events": ["booking.exploded"]}, "events"),
        ({"url": "http://127.0.0.1:9/hook", "events": []}, "events"),
        ({"url": "http://user:pw@example.com/"}, "password"),
    ):
        response = await client.post("/api/v1/webhooks", json=body, headers=admin.headers)
        assert response.status_code == 422, (body, response.text)
        assert words in response.json()["detail"], response.json()


async def test_deleting_a_webhook_is_for_its_creator_or_an_admin(client):
    who, _ = await provider_with_calendar(client)
    made = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook"},
        headers=who["account"].headers,
    )
    path = f"/api/v1/webhooks/{made.json()['id']}"
    other = await sign_up(client, "patient")
    assert (await client.delete(path, headers=other.headers)).status_code == 404
    assert (await client.get(f"{path}/deliveries", headers=other.headers)).status_code == 404
    assert (await client.delete(path, headers=who["account"].headers)).status_code == 204
    assert (await client.delete(path, headers=who["account"].headers)).status_code == 404
    assert (await client.get("/api/v1/webhooks", headers=who["account"].headers)).json() == []


async def attempts_when(
    http: httpx.AsyncClient, webhook_id: int, headers: dict, done: Callable[[list], bool]
) -> list[dict]:
    """The webhook's delivery log once `done` says it is complete (with a deadline)."""
    async with asyncio.timeout(PATIENCE):
        while True:
            log = await http.get(
                f"/api/v1/webhooks/{webhook_id}/deliveries?limit=500", headers=headers
            )
            if done(log.json()):
                return log.json()
            await asyncio.sleep(0.02)  # polling the server's state


async def subscribed_admin(http: httpx.AsyncClient, receiver: Receiver) -> tuple[Account, dict]:
    """An admin, and their webhook for every calendar to `receiver`."""
    admin = await sign_up(http, "admin")
    hook = await http.post("/api/v1/webhooks", json={"url": receiver.url}, headers=admin.headers)
    assert hook.status_code == 201, hook.text
    return admin, hook.json()


async def provider_booking(http: httpx.AsyncClient, time: str = "10:00") -> dict:
    provider = await http.post("/api/v1/providers", json={"name": "Who", "email": "w@x.org"})
    booked = await http.post(
        "/api/v1/bookings", json={"provider_id": provider.json()["id"], "date": DAY, "time": time}
    )
    assert booked.status_code == 201, booked.text
    return booked.json()


async def test_a_failing_receiver_gets_the_same_event_again_until_it_answers_2xx(
    server: LiveServer, clock: FrozenClock
):
    async with server.http() as http, receiving([500, 500]) as receiver:
        admin, hook = await subscribed_admin(http, receiver)
        secret = hook["secret"]
        hook_id = hook["id"]
        booking = await provider_booking(http)
        await attempts_when(http, hook_id, admin.headers, lambda log: len(log) == 1)
        clock.advance(seconds=6)  # the first retry: 5 s, give or take 20 %
        await attempts_when(http, hook_id, admin.headers, lambda log: len(log) == 2)
        clock.advance(seconds=24)  # the second: 20 s, give or take 20 %
        attempts = await attempts_when(http, hook_id, admin.headers, lambda log: len(log) == 3)
        assert [r.status for r in receiver.received] == [500, 500, 200]
        assert len({r.id for r in receiver.received}) == 1
        payload = receiver.received[2].verified(secret)
        assert payload["type"] == "booking.created"
        assert payload["data"]["booking"]["id"] == booking["id"]
        with pytest.raises(WebhookVerificationError):
            receiver.received[2].verified("whsec_" + "A" * 43)
    assert [(a["attempt"], a["status_code"]) for a in attempts] == [(3, 200), (2, 500), (1, 500)]
    assert {a["event_id"] for a in attempts} == {receiver.received[0].id}
    assert all(a["delivery_status"] == "delivered" for a in attempts)
    assert attempts[0]["next_attempt_at"] is None
    assert attempts[1]["next_attempt_at"] is not None


async def test_redirects_are_not_followed_and_only_a_kilobyte_of_an_answer_is_kept(
    server: LiveServer, clock: FrozenClock
):
    async with server.http() as http, receiving([307, 500]) as receiver:
        admin, hook = await subscribed_admin(http, receiver)
        hook_id = hook["id"]
        await provider_booking(http)
        await attempts_when(http, hook_id, admin.headers, lambda log: len(log) == 1)
        clock.advance(seconds=6)
        log = await attempts_when(http, hook_id, admin.headers, lambda log: len(log) == 2)
    assert len(receiver.received) == 2  # /elsewhere was never asked
    assert [a["status_code"] for a in log] == [500, 307]
    assert all(a["delivery_status"] == "pending" for a in log)
    assert len(log[0]["response_body"]) == 1024  # of the 5,000 bytes answered


async def test_an_answer_slower_than_the_timeout_is_a_failure(
    settings: Settings, clock: FrozenClock
):
    quick = settings.model_copy(update={"webhook_timeout_seconds": 0.3})
    async with (
        live_server(quick, clock) as server,
        server.http() as http,
        receiving(delay=3) as receiver,
    ):
        admin, hook = await subscribed_admin(http, receiver)
        await provider_booking(http)
        log = await attempts_when(http, hook["id"], admin.headers, lambda log: len(log) == 1)
    assert log[0]["status_code"] is None
    assert log[0]["error"] == "timed out after 0.3 s"
    assert log[0]["delivery_status"] == "pending"


async def test_twenty_deliveries_in_a_row_failing_for_a_day_disable_the_endpoint(
    server: LiveServer, clock: FrozenClock
):
    async with server.http() as http, receiving(otherwise=500) as receiver:
        admin, hook = await subscribed_admin(http, receiver)
        hook_id = hook["id"]
        provider = await http.post("/api/v1/providers", json={"name": "P", "email": "p@x.org"})
        for hour in range(20):
            booked = await http.post(
                "/api/v1/bookings",
                json={"provider_id": provider.json()["id"], "date": DAY, "time": f"{hour:02d}:00"},
            )
            assert booked.status_code == 201
        await attempts_when(http, hook_id, admin.headers, lambda log: len(log) >= 1)
        # every 7 hours the probe is due again; its try after 24 h is its last, and the
        # deliveries held behind it, a day old too, fail with it
        for rounds in range(2, 6):
            clock.advance(hours=7)
            headers = bearer(await sign_in(http, admin.email))  # tokens last 30 minutes
            await attempts_when(
                http, hook_id, headers, lambda log, n=rounds: any(a["attempt"] == n for a in log)
            )
        async with asyncio.timeout(PATIENCE):
            while True:
                listed = (await http.get("/api/v1/webhooks", headers=headers)).json()
                if listed[0]["disabled"]:
                    break
                await asyncio.sleep(0.02)  # polling the server's state
        log = (
            await http.get(f"/api/v1/webhooks/{hook_id}/deliveries?limit=500", headers=headers)
        ).json()
    assert listed[0]["failed_in_a_row"] == 20
    assert {a["delivery_status"] for a in log} == {"failed"}
    retried = [a for a in log if a["attempt"] > 1]
    assert [a["attempt"] for a in retried] == [5, 4, 3, 2]  # one probe, one try a step
    assert len({a["event_id"] for a in retried}) == 1
    assert len(receiver.received) == len(log)


async def due_or_probing(server: LiveServer, webhook_id: int) -> int:
    """How many of the endpoint's pending deliveries are not held (due, or waiting for
    their back-off)."""
    query = select(func.count()).where(
        webhook_deliveries.c.webhook_id == webhook_id,
        webhook_deliveries.c.status == "pending",
        webhook_deliveries.c.next_attempt_at.is_not(None),
    )
    async with server.app.state.engine.unit() as uow:
        return (await uow.conn.execute(query)).scalar_one()


async def test_a_dead_endpoint_gets_one_attempt_per_back_off_step_then_everything_in_order(
    server: LiveServer, clock: FrozenClock
):
    """The circuit breaker: N due deliveries to a dead endpoint cost one attempt per
    back-off step, not N; when it answers again, all N arrive, each webhook-id once."""
    n = 12
    async with server.http() as http, receiving(otherwise=503) as receiver:
        admin, hook = await subscribed_admin(http, receiver)
        hook_id = hook["id"]
        provider = await http.post("/api/v1/providers", json={"name": "P", "email": "p@x.org"})
        provider_id = provider.json()["id"]

        async def book(hour: int) -> None:
            booked = await http.post(
                "/api/v1/bookings",
                json={"provider_id": provider_id, "date": DAY, "time": f"{hour:02d}:00"},
            )
            assert booked.status_code == 201, booked.text

        await book(0)
        await attempts_when(http, hook_id, admin.headers, lambda log: len(log) == 1)
        for hour in range(1, n):  # the endpoint is failing: these are held as they come
            await book(hour)
        async with server.app.state.engine.unit() as uow:
            assert (await outbox.backlog(uow)).size == n
        for step, wait in enumerate((6, 24, 96, 384), start=2):  # 5 s, 20 s, 80 s, 320 s + 20 %
            clock.advance(seconds=wait)
            await attempts_when(http, hook_id, admin.headers, lambda log, k=step: len(log) >= k)
            assert await due_or_probing(server, hook_id) == 1  # the rest are held
        assert len(receiver.received) == 5  # the first, then one per step: not n per step
        assert len({r.id for r in receiver.received}) == 1

        receiver.otherwise = 200
        clock.advance(seconds=1536)  # the probe's next step: 21 min 20 s + 20 %
        headers = bearer(await sign_in(http, admin.email))  # tokens last 30 minutes
        await attempts_when(http, hook_id, headers, lambda log: len(log) == 5 + n)
        async with server.app.state.engine.unit() as uow:
            assert (await outbox.backlog(uow)).size == 0
    delivered = receiver.delivered()
    assert len(delivered) == n
    assert len({r.id for r in delivered}) == n  # each webhook-id once
    assert delivered[0].id == receiver.received[0].id  # the probe first, then the rest


async def test_the_outbox_backlog_counts_undelivered_work_and_its_age(
    server: LiveServer, clock: FrozenClock
):
    engine = server.app.state.engine
    async with server.http() as http, receiving(otherwise=500) as receiver:
        admin, hook = await subscribed_admin(http, receiver)
        async with engine.unit() as uow:
            assert await outbox.backlog(uow) == outbox.Backlog(size=0, oldest_at=None)
        booked_at = clock.now
        await provider_booking(http)
        await attempts_when(http, hook["id"], admin.headers, lambda log: len(log) == 1)
        clock.advance(seconds=3)  # not yet due again
        async with engine.unit() as uow:
            waiting = await outbox.backlog(uow)
    assert waiting == outbox.Backlog(size=1, oldest_at=booked_at)  # one pending delivery
    assert waiting.oldest_age_seconds(clock.now) == 3
