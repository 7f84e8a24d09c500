"""Who may book a calendar and see it: a 004 provider's calendar is for signed-in
patients (unless its provider opens it), on every surface; nobody sees a 004 provider's
email or appointments without being allowed to manage that calendar."""

import pytest
import websockets

from tests.support.accounts import Account, sign_up

DAY = "2031-01-20"  # a Monday
POLICY_VIOLATION = 1008


@pytest.fixture
async def provider(client) -> Account:
    doctor = await sign_up(client, "provider", "doc@example.com")
    week = {"general_schedule": {"times": [{"days": "M-F", "start": "9am", "end": "5pm"}]}}
    answer = await client.post(
        f"/providers/{doctor.id}/availability", json=week, headers=doctor.headers
    )
    assert answer.status_code == 200
    return doctor


async def calendar_of(client, provider: Account) -> int:
    admin = await sign_up(client, "admin", "root@example.com")
    [entry] = (await client.get("/providers", headers=admin.headers)).json()
    return entry["calendar_id"]


async def open_calendar(client, provider: Account, who: str = "anyone") -> None:
    answer = await client.put(
        f"/providers/{provider.id}/booking-policy",
        json={"who_may_book": who},
        headers=provider.headers,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["who_may_book"] == who


async def test_a_004_calendar_refuses_anonymous_bookings_on_002(client, provider):
    calendar_id = await calendar_of(client, provider)
    body = {"provider_id": calendar_id, "date": DAY, "time": "10:00"}
    refused = await client.post("/api/v1/bookings", json=body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "patients_only" and "error" in refused.json()
    await open_calendar(client, provider)
    assert (await client.post("/api/v1/bookings", json=body)).status_code == 201
    await open_calendar(client, provider, "signed_in_patients")
    body["time"] = "11:00"
    assert (await client.post("/api/v1/bookings", json=body)).status_code == 403


async def test_a_004_calendar_is_neither_shown_nor_booked_on_the_pages(client, provider):
    calendar_id = await calendar_of(client, provider)
    page = await client.get(f"/book/calendar/{calendar_id}")
    assert page.status_code == 404
    for path in (f"/api/v1/calendars/{calendar_id}", f"/api/v1/calendars/{calendar_id}/slots"):
        answer = await client.get(path, params={"date": DAY})
        assert answer.status_code == 403 and answer.json()["code"] == "patients_only"
    booking = {"start_at": f"{DAY}T10:00:00+00:00", "name": "Eve", "email": "eve@example.com"}
    refused = await client.post(f"/api/v1/calendars/{calendar_id}/bookings", json=booking)
    assert refused.status_code == 403
    await open_calendar(client, provider)
    assert (await client.get(f"/book/calendar/{calendar_id}")).status_code == 200
    made = await client.post(f"/api/v1/calendars/{calendar_id}/bookings", json=booking)
    assert made.status_code == 201


async def test_a_004_calendar_is_not_opened_on_the_board(server):
    async with server.http() as http:
        doctor = await sign_up(http, "provider", "doc@example.com")
        admin = await sign_up(http, "admin", "root@example.com")
        [entry] = (await http.get("/providers", headers=admin.headers)).json()
    async with server.board(calendar=entry["calendar_id"], date=DAY) as board:
        error = await board.receive()
        assert error["type"] == "error"
        assert error["message"].startswith("This calendar is for signed-in patients only")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await board.receive()
    assert closed.value.rcvd.code == POLICY_VIOLATION
    assert doctor.id


async def reserve_at_ten(client, provider: Account) -> dict:
    """A new patient's reservation of 10:00 on DAY with `provider`."""
    patient = await sign_up(client, "patient")
    answer = await client.post(
        "/appointments/reserve",
        json={"provider_id": provider.id, "start_time": f"{DAY}T10:00:00+00:00"},
        headers=patient.headers,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_patients_still_reserve_a_004_calendar(client, provider):
    assert (await reserve_at_ten(client, provider))["status"] == "reserved"


async def test_only_the_provider_may_open_their_calendar(client, provider):
    other = await sign_up(client, "provider", "other@example.com")
    patient = await sign_up(client, "patient")
    body = {"who_may_book": "anyone"}
    path = f"/providers/{provider.id}/booking-policy"
    assert (await client.put(path, json=body, headers=other.headers)).status_code == 403
    assert (await client.put(path, json=body, headers=patient.headers)).status_code == 403
    assert (await client.put(path, json=body)).status_code == 401
    bad = await client.put(path, json={"who_may_book": "everyone"}, headers=provider.headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("mode", ["open", "strict"])
async def test_the_provider_list_hides_004_emails_from_who_may_not_manage_them(
    client, settings, provider, mode
):
    settings.auth = mode
    admin = await sign_up(client, "admin", "root@example.com")
    stranger = await sign_up(client, "provider", "stranger@example.com")
    created = await client.post(
        "/api/v1/providers",
        json={"name": "Public", "email": "public@example.com"},
        headers=admin.headers,
    )
    assert created.status_code == 201
    calendar_id = await calendar_of_doc(client, admin)

    async def emails(headers: dict[str, str] | None) -> dict[int, str | None]:
        listed = await client.get("/api/v1/providers", headers=headers)
        assert listed.status_code == 200, listed.text
        one = await client.get(f"/api/v1/providers/{calendar_id}", headers=headers)
        shown = {p["id"]: p["email"] for p in listed.json()}
        assert shown[calendar_id] == one.json()["email"]
        return shown

    public_id = created.json()["id"]
    for viewer in (None, stranger.headers):
        if viewer is None and mode == "strict":
            continue
        shown = await emails(viewer)
        assert shown[calendar_id] is None
        assert shown[public_id] == "public@example.com"
    assert (await emails(admin.headers))[calendar_id] == "doc@example.com"
    assert (await emails(provider.headers))[calendar_id] == "doc@example.com"


async def calendar_of_doc(client, admin: Account) -> int:
    listed = (await client.get("/providers", headers=admin.headers)).json()
    return next(p["calendar_id"] for p in listed if p["email"] == "doc@example.com")


async def test_open_mode_booking_lists_hide_004_appointments(client, provider):
    held = await reserve_at_ten(client, provider)
    public = await client.post("/api/v1/providers", json={"name": "P", "email": "p@example.com"})
    made = await client.post(
        "/api/v1/bookings", json={"provider_id": public.json()["id"], "date": DAY, "time": "10:00"}
    )
    assert made.status_code == 201
    everyone = await client.get("/api/v1/bookings")
    assert [b["id"] for b in everyone.json()] == [made.json()["id"]]
    admin = await sign_up(client, "admin", "root@example.com")
    calendar_id = await calendar_of_doc(client, admin)
    by_admin = await client.get("/api/v1/bookings", headers=admin.headers)
    assert {b["id"] for b in by_admin.json()} == {made.json()["id"], held["slot_id"]}
    one = await client.get(f"/api/v1/bookings?provider_id={calendar_id}")
    assert one.status_code == 403
    mine = await client.get(f"/api/v1/bookings?provider_id={calendar_id}", headers=provider.headers)
    assert [b["id"] for b in mine.json()] == [held["slot_id"]]
