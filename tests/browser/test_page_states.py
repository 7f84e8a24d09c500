"""The booking, event and manage pages in every state a person meets: errors beside their
fields and in view on a phone, focus that never drops to the page body, views that follow
changes made elsewhere within a second, and axe-core (WCAG 2.1 AA) at desktop and phone
sizes in each state.

One server for the module (the clock stands at 2031-01-15 08:00 UTC); each test makes
calendars of its own.
"""

import re
import time
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.support.a11y import audit
from tests.support.web import PHONE, book_on_page, span

DAY = "2031-01-20"


async def owner(api: httpx.AsyncClient, name: str, start: str = "09:00", end: str = "17:00") -> str:
    """A surface 001 owner with these hours (UTC); returns their calendar's id."""
    hours = {"calendar_owner_id": name, "start_time": start, "end_time": end}
    assert (await api.post("/api/v1/availability", json=hours)).status_code == 200
    return (await api.get(f"/book/owner/{name}")).headers["location"].rsplit("/", 1)[1]


async def booking(api: httpx.AsyncClient, calendar: str, at: str = f"{DAY}T10:00:00+00:00") -> str:
    """A booking made through the API; returns its manage token."""
    body = {"start_at": at, "name": "Bob", "email": "bob@example.com"}
    made = await api.post(f"/api/v1/calendars/{calendar}/bookings", json=body)
    assert made.status_code == 201, made.text
    return made.json()["booking_token"]


async def event(api: httpx.AsyncClient, *capacities: int) -> dict[str, Any]:
    slots = [
        {"start_time": f"{10 + i}:00", "end_time": f"{11 + i}:00", "max_capacity": c}
        for i, c in enumerate(capacities)
    ]
    made = await api.post(
        "/api/v1/events", json={"name": "Talks", "event_date": DAY, "time_slots": slots}
    )
    assert made.status_code == 201
    return made.json()


async def not_body(page: Page) -> None:
    assert await page.evaluate("() => document.activeElement !== document.body"), "focus dropped"


async def in_view(page: Page, selector: str) -> None:
    box = await page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], f"{selector} at {box}"


async def described_by(page: Page, field: str, error: str) -> None:
    """`field` names `error` in aria-describedby and is aria-invalid."""
    await expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
    error_id = await page.locator(error).get_attribute("id")
    described = await page.locator(field).get_attribute("aria-describedby") or ""
    assert error_id in described.split(), (field, described)


async def manage_page(person, site_api: httpx.AsyncClient, name: str, **options: Any) -> Page:
    """The manage page of a new booking on a new calendar `name` (10:00 on DAY)."""
    token = await booking(site_api, await owner(site_api, name))
    page = await (await person(**options)).new_page()
    await page.goto(f"/manage/{token}")
    await expect(page.locator("#details")).to_contain_text("Confirmed")
    return page


async def test_errors_sit_beside_their_fields_in_plain_words_in_view_on_a_phone(person, site_api):
    calendar = await owner(site_api, "errors")
    page = await (await person(viewport=PHONE)).new_page()
    await page.goto(f"/book/calendar/{calendar}")
    await page.get_by_label("Day").fill(DAY)
    await expect(page.get_by_role("radio")).to_have_count(8)
    await audit(page, "booking page")

    await page.get_by_label("Name").fill("Bob")
    await page.get_by_role("button", name="Book this time").click()
    error = "#picker .field-error"
    await expect(page.locator(error)).to_have_text("Please pick a time first.")
    await expect(page.get_by_role("radio").first).to_be_focused()
    await in_view(page, error)
    await described_by(page, "#picker input[type=radio] >> nth=0", error)
    await audit(page, "booking page: no time picked")

    await page.get_by_role("radio").nth(2).check()
    await page.get_by_label("Name").fill("")
    await page.get_by_role("button", name=re.compile("^Book ")).click()
    await expect(page.locator("#name-error")).to_have_text("Enter your name.")
    await expect(page.get_by_label("Name")).to_be_focused()
    await in_view(page, "#name-error")
    await described_by(page, "#name", "#name-error")
    await audit(page, "booking page: a missing name")

    # An address that looks fine here but that the server refuses: said plainly, beside it.
    await page.get_by_label("Name").fill("Bob")
    await page.get_by_label("Email").fill("bob@example.invalid")
    await page.get_by_role("button", name=re.compile("^Book ")).click()
    await expect(page.locator("#email-error")).to_have_text(
        "This email address cannot receive mail. Check it, or use another one."
    )
    await expect(page.get_by_label("Email")).to_be_focused()
    await in_view(page, "#email-error")
    await described_by(page, "#email", "#email-error")
    await expect(page.locator("main")).not_to_contain_text("value is not a valid email")
    await expect(page.get_by_label("Name")).not_to_have_attribute("aria-invalid", "true")
    await audit(page, "booking page: an email the server refused")

    await page.get_by_label("Email").fill("bob@example.com")
    await page.get_by_role("button", name=re.compile("^Book ")).click()
    await expect(page.locator("#done")).to_be_focused()
    await audit(page, "booking page: booked")


