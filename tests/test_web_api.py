"""JSON for the booking pages (`/api/v1/calendars/...`) and the pages' own routes."""

import re

import httpx
import pytest

DAY = "2031-01-20"  # a Monday after the clock's "now" (2031-01-15 08:00 UTC)


async def alice(client: httpx.AsyncClient, zone: str = "Europe/Berlin") -> int:
    """Surface 001's owner alice, 09:00-17:00 in `zone`; returns her calendar's id."""
    body = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
    assert (await client.post("/api/v1/availability", json=body | {"timezone": zone})).is_success
    page = await client.get("/book/owner/alice")
    assert page.status_code == 307
    return int(page.headers["location"].rsplit("/", 1)[1])


def booking(start_at: str = "2031-01-20T10:00:00+01:00", **extra: object) -> dict[str, object]:
    return {"start_at": start_at, "name": "Bob", "email": "bob@example.com"} | extra


async def test_a_calendar_tells_its_zone_kind_and_today(client):
    calendar_id = await alice(client)
    response = await client.get(f"/api/v1/calendars/{calendar_id}")
    assert response.status_code == 200
    assert response.json() | {"now": None} == {
        "id": calendar_id,
        "kind": "owner",
        "name": "alice",
        "timezone": "Europe/Berlin",
        "slot_minutes": 60,
        "event_date": None,
        "today": "2031-01-15",
        "now": None,
    }
    assert response.json()["now"].startswith("2031-01-15T08:00:00")


async def test_a_visitors_day_spans_the_calendar_days_it_overlaps(client):
    calendar_id = await alice(client)
    response = await client.get(
        f"/api/v1/calendars/{calendar_id}/slots",
        params={"date": DAY, "tz": "America/New_York"},
    )
    assert response.status_code == 200
    body = response.json()
    # New York's 20 January runs from 06:00 on the 20th to 06:00 on the 21st in Berlin.
    assert body["calendar_dates"] == ["2031-01-20", "2031-01-21"]
    assert body["visitor_timezone"] == "America/New_York"
    assert [s["start_time"] for s in body["slots"]] == [f"{h:02d}:00" for h in range(9, 17)]
    assert body["slots"][0] == {
        "start_at": "2031-01-20T09:00:00+01:00",
        "end_at": "2031-01-20T10:00:00+01:00",
        "date": "2031-01-20",
        "start_time": "09:00",
        "end_time": "10:00",
    }


async def test_a_visitor_far_east_sees_the_calendars_evening_on_their_next_day(client):
    calendar_id = await alice(client, zone="America/New_York")
    slots = await client.get(
        f"/api/v1/calendars/{calendar_id}/slots", params={"date": DAY, "tz": "Asia/Tokyo"}
    )
    # Tokyo's 20 January is 19 January 10:00 to 20 January 10:00 in New York.
    body = slots.json()
    assert body["calendar_dates"] == ["2031-01-19", "2031-01-20"]
    assert [(s["date"], s["start_time"]) for s in body["slots"]] == [
        ("2031-01-19", f"{h:02d}:00") for h in range(10, 17)
    ] + [("2031-01-20", "09:00")]


async def test_a_day_with_nothing_free_names_the_next_day_that_has_free_times(client):
    calendar_id = await alice(client)
    path = f"/api/v1/calendars/{calendar_id}/slots"
    # "now" is 09:00 in Berlin on the 15th: the 14th has passed, the 15th still has 10:00.
    past = (await client.get(path, params={"date": "2031-01-14"})).json()
    assert past["slots"] == []
    assert past["next_free_date"] == "2031-01-15"
    assert (await client.get(path, params={"date": DAY})).json()["next_free_date"] is None
    # Tokyo is eight hours ahead of Berlin: Berlin's 10:00 on the 15th is 18:00 there.
    tokyo = await client.get(path, params={"date": "2031-01-14", "tz": "Asia/Tokyo"})
    assert tokyo.json()["next_free_date"] == "2031-01-15"


