"""Property: on any zone's transition day, every slot a surface lists can be booked, and
booking it stores the instant its wall time means in that zone (SQLite and PostgreSQL).

Hypothesis draws a zone and a local date on which its UTC offset changes (any zone, any
change from 2025 to 2035), a slot length, and opening hours around the change. Through
real servers, every slot listed by surface 001 (`/slots`; its bookings name `HH:00`
only, so the others of 30- and 45-minute grids are booked on the other surfaces),
surface 004 (`time-slots`, booked back by its wall time), the pages' API and the live
board is booked, and the stored start is compared with an oracle that reads the zone
only from UTC to wall time.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slotbook.settings import Settings
from tests.support.accounts import sign_up
from tests.support.clock import FrozenClock
from tests.support.live import LiveServer, live_server
from tests.support.zones import TICK, Change, Oracle, transition_days, wall

ServerFor = Callable[[int], Awaitable[LiveServer]]

#: Examples per backend: each books some 20 slots on four surfaces (1-4 s).
EXAMPLES = 8


@pytest.fixture
async def servers(settings: Settings, clock: FrozenClock) -> AsyncIterator[ServerFor]:
    """A real server per slot length (001 and 004 calendars take theirs from settings),
    started when first asked for, all on the test's database and clock."""
    async with AsyncExitStack() as stack:
        started: dict[int, LiveServer] = {}

        async def server_for(minutes: int) -> LiveServer:
            if minutes not in started:
                lengths = {
                    "default_slot_duration_minutes": minutes,
                    "reservation_slot_minutes": minutes,
                }
                running = live_server(settings.model_copy(update=lengths), clock)
                started[minutes] = await stack.enter_async_context(running)
            return started[minutes]

        yield server_for


class Case:
    """One drawn example: a zone's transition day, a slot length, opening hours."""

    def __init__(self, day: tuple[str, date, list[Change]], minutes: int, lead: int) -> None:
        self.name, self.day, nearby = day
        self.zone = ZoneInfo(self.name)
        self.oracle = Oracle(self.zone, nearby)
        self.length = timedelta(minutes=minutes)
        edges = [wall(c.at - TICK, self.zone) for c in nearby] + [
            wall(c.at, self.zone) for c in nearby
        ]
        hour = min((e.hour for e in edges if e.date() == self.day), default=0)
        self.open = max(0, min(hour - lead, 19))
        self.close = self.open + 4
        self.key = uuid.uuid4().hex[:12]

    def __repr__(self) -> str:
        return f"Case({self.name} {self.day} {self.length} {self.open}:00-{self.close}:00)"

    def local(self, clock: str) -> datetime:
        return datetime.combine(self.day, time.fromisoformat(clock))

    def expected(self) -> list[str]:
        """The wall times the grid must offer, by the oracle."""
        local = self.oracle.first_existing(self.local(f"{self.open:02}:00"))
        found = []
        while local + self.length <= self.local(f"{self.close:02}:00"):
            if self.oracle.plain(local, self.length):
                found.append(local.strftime("%H:%M"))
            local += self.length
        return found

    def check_stored(self, clock: str, stored: str) -> None:
        """The stored start is what wall time `clock` on the day means: the first
        occurrence from which the whole slot reads on one offset."""
        instant = datetime.fromisoformat(stored)
        assert instant == self.oracle.plain(self.local(clock), self.length)[0], (clock, stored)
        assert wall(instant, self.zone) == self.local(clock)


def days_across_midnight() -> list[tuple[str, date, list[Change]]]:
    """Transition days whose change skips or repeats a midnight."""
    return [
        (name, day, nearby)
        for name, day, nearby in transition_days()
        if any(
            wall(c.at - TICK, ZoneInfo(name)).date() != wall(c.at, ZoneInfo(name)).date()
            for c in nearby
        )
    ]


#: About half the draws are days whose midnight moves, where the grid once went wrong.
transition_day = st.deferred(
    lambda: st.sampled_from(list(transition_days())) | st.sampled_from(days_across_midnight())
)
cases = st.builds(
    Case,
    transition_day,
    st.sampled_from([30, 45, 60]),
    st.integers(0, 3),
)


async def owner_calendar(http: httpx.AsyncClient, case: Case, prefix: str) -> tuple[str, int]:
    owner = f"{prefix}-{case.key}"
    hours = {"start_time": f"{case.open:02}:00", "end_time": f"{case.close:02}:00"}
    body = {"calendar_owner_id": owner, "timezone": case.name} | hours
    assert (await http.post("/api/v1/availability", json=body)).status_code == 200
    page = await http.get(f"/book/owner/{owner}")
    return owner, int(page.headers["location"].rsplit("/", 1)[1])


