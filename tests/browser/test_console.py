"""The owner's console (/console), signed in as a 004 provider or admin, on one server
for the whole module (each test makes accounts and calendars of its own).

The test clock stands at Wednesday 2031-01-15 08:00 UTC; calendars are in UTC.
"""

import re
from itertools import count

import httpx
from playwright.async_api import Page, expect

from tests.support.a11y import audit
from tests.support.accounts import PASSWORD, bearer, sign_in
from tests.support.web import screenshots, span

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
CLOSED = "2031-01-20"  # a Monday
THURSDAY = "2031-01-16"
NINE_TO_FIVE = [f"{h:02}:{m:02}" for h in range(9, 17) for m in (0, 15, 30, 45)]
#: within a second: what "live" promises
LIVE = 1000
people = count(1)


async def account(api: httpx.AsyncClient, role: str, admin: dict[str, str] | None = None) -> str:
    """A new account of `role` (an admin's made with the first admin's token); its email."""
    email = f"{role}{next(people)}@example.com"
    body = {"name": f"{role.title()} {email[:-12]}", "email": email, "password": PASSWORD}
    response = await api.post("/register", json=body | {"role": role}, headers=admin)
    assert response.status_code == 200, response.text
    return email


async def first_admin(api: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """The site's first admin (made by the first test that needs one)."""
    email = "admin0@example.com"
    body = {"name": "Admin", "email": email, "password": PASSWORD, "role": "admin"}
    await api.post("/register", json=body)  # 409 once it exists
    return email, bearer(await sign_in(api, email))


async def signed_in(person, email: str, screen: str = "") -> Page:
    page = await (await person()).new_page()
    await page.goto(f"/console{'#' + screen if screen else ''}")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("status")).to_contain_text("Signed in as")
    return page


async def calendar_of(api: httpx.AsyncClient, email: str) -> dict:
    [calendar] = (
        await api.get("/api/v1/calendars", headers=bearer(await sign_in(api, email)))
    ).json()
    return calendar


async def nine_to_five(page: Page) -> None:
    """Mon-Fri 09:00-17:00 (the ranges' defaults), CLOSED closed, saved."""
    for day in WEEKDAYS:
        await page.get_by_role("button", name=f"Add hours on {day}").click()
    await page.get_by_role("button", name="Add a date exception").click()
    await page.get_by_label("Date", exact=True).fill(CLOSED)
    await expect(page.get_by_label("Closed all day")).to_be_checked()


async def preview_of(page: Page, day: str) -> list[str]:
    return await page.locator(f'.preview-day[data-date="{day}"] li').all_inner_texts()


async def test_a_provider_sets_weekday_hours_with_a_closed_date_and_both_previews_agree(
    site_api, person
):
    email = await account(site_api, "provider")
    calendar = await calendar_of(site_api, email)
    page = await signed_in(person, email)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hours")
    await expect(page.locator("#preview-note")).to_have_text(re.compile("^0 free slots"))
    await nine_to_five(page)
    # the preview follows the editor before anything is saved
    await expect(page.locator("#preview-note")).to_have_text(
        re.compile(f"^{9 * 32} free slots in the next 14 days")  # 9 weekdays open
    )
    assert await preview_of(page, THURSDAY) == NINE_TO_FIVE
    await expect(page.locator(f'.preview-day[data-date="{CLOSED}"]')).to_contain_text("Closed")
    await expect(page.locator('.preview-day[data-date="2031-01-18"]')).to_contain_text("Closed")
    await audit(page, "console: hours being edited")
    await page.get_by_role("button", name="Save hours").click()
    await expect(page.get_by_role("status")).to_contain_text("Hours saved")
    await page.get_by_label(re.compile("^Anyone may book")).check()
    await expect(page.get_by_role("status")).to_contain_text("Anyone may now book")
    await screenshots(page, "console-hours")

    booking = await (await person()).new_page()
    await booking.goto(f"/book/calendar/{calendar['id']}")
    await booking.get_by_label("Day").fill(THURSDAY)
    radios = booking.get_by_role("radio")
    await expect(radios).to_have_count(len(NINE_TO_FIVE))
    names = [await r.get_attribute("value") for r in await radios.all()]
    assert [n[11:16] for n in names if n] == NINE_TO_FIVE
    await booking.get_by_label("Day").fill(CLOSED)
    await expect(booking.get_by_role("status")).to_have_text(
        "Monday, 20 January 2031: no free times."
    )
    await expect(radios).to_have_count(0)