async def test_booked_times_are_left_out_of_the_free_slots(client):
    calendar_id = await alice(client)
    appointment = {
        "calendar_owner_id": "alice",
        "invitee_name": "Carol",
        "invitee_email": "carol@example.com",
        "date": DAY,
        "slot_start_time": "10:00",
    }
    assert (await client.post("/api/v1/appointments", json=appointment)).status_code == 200
    slots = await client.get(f"/api/v1/calendars/{calendar_id}/slots", params={"date": DAY})
    assert "10:00" not in [s["start_time"] for s in slots.json()["slots"]]
    assert len(slots.json()["slots"]) == 7


async def test_booking_a_free_slot_returns_the_manage_token_and_shows_on_its_surface(client):
    calendar_id = await alice(client)
    response = await client.post(f"/api/v1/calendars/{calendar_id}/bookings", json=booking())
    assert response.status_code == 201
    body = response.json()
    assert len(body["booking_token"]) >= 43
    assert body["start_at"] == "2031-01-20T10:00:00+01:00"
    assert (body["date"], body["start_time"], body["status"]) == (DAY, "10:00:00", "confirmed")
    assert (body["attendee_name"], body["email"]) == ("Bob", "bob@example.com")
    managed = await client.get(f"/api/v1/bookings/{body['booking_token']}")
    assert managed.json() == body
    listed = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert [(a["date"], a["start_time"], a["invitee_email"]) for a in listed.json()] == [
        (DAY, "10:00", "bob@example.com")
    ]


async def test_the_same_instant_written_in_utc_books_the_same_slot(client):
    calendar_id = await alice(client)
    path = f"/api/v1/calendars/{calendar_id}/bookings"
    assert (await client.post(path, json=booking("2031-01-20T09:00:00Z"))).status_code == 201
    again = await client.post(path, json=booking("2031-01-20T10:00:00+01:00"))
    assert again.status_code == 409
    assert again.json() == {"detail": "Slot already booked", "code": "slot_taken"}


async def test_a_retry_with_the_same_idempotency_key_books_once(client):
    calendar_id = await alice(client)
    path = f"/api/v1/calendars/{calendar_id}/bookings"
    headers = {"Idempotency-Key": "page-retry-1"}
    first = await client.post(path, json=booking(), headers=headers)
    second = await client.post(path, json=booking(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    listed = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert len(listed.json()) == 1


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (booking("2031-01-20T08:00:00+01:00"), 400, "Invalid time"),
        (booking("2031-01-20T10:30:00+01:00"), 400, "not on the calendar's 60-minute grid"),
        (booking("2031-01-14T10:00:00+01:00"), 400, "That time is in the past"),
        (booking("2031-01-20T10:00:00"), 422, "start_at"),
        (booking("9999-12-31T23:30:00Z"), 422, "start_at"),
        (booking(email="not-an-email"), 422, "email"),
        (booking(name=""), 422, "name"),
        ({"start_at": "2031-01-20T10:00:00+01:00"}, 422, "Missing required field: name"),
    ],
)
async def test_a_bad_booking_is_refused_naming_the_problem(client, body, status, says):
    calendar_id = await alice(client)
    response = await client.post(f"/api/v1/calendars/{calendar_id}/bookings", json=body)
    assert response.status_code == status
    assert says in response.json()["detail"]
    listed = await client.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert listed.json() == []


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/api/v1/calendars/999", 404, "Calendar not found"),
        ("/api/v1/calendars/abc", 422, "calendar_id"),
        ("/api/v1/calendars/99999999999", 422, "calendar_id"),
        ("/api/v1/calendars/999/slots?date=2031-01-20", 404, "Calendar not found"),
        ("/api/v1/calendars/{id}/slots", 422, "Missing required field: date"),
        ("/api/v1/calendars/{id}/slots?date=20-01-2031", 422, "date"),
        ("/api/v1/calendars/{id}/slots?date=0001-01-01", 422, "date"),
        ("/api/v1/calendars/{id}/slots?date=2031-01-20&tz=Mars/Olympus", 422, "time zone"),
        ("/api/v1/calendars/{id}/slots?date=2031-01-20&tz=../../etc", 422, "time zone"),
    ],
)
async def test_bad_reads_are_4xx_naming_the_problem(client, path, status, says):
    calendar_id = await alice(client)
    response = await client.get(path.replace("{id}", str(calendar_id)))
    assert response.status_code == status
    assert says in response.json()["detail"]