async def stored_start(http: httpx.AsyncClient, token: str) -> str:
    return (await http.get(f"/api/v1/bookings/{token}")).json()["start_at"]


async def book_owner_slots(http: httpx.AsyncClient, case: Case) -> None:
    owner, _ = await owner_calendar(http, case, "owner")
    params = {"calendar_owner_id": owner, "for_date": str(case.day)}
    listed = (await http.get("/api/v1/slots", params=params)).json()["available_slots"]
    assert listed == case.expected()
    for clock in [c for c in listed if c.endswith(":00")]:  # 001 books `HH:00` only
        body = {
            "calendar_owner_id": owner,
            "invitee_name": "Ana",
            "invitee_email": "ana@example.com",
            "date": str(case.day),
            "slot_start_time": clock,
        }
        booked = await http.post("/api/v1/appointments", json=body)
        assert booked.status_code == 200, (clock, booked.text)
        case.check_stored(clock, await stored_start(http, booked.json()["booking_token"]))


async def book_page_slots(http: httpx.AsyncClient, case: Case) -> None:
    _, calendar_id = await owner_calendar(http, case, "page")
    day = await http.get(f"/api/v1/calendars/{calendar_id}/slots", params={"date": case.day})
    listed = day.json()["slots"]
    assert [s["start_time"] for s in listed] == case.expected()
    for slot in listed:
        body = {"start_at": slot["start_at"], "name": "Ana", "email": "ana@example.com"}
        booked = await http.post(f"/api/v1/calendars/{calendar_id}/bookings", json=body)
        assert booked.status_code == 201, (slot, booked.text)
        case.check_stored(slot["start_time"], booked.json()["start_at"])


async def book_board_slots(server: LiveServer, http: httpx.AsyncClient, case: Case) -> None:
    _, calendar_id = await owner_calendar(http, case, "board")
    async with server.board(calendar=calendar_id, date=str(case.day)) as board:
        slots = (await board.receive())["data"]["slots"]
        assert [s["start_time"] for s in slots] == case.expected()
        for slot in slots:
            await board.send({"type": "book_slot", "slot_id": slot["id"]})
            answer = await board.until(lambda m: m["type"] == "booking_response")
            assert answer["success"] is True, (slot, answer)
            stored = await stored_start(http, answer["booking_token"])
            case.check_stored(slot["start_time"], stored)


async def reserve_provider_slots(http: httpx.AsyncClient, case: Case) -> None:
    provider = await sign_up(http, "provider", f"provider-{case.key}@example.com")
    patient = await sign_up(http, "patient", f"patient-{case.key}@example.com")
    times = {"days": "M-Su", "start": f"{case.open}:00", "end": f"{case.close}:00"}
    schedule = {"start_date": str(case.day), "end_date": str(case.day), "times": [times]}
    body: dict[str, Any] = {"general_schedule": schedule, "timezone": case.name}
    path = f"/providers/{provider.id}"
    assert (await http.post(f"{path}/availability", json=body, headers=provider.headers)).is_success
    window = {"start_date": str(case.day), "end_date": str(case.day)}
    listed = (await http.get(f"{path}/time-slots", params=window, headers=patient.headers)).json()
    assert [s["start_time"][11:16] for s in listed] == case.expected()
    for slot in listed:
        wall_time = slot["start_time"][:19]  # booked back by its wall time, no offset
        body = {"provider_id": provider.id, "start_time": wall_time}
        held = await http.post("/appointments/reserve", json=body, headers=patient.headers)
        assert held.status_code == 200, (slot, held.text)
        assert held.json()["start_time"] == slot["start_time"]
        case.check_stored(slot["start_time"][11:16], held.json()["start_time"])
        confirm = {"slot_id": held.json()["slot_id"]}  # a patient holds only a few at once
        confirmed = await http.post("/appointments/confirm", json=confirm, headers=patient.headers)
        assert confirmed.status_code == 200, confirmed.text


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
async def test_every_listed_slot_books_the_instant_its_wall_time_means(
    servers: ServerFor, clock: FrozenClock, case: Case
):
    clock.set(datetime.combine(case.day - timedelta(days=2), time(12), UTC))
    server = await servers(int(case.length.total_seconds()) // 60)
    async with server.http() as http:
        await book_owner_slots(http, case)
        await book_page_slots(http, case)
        await book_board_slots(server, http, case)
        await reserve_provider_slots(http, case)