async def test_a_settings_value_the_api_refuses_is_explained_beside_its_field(site_api, person):
    email = await account(site_api, "provider")
    page = await signed_in(person, email)
    buffer = page.get_by_label("Buffer before each booking (minutes)")
    await buffer.fill("5000")
    await page.get_by_role("button", name="Save settings").click()
    await expect(buffer).to_have_attribute("aria-invalid", "true")
    await expect(buffer).to_have_accessible_description(re.compile("at most a day"))
    await expect(buffer).to_be_focused()
    await buffer.fill("10")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_role("status")).to_have_text("Settings saved.")
    calendar = await calendar_of(site_api, email)
    saved = await site_api.get(f"/api/v1/calendars/{calendar['id']}/settings")
    assert saved.json()["buffer_before_minutes"] == 10


async def open_provider(api: httpx.AsyncClient) -> tuple[str, dict]:
    """A provider whose calendar anyone may book, open Mon-Fri 09:00-17:00."""
    email = await account(api, "provider")
    headers = bearer(await sign_in(api, email))
    calendar = await calendar_of(api, email)
    opened = await api.put(
        f"/providers/{calendar['user_id']}/booking-policy",
        json={"who_may_book": "anyone"},
        headers=headers,
    )
    assert opened.status_code == 200, opened.text
    hours = {"weekly": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]}
    saved = await api.put(f"/api/v1/calendars/{calendar['id']}/hours", json=hours, headers=headers)
    assert saved.status_code == 200, saved.text
    return email, calendar


async def book(api: httpx.AsyncClient, calendar_id: int, start_at: str, name: str) -> dict:
    made = await api.post(
        f"/api/v1/calendars/{calendar_id}/bookings",
        json={"start_at": start_at, "name": name, "email": f"{name.lower()}@example.com"},
    )
    assert made.status_code == 201, made.text
    return made.json()


