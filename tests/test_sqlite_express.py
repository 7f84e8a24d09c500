"""On SQLite a booking on a calendar the process keeps is one write transaction run on the
connection's own thread (`booking_writes.claim_at_once_on_sqlite`): it writes what a unit
of work writes, exactly as SQLAlchemy stores it, and leaves to a unit of work (which says
why) whatever it cannot settle — a buffer or a stale hold in its way."""

import asyncio
import sqlite3
from collections.abc import Awaitable, Iterable
from datetime import date
from typing import Any

import pytest

from slotbook.engine import CalendarDay, Engine
from slotbook.realtime.change_log import ChangeLogBroker
from slotbook.settings import Settings
from slotbook.store.db import Database
from tests.support.owners import appointment, owner_calendar
from tests.test_providers import DAY, book, new_provider
from tests.test_waitlist import TEN, entry, join

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No background jobs: no sweeper expires a stale hold before a booking meets it."""
    return settings.model_copy(update={"run_jobs": False})


@pytest.fixture
def express(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each express claim of the test answered: the new booking's id, or None where
    it wrote nothing and the booking was left to a unit of work."""
    answers: list[Any] = []
    write_at_once = Database.write_at_once

    async def answering(self: Database, work: Any) -> Any:
        answer = await write_at_once(self, work)
        answers.append(answer)
        return answer

    monkeypatch.setattr(Database, "write_at_once", answering)
    return answers


def raw_rows(database_url: str, sql: str) -> list[dict[str, Any]]:
    """Rows as SQLite itself holds them (text, integers), by column."""
    with sqlite3.connect(database_url.split("///", 1)[1]) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql)]


async def test_an_express_booking_is_stored_as_a_unit_of_work_stores_one(
    client, database_url, express
):
    provider = await new_provider(client)
    assert (await book(client, provider, "09:00")).status_code == 201
    quick = (await book(client, provider, "10:00")).json()
    assert express[-1] == quick["id"]
    tried = len(express)
    slow = (await book(client, provider, "11:00", **{"Idempotency-Key": "by-a-unit"})).json()
    assert len(express) == tried  # a request with a key is answered by a unit of work

    bookings = {r["id"]: r for r in raw_rows(database_url, "SELECT * FROM bookings")}
    made, written = bookings[quick["id"]], bookings[slow["id"]]
    assert (made["start_at"], made["end_at"]) == (
        f"{DAY} 10:00:00.000000",
        f"{DAY} 11:00:00.000000",
    )
    assert (written["start_at"], written["end_at"]) == (
        f"{DAY} 11:00:00.000000",
        f"{DAY} 12:00:00.000000",
    )
    differing = {"id", "start_at", "end_at", "token_hash"}
    assert {k: v for k, v in made.items() if k not in differing} == {
        k: v for k, v in written.items() if k not in differing
    }

    events = {r["booking_id"]: r for r in raw_rows(database_url, "SELECT * FROM outbox_events")}
    differing = {"id", "event_id", "booking_id", "booking", "manage_token"}
    assert {k: v for k, v in events[quick["id"]].items() if k not in differing} == {
        k: v for k, v in events[slow["id"]].items() if k not in differing
    }
    assert events[quick["id"]]["booking"].startswith(f'{{"id":{quick["id"]},')

    news = raw_rows(database_url, "SELECT origin, calendar_id, day, created_at FROM change_log")
    assert len(news) == 3 and news[1] == news[2]  # one row per booking, the same day


async def test_a_buffer_in_the_way_is_left_to_a_unit_of_work_which_refuses_for_it(client, express):
    await owner_calendar(client, hours=("08:00", "18:00"), buffer_after_minutes=30)
    assert (await appointment(client, "10:00")).status_code == 200
    refused = await appointment(client, "11:00")  # inside 10:00-11:00's 30 minutes after
    assert (refused.status_code, refused.json()["code"]) == (409, "inside_buffer")
    assert express[-1] is None
    made = await appointment(client, "12:00")
    assert made.status_code == 200, made.text
    assert express[-1] == made.json()["appointment_id"]
    taken = await appointment(client, "12:00")
    assert (taken.status_code, taken.json()["detail"]) == (409, "Slot already booked")
    assert express[-1] is None


async def test_a_stale_hold_in_the_way_is_left_to_a_unit_of_work_which_expires_it(
    client, clock, express
):
    provider = await new_provider(client)
    cancelled = (await book(client, provider, "10:00", day=DAY)).json()
    ann = await join(client, {"calendar_id": provider, "start_at": TEN}, "Ann")
    assert (await client.delete(f"/api/v1/bookings/{cancelled['booking_token']}")).status_code
    assert (await entry(client, ann["token"]))["status"] == "offered"  # a hold for her
    clock.advance(minutes=60)  # her offer runs out; nothing has marked the hold expired
    made = await book(client, provider, "10:00", day=DAY)
    assert made.status_code == 201, made.text
    assert express[-1] is None
    assert (await entry(client, ann["token"]))["status"] == "lapsed"


async def test_another_process_on_the_file_hears_of_an_express_booking(
    client, settings, clock, express
):
    heard: set[CalendarDay] = set()

    def deliver(days: Iterable[CalendarDay]) -> Awaitable[None]:
        heard.update(days)
        served: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        served.set_result(None)
        return served

    async def resync() -> None:
        raise AssertionError("no news was missed")

    other = Engine(settings, Database(settings.database_url), clock)
    try:
        follower = ChangeLogBroker(other, deliver, resync)
        await follower.caught_up()  # from the last news written
        provider = await new_provider(client)
        assert (await book(client, provider, "09:00")).status_code == 201
        heard.clear()
        made = await book(client, provider, "10:00")
        assert express[-1] == made.json()["id"]
        await follower.caught_up()
    finally:
        await other.db.dispose()
    assert heard == {CalendarDay(provider, date.fromisoformat(DAY))}
