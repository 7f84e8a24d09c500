"""Series through the API (SQLite and PostgreSQL): every occurrence or none, each one
passing the same rules as a single booking, each failure named; each occurrence an
ordinary booking; the series token reads and cancels. The DST property is in
test_series_property, the race in test_concurrency_series."""

from typing import Any

import httpx
import pytest

from tests.support.events import create_event
from tests.support.owners import owner_calendar, set_rules

MONDAY = "2031-01-20"  # the test clock's now is Wednesday 2031-01-15 08:00 UTC


async def provider(client: httpx.AsyncClient, name: str = "dana", **rules: object) -> int:
    """A surface 002 provider (any time of day, 60-minute bookings, UTC) with `rules`."""
    body = {"name": name, "email": f"{name}@example.com"}
    made = await client.post("/api/v1/providers", json=body)
    assert made.status_code == 201, made.text
    if rules:
        await set_rules(client, made.json()["id"], **rules)
    return int(made.json()["id"])


async def series(
    client: httpx.AsyncClient,
    calendar_id: int,
    rrule: str = "FREQ=WEEKLY;COUNT=8",
    start: str = f"{MONDAY}T09:00",
    email: str = "bob@example.com",
) -> httpx.Response:
    body = {"start": start, "rrule": rrule, "name": "Bob", "email": email}
    return await client.post(f"/api/v1/calendars/{calendar_id}/series", json=body)


async def active_bookings(client: httpx.AsyncClient, calendar_id: int) -> list[dict[str, Any]]:
    listed = await client.get("/api/v1/bookings", params={"provider_id": calendar_id})
    assert listed.status_code == 200, listed.text
    return [b for b in listed.json() if b["status"] in ("confirmed", "pending", "held")]


async def book(client: httpx.AsyncClient, calendar_id: int, day: str, time: str) -> None:
    body = {"provider_id": calendar_id, "date": day, "time": time}
    made = await client.post("/api/v1/bookings", json=body)
    assert made.status_code == 201, made.text


async def test_a_weekly_series_books_every_occurrence_as_an_ordinary_booking(client):
    calendar_id = await provider(client)
    made = await series(client, calendar_id)
    assert made.status_code == 201, made.text
    body = made.json()
    assert set(body) >= {"id", "token", "bookings"}
    starts = [b["start_at"] for b in body["bookings"]]
    assert starts == [f"2031-{m}T09:00:00+00:00" for m in _weekly_mondays(8)]
    assert {b["status"] for b in body["bookings"]} == {"confirmed"}
    # listed like any booking of the calendar
    assert len(await active_bookings(client, calendar_id)) == 8
    # each is manageable alone by its own token
    first = body["bookings"][0]
    assert (await client.get(f"/api/v1/bookings/{first['booking_token']}")).status_code == 200
    assert (await client.delete(f"/api/v1/bookings/{first['booking_token']}")).status_code == 204
    shown = (await client.get(f"/api/v1/series/{body['token']}")).json()
    assert [b["status"] for b in shown["bookings"]] == ["cancelled"] + ["confirmed"] * 7
    assert shown["rrule"] == "FREQ=WEEKLY;COUNT=8" and shown["start"] == f"{MONDAY}T09:00"


def _weekly_mondays(count: int) -> list[str]:
    from datetime import date, timedelta

    return [(date(2031, 1, 20) + timedelta(weeks=n)).strftime("%m-%d") for n in range(count)]


async def test_a_series_whose_seventh_occurrence_is_taken_books_nothing_and_names_it(client):
    calendar_id = await provider(client)
    await book(client, calendar_id, "2031-03-03", "09:00")  # the 7th Monday from 01-20
    refused = await series(client, calendar_id)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "series_conflict"
    assert body["conflicts"] == [
        {
            "start_at": "2031-03-03T09:00:00+00:00",
            "reason": "slot_taken",
            "message": "Slot already booked",
        }
    ]
    assert "1 of 8 occurrences" in body["detail"]
    assert len(await active_bookings(client, calendar_id)) == 1  # only the one before