async def test_a_booking_made_elsewhere_shows_live_and_the_provider_moves_and_cancels_it(
    site_api, person
):
    email, calendar = await open_provider(site_api)
    page = await signed_in(person, email, "bookings")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Bookings")
    await expect(page.locator("#live-note")).to_have_text(re.compile("^Live"))
    await expect(page.locator("#bookings-results")).to_have_text("No bookings match.")

    made = await book(site_api, calendar["id"], f"{THURSDAY}T10:00:00+00:00", "Ada")
    entry = page.locator("#bookings-results li", has_text="Ada")
    await expect(entry).to_contain_text(f"{span('10:00', '10:15')}", timeout=LIVE)
    await expect(page.get_by_role("status")).to_have_text(
        f"New booking: Ada, Thursday, 16 January 2031, {span('10:00', '10:15')}."
    )
    await audit(page, "console: bookings agenda")
    await screenshots(page, "console-bookings")

    booker = await (await person()).new_page()
    await booker.goto(f"/manage/{made['booking_token']}")
    await expect(booker.locator("#details")).to_contain_text(f"{span('10:00', '10:15')}")

    await entry.get_by_role("button", name=re.compile("^Open the booking of Ada")).click()
    panel = page.locator("#booking-panel")
    await expect(page.get_by_role("heading", name="Booking of Ada")).to_be_focused()
    await expect(panel.locator("#history")).to_contain_text("Booked")
    await panel.get_by_role("button", name="Move").click()
    await expect(page.get_by_label("Move to the day")).to_have_value(THURSDAY)
    await page.get_by_role("radio", name=f"{span('11:00', '11:15')}").check()
    await audit(page, "console: moving a booking")
    await screenshots(page, "console-booking-move")
    await page.get_by_role("button", name="Move here").click()
    await expect(page.get_by_role("status")).to_have_text(
        f"Moved to Thursday, 16 January 2031, {span('11:00', '11:15')}."
    )
    await expect(booker.locator("#details")).to_contain_text(f"{span('11:00', '11:15')}")
    await expect(panel.locator("#history li")).to_have_count(2)
    await expect(panel.locator("#history")).to_contain_text("Moved")

    await panel.get_by_role("button", name="Cancel booking").click()
    await page.get_by_role("button", name="Yes, cancel it").click()
    await expect(page.get_by_role("status")).to_have_text(
        f"Cancelled: Ada, Thursday, 16 January 2031, {span('11:00', '11:15')}."
    )
    await expect(panel.locator("#panel-status")).to_have_text("Cancelled")
    await expect(booker.locator("#details")).to_contain_text("Cancelled")
    await expect(panel.locator("#history li")).to_have_count(3)

    await page.get_by_role("button", name="List").click()
    await expect(page.locator("#bookings-table tbody tr")).to_have_count(1)
    await page.get_by_label("Status").select_option("confirmed")
    await expect(page.locator("#bookings-results")).to_have_text("No bookings match.")
    await page.get_by_label("Status").select_option("")
    await book(site_api, calendar["id"], f"{THURSDAY}T12:00:00+00:00", "Bob")
    await expect(page.locator("#bookings-table tbody tr")).to_have_count(2, timeout=LIVE)
    await page.get_by_label("Name or email").fill("bob@")
    await expect(page.locator("#bookings-table tbody tr")).to_have_count(1)
    async with page.expect_download() as download:
        await page.get_by_role("button", name="Export CSV").click()
    exported = (await (await download.value).path()).read_text()
    assert exported.splitlines()[1].split(",")[5:8] == ["Bob", "bob@example.com", "confirmed"]
    await audit(page, "console: bookings list")
    await screenshots(page, "console-bookings-list")


async def test_approving_a_pending_booking_confirms_it(site_api, person):
    email, calendar = await open_provider(site_api)
    headers = bearer(await sign_in(site_api, email))
    rules = await site_api.patch(
        f"/api/v1/calendars/{calendar['id']}/settings",
        json={"requires_approval": True},
        headers=headers,
    )
    assert rules.status_code == 200, rules.text
    made = await book(site_api, calendar["id"], f"{THURSDAY}T09:00:00+00:00", "Pat")
    assert made["status"] == "pending"
    page = await signed_in(person, email, "bookings")
    await page.get_by_label("Status").select_option("pending")
    entry = page.locator("#bookings-results li", has_text="Pat")
    await expect(entry).to_contain_text("Waiting for approval")
    await entry.get_by_role("button", name=re.compile("^Open")).click()
    await screenshots(page, "console-booking-pending")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("status")).to_have_text(
        f"Approved: Pat, Thursday, 16 January 2031, {span('09:00', '09:15')}."
    )
    await expect(page.locator("#panel-status")).to_have_text("Confirmed")
    await expect(page.locator("#history")).to_contain_text("Approved")
    seen = await site_api.get(f"/api/v1/bookings/{made['booking_token']}")
    assert seen.json()["status"] == "confirmed"


async def test_a_patient_is_refused_and_the_page_says_why(site_api, person):
    email = await account(site_api, "patient")
    page = await (await person()).new_page()
    answers = []
    page.on("response", lambda r: answers.append((r.url, r.status)))
    await page.goto("/console#bookings")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("a patient's account cannot use it")
    await expect(alert).to_contain_text("403")
    await expect(alert).to_be_focused()
    assert [s for u, s in answers if u.endswith("/api/v1/calendars?limit=100")] == [403]
    await expect(page.locator("#console")).to_be_hidden()
    await audit(page, "console: a patient refused")
    await screenshots(page, "console-patient-refused")


