"""The booking page (/book/calendar/{id}, /book/event/{id}) and the manage page."""

import re

import httpx
from playwright.async_api import Page, expect

from tests.support.a11y import audit
from tests.support.web import book_on_page, screenshots, span

# Alice's hours are 09:00-17:00 in Berlin; the visitor is in New York, six hours behind.
DAY = "2031-01-20"
VISITOR = "America/New_York"
FOUR = span("04:00", "05:00")  # New York time; 10:00-11:00 in Berlin
PICK_ANOTHER = "by someone else. Please choose another time."


async def alice(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/availability",
        json={
            "calendar_owner_id": "alice",
            "start_time": "09:00",
            "end_time": "17:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 200


async def appointments(api: httpx.AsyncClient) -> list[tuple[str, str, str]]:
    """Alice's upcoming appointments as (date, Berlin time, name)."""
    listed = await api.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    return [(a["date"], a["start_time"], a["invitee_name"]) for a in listed.json()]


async def show_day(page: Page) -> None:
    await expect(page.get_by_role("heading", level=1)).to_have_text("alice")
    await page.get_by_label("Day").fill(DAY)
    await expect(page.locator(".slot-set legend")).to_contain_text("20 January 2031")


async def open_day(new_context) -> Page:
    """Alice's booking page, opened by a visitor in New York, on DAY."""
    page = await (await new_context(timezone_id=VISITOR)).new_page()
    await page.goto("/book/owner/alice")
    await show_day(page)
    return page


async def test_the_page_shows_free_times_in_the_visitors_zone_with_the_calendars_beside(
    api, new_context
):
    await alice(api)
    page = await open_day(new_context)
    await expect(page.locator("#zone-note")).to_contain_text(
        "Times are shown in your time zone, America/New_York."
    )
    await expect(page.locator("#zone-note")).to_contain_text("Europe/Berlin")
    # 09:00-17:00 in Berlin is 03:00-11:00 in New York.
    radios = page.get_by_role("radio")
    await expect(radios).to_have_count(8)
    await expect(radios.first).to_have_accessible_name(
        f"{span('03:00', '04:00')} {span('09:00', '10:00')} in Berlin"
    )
    await page.get_by_role("radio", name=re.compile("^04:00")).check()
    await expect(page.locator("#chosen")).to_have_text(
        re.compile(f"Your time: Monday,? 20 January 2031, {FOUR}")
    )
    await screenshots(page, "booking")


async def test_book_then_manage_move_and_cancel_from_the_link(app, api, new_context):
    await alice(api)
    page = await open_day(new_context)
    await book_on_page(page, "04:00")

    done = page.locator("#done")
    await expect(done).to_be_visible()
    await expect(done).to_contain_text(FOUR)
    await expect(done).to_contain_text(f"{span('10:00', '11:00')} in Berlin")
    link = page.locator("#manage-link")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/manage/[\w-]{43,}", await link.inner_text())
    assert await appointments(api) == [(DAY, "10:00", "Bob")]

    await link.click()
    await expect(page.locator("#details")).to_contain_text("Confirmed")
    await expect(page.locator("#details")).to_contain_text(FOUR)
    await screenshots(page, "manage")

    await page.get_by_role("button", name="Move to another time").click()
    await page.get_by_role("radio", name=re.compile("^06:00")).check()
    await screenshots(page, "manage-move")
    await page.get_by_role("button", name=f"Move to {span('06:00', '07:00')}").click()
    await expect(page.get_by_role("status")).to_contain_text("Moved. Your booking is now")
    await expect(page.locator("#details")).to_contain_text(span("06:00", "07:00"))
    assert await appointments(api) == [(DAY, "12:00", "Bob")]
    await audit(page, "manage page: moved")

    await page.get_by_role("button", name="Cancel booking").click()
    await page.get_by_role("button", name="Yes, cancel it").click()
    await expect(page.get_by_role("status")).to_have_text("Your booking is cancelled.")
    await expect(page.locator("#details")).to_contain_text("Cancelled")
    await expect(page.get_by_role("button", name="Cancel booking")).to_have_count(0)
    assert await appointments(api) == []


async def test_booking_a_time_just_taken_elsewhere_says_so_and_offers_the_rest(api, new_context):
    await alice(api)
    page = await open_day(new_context)
    # This visitor's live feed is cut, as if two people pressed "Book" at the same moment.
    await page.route_web_socket(re.compile("/slot-booking"), lambda ws: None)
    await page.reload()
    await show_day(page)
    await expect(page.get_by_role("radio")).to_have_count(8)

    other = await open_day(new_context)
    await book_on_page(other, "04:00", name="Carol", email="carol@example.com")
    await expect(other.locator("#done")).to_be_visible()

    await book_on_page(page, "04:00")
    error = page.locator("#picker .field-error")
    await expect(error).to_have_text(f"Sorry, {FOUR} was just booked {PICK_ANOTHER}")
    # beside the times, linked to them, with the keyboard on the first one left
    await expect(page.get_by_role("radio").first).to_be_focused()
    await expect(page.get_by_role("radio").first).to_have_accessible_description(
        f"Sorry, {FOUR} was just booked {PICK_ANOTHER}"
    )
    await expect(page.get_by_role("radio")).to_have_count(7)
    await expect(page.get_by_role("radio", name=re.compile("^04:00"))).to_have_count(0)
    await expect(page.get_by_label("Name")).to_have_value("Bob")
    await screenshots(page, "booking-taken")
    assert await appointments(api) == [(DAY, "10:00", "Carol")]


async def test_a_time_booked_elsewhere_disappears_without_reload(base_url, api, new_context):
    await alice(api)
    page = await open_day(new_context)
    await expect(page.locator(".live-note")).to_have_attribute("data-state", "live")
    await page.get_by_role("radio", name=re.compile("^04:00")).check()

    other = await open_day(new_context)
    await book_on_page(other, "04:00", name="Carol", email="carol@example.com")

    await expect(page.get_by_role("radio", name=re.compile("^04:00"))).to_have_count(
        0, timeout=1000
    )
    await expect(page.get_by_role("alert")).to_have_text(
        f"Sorry, {FOUR} has just been booked {PICK_ANOTHER}"
    )
    await expect(page.locator("#chosen")).to_have_text("No time picked yet.")


async def test_the_booking_form_works_with_the_keyboard_alone(api, new_context):
    await alice(api)
    page = await open_day(new_context)
    await page.get_by_role("radio").first.focus()
    await page.keyboard.press("ArrowRight")  # the next time in the group: 04:00
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Name")).to_be_focused()
    await page.keyboard.type("Dana")
    await page.keyboard.press("Tab")
    await page.keyboard.type("dana@example.com")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name=f"Book {FOUR}")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#done")).to_be_focused()
    assert await appointments(api) == [(DAY, "10:00", "Dana")]


async def test_an_event_page_books_a_place_and_the_link_moves_it_to_another_slot(
    app, api, new_context
):
    created = await api.post(
        "/api/v1/events",
        json={
            "name": "Pottery workshop",
            "event_date": DAY,
            "timezone": "Europe/Berlin",
            "time_slots": [
                {"start_time": "10:00", "end_time": "11:00", "max_capacity": 2},
                {"start_time": "14:00", "end_time": "15:00", "max_capacity": 1},
            ],
        },
    )
    event = created.json()
    page = await (await new_context(timezone_id=VISITOR)).new_page()
    await page.goto(f"/book/event/{event['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Pottery workshop")
    await expect(page.get_by_role("radio")).to_have_count(2)
    await expect(page.get_by_role("radio").first).to_have_accessible_name(
        f"{FOUR} {span('10:00', '11:00')} in Berlin · 2 places left"
    )
    await screenshots(page, "event")
    await book_on_page(page, "04:00")
    await expect(page.locator("#done")).to_be_visible()

    await page.locator("#manage-link").click()
    await page.get_by_role("button", name="Move to another time").click()
    await expect(page.get_by_role("radio")).to_have_count(1)  # not the slot it is on
    await page.get_by_role("radio", name=re.compile("^08:00")).check()
    await page.get_by_role("button", name=f"Move to {span('08:00', '09:00')}").click()
    await expect(page.locator("#details")).to_contain_text(span("08:00", "09:00"))
    slots = (await api.get(f"/api/v1/events/{event['id']}/slots")).json()
    assert [s["current_bookings"] for s in slots] == [0, 1]


async def test_an_event_slot_filled_elsewhere_disappears_without_reload(app, api, new_context):
    slot = {"start_time": "10:00", "end_time": "11:00", "max_capacity": 1}
    created = await api.post(
        "/api/v1/events", json={"name": "Talk", "event_date": DAY, "time_slots": [slot]}
    )
    event = created.json()
    page = await (await new_context()).new_page()
    await page.goto(f"/book/event/{event['id']}")
    await expect(page.get_by_role("radio")).to_have_count(1)

    await expect(page.locator(".live-note")).to_have_attribute("data-state", "live")
    seat = {"attendee_name": "Carol", "time_slot_id": event["time_slots"][0]["id"]}
    assert (await api.post("/api/v1/bookings", json=seat)).status_code == 201
    # The event's seats have a live feed: pushed at once, not polled.
    await expect(page.get_by_role("radio")).to_have_count(0, timeout=1000)
    await expect(page.locator(".slots")).to_have_text("No free times.")
