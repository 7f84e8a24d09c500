"""Every surface's booking changes reach a webhook as exactly their documented events.

A real `slotbook serve` process (the real clock) sends to a real receiver on loopback;
each delivery is checked with the Standard Webhooks verifier. Hold expiry, which needs
time to pass, is checked on an in-process server with the test's clock.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from standardwebhooks.webhooks import WebhookVerificationError
from websockets.asyncio.client import connect

from slotbook.settings import Settings
from slotbook.store.tables import outbox_events
from tests.support.accounts import bearer, sign_in, sign_up, sign_up_at
from tests.support.clock import FrozenClock
from tests.support.live import BoardClient, LiveServer
from tests.support.receiver import Received, receiving
from tests.support.servers import running_servers
from tests.support.webhook_flow import WEBHOOK_ENV, subscribe, until_received

DAY = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
WRONG_SECRET = "whsec_" + "QUJD" * 8


async def outbox_size(database_url: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (
                await conn.execute(select(func.count()).select_from(outbox_events))
            ).scalar_one()
    finally:
        await engine.dispose()


def verified(received: list[Received], secret: str) -> list[dict]:
    """Every delivery's payload, each checked with the verifier (and refused under a
    wrong secret)."""
    payloads = []
    for delivery in received:
        payloads.append(delivery.verified(secret))
        with pytest.raises(WebhookVerificationError):
            delivery.verified(WRONG_SECRET)
    return payloads


async def test_a_booking_on_each_surface_makes_exactly_its_documented_event(database_url):
    with running_servers(database_url, 1, env=WEBHOOK_ENV) as (base,):
        async with receiving() as receiver, httpx.AsyncClient(base_url=base, timeout=60) as http:
            _, admin = await sign_up_at(http, base, "admin", "admin@example.com")
            hook = await subscribe(http, base, admin, receiver.url)
            expected: list[tuple[str, int]] = []

            # 001: an owner's appointment
            hours = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
            assert (await http.post("/api/v1/availability", json=hours)).status_code == 200
            appointment = await http.post(
                "/api/v1/appointments",
                json={
                    "calendar_owner_id": "alice",
                    "invitee_name": "Bob",
                    "invitee_email": "bob@example.com",
                    "date": DAY,
                    "slot_start_time": "10:00",
                },
            )
            assert appointment.status_code == 200, appointment.text
            expected.append(("booking.created", appointment.json()["appointment_id"]))
            token = appointment.json()["booking_token"]
            calendar_id = (await http.get(f"/api/v1/bookings/{token}")).json()["calendar_id"]

            # 000: the live board, opened on that calendar
            ws_url = base.replace("http://", "ws://") + "/slot-booking"
            async with connect(f"{ws_url}?calendar={calendar_id}&date={DAY}") as ws:
                board = BoardClient(ws)
                await board.receive()
                await board.send({"type": "book_slot", "slot_id": 11})
                answer = await board.until(lambda m: m["type"] == "booking_response")
            assert answer["success"], answer
            expected.append(("booking.created", answer["booking_id"]))

            # the pages' API
            page = await http.post(
                f"/api/v1/calendars/{calendar_id}/bookings",
                json={"start_at": f"{DAY}T13:00:00+00:00", "name": "Eve", "email": "e@x.org"},
            )
            assert page.status_code == 201, page.text
            expected.append(("booking.created", page.json()["id"]))

            # 002: a provider booking, then moved by its token
            provider = await http.post(
                "/api/v1/providers", json={"name": "Dr Who", "email": "who@example.com"}
            )
            booked = await http.post(
                "/api/v1/bookings",
                json={"provider_id": provider.json()["id"], "date": DAY, "time": "12:00"},
            )
            assert booked.status_code == 201, booked.text
            expected.append(("booking.created", booked.json()["id"]))
            moved = await http.put(
                f"/api/v1/bookings/{booked.json()['booking_token']}",
                json={"new_time": "14:00"},
            )
            assert moved.status_code == 200, moved.text
            expected.append(("booking.moved", booked.json()["id"]))

            # 003: an event seat, then cancelled by its token
            event = await http.post(
                "/api/v1/events",
                json={
                    "name": "Conf",
                    "event_date": DAY,
                    "time_slots": [{"start_time": "09:00", "end_time": "10:00", "max_capacity": 5}],
                },
            )
            seat = await http.post(
                "/api/v1/bookings",
                json={"attendee_name": "Ada", "time_slot_id": event.json()["time_slots"][0]["id"]},
            )
            assert seat.status_code == 201, seat.text
            expected.append(("booking.created", seat.json()["id"]))
            cancelled = await http.delete(f"/api/v1/bookings/{seat.json()['booking_token']}")
            assert cancelled.status_code == 204
            expected.append(("booking.cancelled", seat.json()["id"]))

            # 004: a patient's hold, then confirmed
            doctor_id, doctor = await sign_up_at(http, base, "provider", "doc@example.com")
            every_day = {
                "general_schedule": {"times": [{"days": "M-Su", "start": "9am", "end": "5pm"}]}
            }
            assert (
                await http.post(
                    f"/providers/{doctor_id}/availability", json=every_day, headers=doctor
                )
            ).status_code == 200
            _, patient = await sign_up_at(http, base, "patient", "pat@example.com")
            held = await http.post(
                "/appointments/reserve",
                json={"provider_id": doctor_id, "start_time": f"{DAY}T09:00:00+00:00"},
                headers=patient,
            )
            assert held.status_code == 200, held.text
            expected.append(("booking.held", held.json()["slot_id"]))
            confirmed = await http.post(
                "/appointments/confirm", json={"slot_id": held.json()["slot_id"]}, headers=patient
            )
            assert confirmed.status_code == 200, confirmed.text
            expected.append(("booking.confirmed", held.json()["slot_id"]))

            await until_received(receiver, lambda r: len(r.delivered()) >= len(expected))
            moved_now = (
                await http.get(f"/api/v1/bookings/{booked.json()['booking_token']}")
            ).json()
    payloads = verified(receiver.received, hook["secret"])
    assert Counter((p["type"], p["data"]["booking"]["id"]) for p in payloads) == Counter(expected)
    assert len({r.id for r in receiver.received}) == len(expected)
    assert await outbox_size(database_url) == len(expected)  # nothing else was recorded
    move = next(p for p in payloads if p["type"] == "booking.moved")
    moved_now.pop("booking_token")
    assert move["data"]["booking"] == moved_now  # the booking as its token shows it
    assert move["data"]["booking"]["start_time"] == "14:00:00"
    assert datetime.fromisoformat(move["timestamp"]).tzinfo is not None
    assert all("booking_token" not in p["data"]["booking"] for p in payloads)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhook_allow_private": True, "dispatch_interval_seconds": 0.02}
    )


async def test_a_hold_that_runs_out_is_recorded_expired_by_the_sweeper_or_the_next_claim(
    server: LiveServer, clock: FrozenClock
):
    async with server.http() as http, receiving() as receiver:
        admin = await sign_up(http, "admin")
        hook = await http.post(
            "/api/v1/webhooks", json={"url": receiver.url}, headers=admin.headers
        )
        doctor = await sign_up(http, "provider", "doc@example.com")
        every_day = {
            "general_schedule": {"times": [{"days": "M-Su", "start": "9am", "end": "5pm"}]}
        }
        await http.post(
            f"/providers/{doctor.id}/availability", json=every_day, headers=doctor.headers
        )
        patient = await sign_up(http, "patient", "pat@example.com")

        async def reserve(at: str) -> int:
            headers = bearer(await sign_in(http, patient.email))  # tokens last 30 minutes too
            held = await http.post(
                "/appointments/reserve",
                json={"provider_id": doctor.id, "start_time": f"2031-01-20T{at}:00+00:00"},
                headers=headers,
            )
            assert held.status_code == 200, held.text
            return held.json()["slot_id"]

        swept, claimed_over = await reserve("09:00"), await reserve("10:00")
        await until_received(receiver, lambda r: len(r.delivered()) == 2)
        clock.advance(minutes=31)  # past the 30-minute grace period
        retaken = await reserve("10:00")  # the claim expires the stale hold it replaces
        # the sweeper (every SLOTBOOK_SWEEP_INTERVAL_SECONDS) expires the other one
        await until_received(receiver, lambda r: len(r.delivered()) == 5, patience=30)
    payloads = verified(receiver.received, hook.json()["secret"])
    seen = [(p["type"], p["data"]["booking"]["id"]) for p in payloads]
    assert Counter(seen) == Counter(
        [
            ("booking.held", swept),
            ("booking.held", claimed_over),
            ("booking.expired", claimed_over),
            ("booking.held", retaken),
            ("booking.expired", swept),
        ]
    )
    expired = [p for p in payloads if p["type"] == "booking.expired"]
    assert {p["data"]["booking"]["status"] for p in expired} == {"expired"}