async def test_every_failing_occurrence_is_listed(client):
    calendar_id = await provider(client, buffer_after_minutes=30)
    await book(client, calendar_id, "2031-01-27", "09:00")  # 2nd: taken
    await book(client, calendar_id, "2031-02-10", "08:00")  # 4th: inside its buffer
    refused = await series(client, calendar_id, "FREQ=WEEKLY;COUNT=5")
    assert refused.status_code == 409
    assert [(c["start_at"][:10], c["reason"]) for c in refused.json()["conflicts"]] == [
        ("2031-01-27", "slot_taken"),
        ("2031-02-10", "inside_buffer"),
    ]
    assert len(await active_bookings(client, calendar_id)) == 2


async def test_a_series_may_not_pass_a_per_booker_weekly_limit(client):
    calendar_id = await provider(client, max_per_booker_per_week=1)
    refused = await series(client, calendar_id, "FREQ=DAILY;COUNT=3")
    assert refused.status_code == 409
    conflicts = refused.json()["conflicts"]
    assert [(c["start_at"][:10], c["reason"]) for c in conflicts] == [
        ("2031-01-21", "limit_reached"),
        ("2031-01-22", "limit_reached"),
    ]
    assert await active_bookings(client, calendar_id) == []
    # one a week is fine, and another booker is counted apart
    assert (await series(client, calendar_id, "FREQ=WEEKLY;COUNT=4")).status_code == 201
    other = await series(client, calendar_id, "FREQ=WEEKLY;COUNT=4", start=f"{MONDAY}T11:00")
    assert other.status_code == 409  # bob again
    carol = await series(
        client, calendar_id, "FREQ=WEEKLY;COUNT=4", start=f"{MONDAY}T11:00", email="c@x.io"
    )
    assert carol.status_code == 201


async def test_a_series_may_not_pass_a_weekly_limit_with_what_is_already_booked(client):
    calendar_id = await provider(client, max_per_week=2)
    await book(client, calendar_id, "2031-02-05", "15:00")  # the 3rd week has one already
    refused = await series(client, calendar_id, "FREQ=WEEKLY;BYDAY=MO,TU;COUNT=8")
    assert refused.status_code == 409
    assert [c["start_at"][:10] for c in refused.json()["conflicts"]] == ["2031-02-04"]
    assert len(await active_bookings(client, calendar_id)) == 1


async def test_occurrences_outside_the_hours_or_horizon_are_conflicts(client):
    calendar_id = await owner_calendar(client, hours=("09:00", "17:00"), horizon_days=30)
    refused = await series(client, calendar_id, "FREQ=WEEKLY;COUNT=6")
    assert refused.status_code == 409
    reasons = [c["reason"] for c in refused.json()["conflicts"]]
    assert reasons == ["beyond_horizon", "beyond_horizon"]  # 02-17 and 02-24
    early = await series(client, calendar_id, "FREQ=DAILY;COUNT=2", start=f"{MONDAY}T07:00")
    assert [c["reason"] for c in early.json()["conflicts"]] == ["outside_hours"] * 2


async def test_a_series_on_an_approval_calendar_is_pending_throughout(client):
    calendar_id = await provider(client, requires_approval=True)
    made = await series(client, calendar_id, "FREQ=WEEKLY;COUNT=3")
    assert made.status_code == 201
    assert {b["status"] for b in made.json()["bookings"]} == {"pending"}


async def test_deleting_a_series_cancels_its_future_occurrences(client, clock):
    calendar_id = await provider(client)
    token = (await series(client, calendar_id, "FREQ=WEEKLY;COUNT=4")).json()["token"]
    clock.advance(days=6)  # past the first Monday
    cancelled = await client.delete(f"/api/v1/series/{token}")
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled"
    assert [b["status"] for b in body["bookings"]] == ["confirmed"] + ["cancelled"] * 3
    assert len(await active_bookings(client, calendar_id)) == 1