async def test_an_unknown_calendar_cannot_be_booked(client):
    response = await client.post("/api/v1/calendars/999/bookings", json=booking())
    assert response.status_code == 404
    assert response.json()["detail"] == "Calendar not found"


async def test_a_calendar_page_is_html_that_loads_only_this_servers_scripts(client):
    calendar_id = await alice(client)
    page = await client.get(f"/book/calendar/{calendar_id}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    linked = re.search(r'<script type="module" src="(/static/\w+/book\.js)">', page.text)
    assert linked is not None
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    script = await client.get(linked[1])
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_assets_are_gzipped_and_cached_for_good_under_their_version(client):
    page = await client.get("/board")
    style = re.search(r'href="(/static/\w+/style\.css)"', page.text)
    assert style is not None
    versioned = await client.get(style[1], headers={"Accept-Encoding": "gzip"})
    assert versioned.status_code == 200
    assert versioned.headers["content-encoding"] == "gzip"
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "--focus" in versioned.text  # httpx unzipped it
    # The same module's imports resolve under the same version.
    module = await client.get(style[1].replace("style.css", "api.js"))
    assert module.status_code == 200
    unversioned = await client.get("/static/style.css")
    assert unversioned.headers["cache-control"] == "no-cache"
    assert unversioned.headers["etag"]
    again = await client.get(
        "/static/style.css", headers={"If-None-Match": unversioned.headers["etag"]}
    )
    assert again.status_code == 304


async def test_the_favicon_is_served(client):
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"


@pytest.mark.parametrize("path", ["/board", "/manage/some-token"])
async def test_the_board_and_manage_pages_are_served(client, path):
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/book/calendar/999", "/book/calendar/abc", "/book/event/999", "/book/owner/nobody"]
)
async def test_a_page_for_nothing_is_a_404_page(client, path):
    page = await client.get(path)
    assert page.status_code == 404
    assert "There is no calendar or event at this address" in page.text


async def test_a_calendar_opened_as_an_event_is_sent_to_its_calendar_page(client):
    calendar_id = await alice(client)
    page = await client.get(f"/book/event/{calendar_id}")
    assert page.status_code == 307
    assert page.headers["location"] == f"/book/calendar/{calendar_id}"


async def workshop(client: httpx.AsyncClient) -> int:
    """An event of surface 003; returns its id."""
    slot = {"start_time": "10:00", "end_time": "11:00", "max_capacity": 2}
    body = {"name": "Workshop", "event_date": DAY, "time_slots": [slot]}
    return (await client.post("/api/v1/events", json=body)).json()["id"]


async def test_an_event_is_described_but_booked_by_its_time_slots(client):
    event_id = await workshop(client)
    described = await client.get(f"/api/v1/calendars/{event_id}")
    assert (described.json()["kind"], described.json()["event_date"]) == ("event", DAY)
    for response in (
        await client.get(f"/api/v1/calendars/{event_id}/slots", params={"date": DAY}),
        await client.post(
            f"/api/v1/calendars/{event_id}/bookings", json=booking("2031-01-20T10:00:00Z")
        ),
    ):
        assert response.status_code == 422
        assert "is an event: book one of its time slots" in response.json()["detail"]


async def test_an_event_opened_as_a_calendar_is_sent_to_its_event_page(client):
    event_id = await workshop(client)
    page = await client.get(f"/book/calendar/{event_id}")
    assert page.status_code == 307
    assert page.headers["location"] == f"/book/event/{event_id}"
    assert (await client.get(f"/book/event/{event_id}")).status_code == 200