async def test_a_booking_taken_meanwhile_is_said_beside_the_times_in_view_on_a_phone(
    person, site_api
):
    calendar = await owner(site_api, "taken")
    page = await (await person(viewport=PHONE)).new_page()
    await page.route_web_socket(re.compile("/slot-booking"), lambda ws: None)  # no live news
    await page.goto(f"/book/calendar/{calendar}")
    await page.get_by_label("Day").fill(DAY)
    await page.get_by_role("radio", name=re.compile("^10:00")).check()
    await booking(site_api, calendar)
    await page.get_by_label("Name").fill("Bob")
    await page.get_by_label("Email").fill("bob@example.com")
    await page.get_by_role("button", name=re.compile("^Book ")).click()
    error = "#picker .field-error"
    await expect(page.locator(error)).to_contain_text(f"Sorry, {span('10:00', '11:00')} was just")
    await in_view(page, error)
    await described_by(page, "#picker input[type=radio] >> nth=0", error)
    await not_body(page)
    await audit(page, "booking page: the time was taken")


async def test_the_page_opens_on_the_next_day_with_free_times(person, site_api):
    calendar = await owner(site_api, "early", start="03:00", end="08:00")  # over by 08:00 today
    page = await (await person()).new_page()
    await page.goto(f"/book/calendar/{calendar}")
    await expect(page.locator(".slot-set legend")).to_contain_text("16 January 2031")
    await expect(page.get_by_role("status")).to_have_text(
        re.compile(r"Nothing is free on Wednesday,? 15 January 2031\. Showing Thursday,? 16")
    )
    await expect(page.get_by_role("radio")).to_have_count(5)
    await audit(page, "booking page: opened on the next day with free times")
    # A day with nothing free offers the next one that has something.
    await page.get_by_role("button", name="Previous day").click()  # not before today
    await page.get_by_label("Day").fill("2031-01-15")
    await expect(page.locator(".slots")).to_contain_text("No free times on")
    await audit(page, "booking page: a day with nothing free")
    await page.get_by_role("button", name=re.compile("^Show Thursday,? 16 January")).click()
    await expect(page.get_by_role("radio")).to_have_count(5)
    await expect(page.get_by_role("status")).to_have_text(
        re.compile(r"Thursday,? 16 January 2031: 5 free times\.")
    )


async def test_the_calendar_page_loads_its_slots_once_on_open(person, site_api):
    calendar = await owner(site_api, "once")
    page = await (await person(timezone_id="America/New_York")).new_page()
    loads: list[str] = []
    page.on("request", lambda r: loads.append(r.url) if "/slots?" in r.url else None)
    await page.goto(f"/book/calendar/{calendar}?")
    await expect(page.get_by_role("radio").first).to_be_visible()
    assert len(loads) == 1, loads  # its New York day spans two UTC days: two live feeds
    await expect(page.locator(".live-note")).to_have_attribute("data-state", "live")
    await page.get_by_label("Day").fill("2031-01-21")
    await expect(page.locator(".slot-set legend")).to_contain_text("21 January 2031")
    await expect(page.get_by_role("radio", name=re.compile("^05:00"))).to_be_visible()
    await booking(site_api, calendar, "2031-01-21T10:00:00+00:00")
    await expect(page.get_by_role("radio", name=re.compile("^05:00"))).to_have_count(0)
    assert len(loads) == 3, loads  # open, another day, one change