async def test_one_occurrence_is_managed_through_the_series_token(client):
    calendar_id = await provider(client)
    made = (await series(client, calendar_id, "FREQ=WEEKLY;COUNT=3")).json()
    token, second = made["token"], made["bookings"][1]["id"]
    shown = await client.get(f"/api/v1/series/{token}/bookings/{second}")
    assert shown.status_code == 200 and shown.json()["id"] == second
    assert (await client.delete(f"/api/v1/series/{token}/bookings/{second}")).status_code == 204
    statuses = [
        b["status"] for b in (await client.get(f"/api/v1/series/{token}")).json()["bookings"]
    ]
    assert statuses == ["confirmed", "cancelled", "confirmed"]
    again = await client.delete(f"/api/v1/series/{token}/bookings/{second}")
    assert again.status_code == 409
    other = await provider(client, "erin")
    stranger = (await series(client, other, "FREQ=WEEKLY;COUNT=1")).json()["bookings"][0]["id"]
    missing = await client.get(f"/api/v1/series/{token}/bookings/{stranger}")
    assert missing.status_code == 404
    assert (await client.get("/api/v1/series/not-a-token")).json()["code"] == "series_not_found"


@pytest.mark.parametrize(
    ("rrule", "named"),
    [
        ("FREQ=WEEKLY;COUNT=4;BYMONTHDAY=3", "BYMONTHDAY is not supported"),
        ("FREQ=YEARLY;COUNT=2", "FREQ must be DAILY, WEEKLY or MONTHLY"),
        ("FREQ=WEEKLY", "exactly one of COUNT and UNTIL"),
        ("FREQ=WEEKLY;COUNT=53", "COUNT must be a whole number from 1 to 52"),
        ("FREQ=DAILY;UNTIL=20310501", "at most 52 occurrences"),
        ("FREQ=WEEKLY;UNTIL=20330101", "UNTIL must be within the booking horizon"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL must be YYYYMMDD"),
        ("FREQ=WEEKLY;COUNT=2;BYDAY=1MO", "BYDAY takes plain weekdays"),
        ("FREQ=WEEKLY;INTERVAL=0;COUNT=2", "INTERVAL must be a whole number"),
        ("FREQ=WEEKLY;COUNT=2;COUNT=3", "COUNT is given twice"),
        ("weekly", "is not NAME=VALUE"),
    ],
)
async def test_a_rule_outside_the_subset_is_refused_naming_it(client, rrule, named):
    calendar_id = await provider(client)
    refused = await series(client, calendar_id, rrule)
    assert refused.status_code == 422, refused.text
    assert named in refused.json()["detail"]
    assert await active_bookings(client, calendar_id) == []


async def test_until_is_inclusive_and_bounds_the_series(client):
    calendar_id = await provider(client)
    made = await series(client, calendar_id, "FREQ=WEEKLY;INTERVAL=2;UNTIL=20310303")
    assert made.status_code == 201
    assert [b["start_at"][:10] for b in made.json()["bookings"]] == [
        "2031-01-20",
        "2031-02-03",
        "2031-02-17",
        "2031-03-03",
    ]


async def test_bad_series_input_is_a_clear_4xx(client):
    calendar_id = await provider(client)
    path = f"/api/v1/calendars/{calendar_id}/series"
    base = {
        "start": f"{MONDAY}T09:00",
        "rrule": "FREQ=DAILY;COUNT=2",
        "name": "B",
        "email": "b@x.io",
    }
    with_offset = await client.post(path, json=base | {"start": f"{MONDAY}T09:00+01:00"})
    assert with_offset.status_code == 422 and "without an offset" in with_offset.text
    assert (await client.post(path, json=base | {"email": "nope"})).status_code == 422
    unknown = await client.post("/api/v1/calendars/999999/series", json=base)
    assert unknown.status_code == 404
    event = await create_event(client)
    on_event = await client.post(f"/api/v1/calendars/{event['id']}/series", json=base)
    assert on_event.status_code == 422 and "calendar time" in on_event.json()["detail"]