async def test_no_screen_shows_anything_before_signing_in_and_signing_out_clears_it(
    site_api, person
):
    page = await (await person()).new_page()
    for screen in ("", "#hours", "#bookings", "#events", "#integrations"):
        await page.goto(f"/console{screen}")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the console")
        await expect(page.locator("#console")).to_be_hidden()
        await expect(page.locator("#screen")).to_be_empty()
    await audit(page, "console: sign-in")
    await screenshots(page, "console-sign-in")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_label("Email")).to_be_focused()
    await expect(page.get_by_label("Email")).to_have_accessible_description("Enter your email.")
    await page.get_by_label("Email").fill("nobody@example.com")
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Incorrect email or password")

    email = await account(site_api, "provider")
    page = await signed_in(person, email, "bookings")
    await expect(page.locator("#live-note")).to_have_text(re.compile("^Live"))
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in to the console")).to_be_focused()
    await expect(page.locator("#screen")).to_be_empty()
    page = await signed_in(person, email, "hours")
    await page.reload()  # the token lived in the page's memory only
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the console")
    await expect(page.locator("#console")).to_be_hidden()


async def test_an_admin_creates_an_event_and_watches_its_seats_fill(site_api, person):
    email, _ = await first_admin(site_api)
    page = await signed_in(person, email, "events")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    await page.get_by_label("Name", exact=True).fill("Open day")
    await page.get_by_label("Date", exact=True).fill("2031-01-24")
    await page.get_by_role("button", name="Add a time slot").click()  # 10:00-11:00 after 09:00
    await page.get_by_label("Seats").nth(1).fill("2")
    await page.get_by_role("button", name="Add a time slot").click()
    await page.get_by_label("Ends").nth(2).fill("10:30")  # before it starts
    await page.get_by_role("button", name="Create event").click()
    await expect(page.get_by_role("alert")).to_contain_text("end_time must be after start_time")
    await page.get_by_role("button", name="Remove slot").nth(2).click()
    await audit(page, "console: creating an event")
    await page.get_by_role("button", name="Create event").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Event “Open day” created with 2 time slots."
    )
    await expect(
        page.get_by_label("Calendar", exact=True).locator("option:checked")
    ).to_contain_text("Open day")
    await expect(page.locator("#live-note")).to_have_text(re.compile("^Live"))
    table = page.locator("#seats-table tbody tr")
    await expect(table).to_have_count(2)
    event_id = int(await page.get_by_label("Calendar", exact=True).input_value())
    slots = (await site_api.get(f"/api/v1/events/{event_id}/slots")).json()
    second = slots[1]["id"]
    row = page.locator(f'#seats-table tr[data-slot="{second}"]')
    await expect(row.locator(".taken")).to_have_text("0")
    for name in ("Ann", "Ben"):
        made = await site_api.post(
            "/api/v1/bookings",
            json={"attendee_name": name, "time_slot_id": second, "email": f"{name}@example.com"},
        )
        assert made.status_code == 201, made.text
        await expect(row.locator(".taken")).to_have_text(
            "1" if name == "Ann" else "2", timeout=LIVE
        )
    await expect(row.locator(".free")).to_have_text("0")
    await expect(page.locator("#seats-note")).to_have_text("Seats taken now: 2 of 12.")
    attendees = page.locator(f'#attendees [data-slot="{second}"]')
    await expect(attendees).to_contain_text("Ann")
    await expect(attendees).to_contain_text("Ben")
    line = {"time_slot_id": second, "name": "Cyd", "email": "cyd@example.com"}
    assert (await site_api.post("/api/v1/waitlist", json=line)).status_code == 201
    await page.get_by_role("button", name="Refresh attendees and waitlist").click()
    await expect(attendees.locator(".waitlist")).to_contain_text("Waitlist (1)")
    await expect(attendees.locator(".waitlist li")).to_have_text("Cyd <cyd@example.com>")
    await audit(page, "console: an event's seats")
    await screenshots(page, "console-events")