async def test_the_event_page_follows_seats_live_and_says_so(person, site_api):
    made = await event(site_api, 2, 1)
    page = await (await person()).new_page()
    await page.goto(f"/book/event/{made['id']}")
    await expect(page.get_by_role("radio")).to_have_count(2)
    await expect(page.locator(".live-note")).to_have_attribute("data-state", "live")
    await audit(page, "event page")
    first, second = (slot["id"] for slot in made["time_slots"])
    ten = span("10:00", "11:00")

    await page.get_by_role("radio", name=re.compile(f"^{ten}")).focus()
    sent = time.monotonic()
    seat = await site_api.post(
        "/api/v1/bookings", json={"attendee_name": "A", "time_slot_id": first}
    )
    assert seat.status_code == 201
    await expect(page.get_by_role("radio", name=re.compile("1 place left"))).to_have_count(
        2, timeout=1000
    )
    print(f"a seat taken over the API showed in {(time.monotonic() - sent) * 1000:.0f} ms")
    await expect(page.get_by_role("status")).to_have_text(f"{ten}: 1 place left.")
    await expect(page.get_by_role("radio", name=re.compile(f"^{ten}"))).to_be_focused()

    for slot in (first, second):  # the list empties under the keyboard's focus
        await site_api.post("/api/v1/bookings", json={"attendee_name": "B", "time_slot_id": slot})
    await expect(page.get_by_role("radio")).to_have_count(0, timeout=1000)
    await expect(page.locator(".slots .empty")).to_be_focused()
    await audit(page, "event page: full")


async def test_the_manage_page_panels_close_with_escape_or_keep_and_focus_returns(person, site_api):
    page = await manage_page(person, site_api, "panels")
    await audit(page, "manage page")
    move = page.get_by_role("button", name="Move to another time")
    cancel = page.get_by_role("button", name="Cancel booking")

    await move.click()
    await expect(page.get_by_role("heading", name="Move to another time")).to_be_focused()
    await page.get_by_label("Day").fill(DAY)
    await expect(page.get_by_role("radio")).to_have_count(7)
    await audit(page, "manage page: move panel")
    await page.keyboard.press("Escape")
    await expect(page.locator("#panel")).to_be_hidden()
    await expect(move).to_be_focused()
    await move.click()
    await page.get_by_role("button", name="Keep the current time").click()
    await expect(move).to_be_focused()

    await cancel.click()
    await expect(page.get_by_role("heading", name="Cancel this booking?")).to_be_focused()
    await audit(page, "manage page: cancel panel")
    await page.keyboard.press("Escape")
    await expect(cancel).to_be_focused()
    await cancel.click()
    await page.get_by_role("button", name="No, keep it").click()
    await expect(cancel).to_be_focused()
    outline = await cancel.evaluate("(node) => getComputedStyle(node).outlineStyle")
    assert outline == "solid"


async def test_a_failed_move_is_said_beside_the_times_and_keeps_focus(person, site_api):
    calendar = await owner(site_api, "failed-move")
    token = await booking(site_api, calendar)
    page = await (await person(viewport=PHONE)).new_page()
    await page.route_web_socket(re.compile("/slot-booking"), lambda ws: None)  # no live news
    await page.goto(f"/manage/{token}")
    await page.get_by_role("button", name="Move to another time").click()
    await page.get_by_label("Day").fill(DAY)
    await page.get_by_role("radio", name=re.compile("^12:00")).check()
    await booking(site_api, calendar, f"{DAY}T12:00:00+00:00")
    await page.get_by_role("button", name=f"Move to {span('12:00', '13:00')}").click()
    error = "#panel .field-error"
    await expect(page.locator(error)).to_contain_text("Your booking has not moved")
    await in_view(page, error)
    await described_by(page, "#panel input[type=radio] >> nth=0", error)
    await not_body(page)
    await audit(page, "manage page: a move that failed")


async def test_the_manage_page_shows_a_cancellation_made_elsewhere_within_a_second(
    person, site_api
):
    calendar = await owner(site_api, "elsewhere")
    token = await booking(site_api, calendar)
    page = await (await person()).new_page()
    await page.goto(f"/manage/{token}")
    await expect(page.locator("#details")).to_contain_text("Confirmed")
    await page.get_by_role("button", name="Cancel booking").click()  # about to, here too

    sent = time.monotonic()
    assert (await site_api.delete(f"/api/v1/bookings/{token}")).status_code == 204
    await expect(page.locator("#details")).to_contain_text("Cancelled", timeout=1000)
    print(f"a cancellation elsewhere showed in {(time.monotonic() - sent) * 1000:.0f} ms")
    await expect(page.get_by_role("alert")).to_have_text(
        "This booking was cancelled elsewhere. It can no longer be moved or cancelled."
    )
    await expect(page.get_by_role("button", name="Yes, cancel it")).to_have_count(0)
    await expect(page.get_by_role("heading", level=1)).to_be_focused()
    await audit(page, "manage page: cancelled")


async def test_the_manage_page_cancels_and_focus_lands_on_the_heading(person, site_api):
    page = await manage_page(person, site_api, "cancel-here")
    await page.get_by_role("button", name="Cancel booking").click()
    await page.get_by_role("button", name="Yes, cancel it").click()
    await expect(page.get_by_role("status")).to_have_text("Your booking is cancelled.")
    await expect(page.get_by_role("heading", level=1)).to_be_focused()


async def test_a_booking_that_needs_approval_says_so_and_follows_the_decision(person, site_api):
    calendar = await owner(site_api, "approval")
    rules = {"requires_approval": True}
    assert (await site_api.patch(f"/api/v1/calendars/{calendar}/settings", json=rules)).is_success
    page = await (await person()).new_page()
    await page.goto(f"/book/calendar/{calendar}")
    await page.get_by_label("Day").fill(DAY)
    await book_on_page(page, "10:00")
    await expect(page.locator("#done")).to_be_focused()
    await expect(page.locator("#done-heading")).to_have_text("Requested: waiting for approval")
    await expect(page.locator("#done-when")).to_contain_text("The owner must approve it")
    await audit(page, "booking page: requested, waiting for approval")

    link = await page.locator("#manage-link").get_attribute("href")
    assert link is not None
    await page.goto(link)
    await expect(page.locator("#details")).to_contain_text(
        "Requested: waiting for the owner's approval"
    )
    await expect(page.get_by_role("button", name="Cancel booking")).to_be_visible()
    await audit(page, "manage page: waiting for approval")
    made = await site_api.get(f"/api/v1/bookings/{link.rsplit('/', 1)[1]}")
    assert made.json()["status"] == "pending"
    approved = await site_api.post(f"/api/v1/bookings/{made.json()['id']}/approve")
    assert approved.status_code == 200
    await page.reload()
    await expect(page.locator("#details")).to_contain_text("Confirmed")

    # A decline frees the time: the manage page of another request hears of it at once.
    token = await booking(site_api, calendar, f"{DAY}T12:00:00+00:00")
    async with page.expect_websocket() as live:
        await page.goto(f"/manage/{token}")
    await (await live.value).wait_for_event("framereceived")  # following the day
    await expect(page.locator("#details")).to_contain_text("waiting for the owner's approval")
    request_id = (await site_api.get(f"/api/v1/bookings/{token}")).json()["id"]
    declined = await site_api.post(f"/api/v1/bookings/{request_id}/decline")
    assert declined.status_code == 200
    await expect(page.locator("#details")).to_contain_text("Declined by the owner", timeout=1000)
    await expect(page.get_by_role("alert")).to_have_text(
        "The owner declined this booking. It can no longer be moved or cancelled."
    )
    await expect(page.get_by_role("link", name="Book a new time")).to_be_visible()


async def test_the_pages_that_say_nothing_is_here_pass_axe(person):
    page = await (await person()).new_page()
    await page.goto("/book/calendar/999999")
    await audit(page, "not found")
    await page.goto("/manage/no-such-token")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Booking not found")
    await audit(page, "manage page: unknown link")


async def test_axe_fails_on_a_planted_violation(person, site_api):
    calendar = await owner(site_api, "planted")
    page = await (await person()).new_page()
    await page.goto(f"/book/calendar/{calendar}")
    await expect(page.get_by_role("radio").first).to_be_visible()
    await audit(page, "booking page, as served")
    # An image without a text alternative, planted in the page.
    await page.evaluate(
        "() => document.getElementById('chosen').append(Object.assign("
        "document.createElement('img'), {src: '/favicon.ico'}))"
    )
    with pytest.raises(AssertionError, match=r"image-alt \(critical\): Images must have alt"):
        await audit(page, "booking page with a planted violation")
