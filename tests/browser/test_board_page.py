"""The live board page, /board: two people side by side, the keyboard alone, axe.

One server for the module; each test uses a day of its own on the default board
(03:00-15:00 UTC; the clock stands at 08:00 UTC on 2031-01-15).
"""

import re
import time

from playwright.async_api import Page, WebSocketRoute, expect

from tests.support.a11y import audit
from tests.support.web import PHONE, screenshots, span

SLOT = '[data-slot-id="10"]'
TEN = span("10:00", "11:00")


async def open_board(person, query: str = "", context=None) -> Page:
    page = await (context or await person()).new_page()
    await page.goto(f"/board{query}")
    await expect(page.locator(".board-slot")).to_have_count(12)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    await expect(page.locator("#board-zone")).to_have_text("Times in UTC")
    return page


async def focused(page: Page) -> str:
    """What has the keyboard's focus: never the page body after an action."""
    return await page.evaluate(
        "() => document.activeElement === document.body ? 'body'"
        " : (document.activeElement.getAttribute('aria-label')"
        " ?? document.activeElement.textContent.trim())"
    )


async def test_a_focused_book_button_never_turns_into_cancel_when_someone_else_books(person):
    alice = await open_board(person, "?date=2031-01-16")
    bob = await open_board(person, "?date=2031-01-16")
    book = alice.get_by_role("button", name=f"Book {TEN}")
    await book.focus()

    clicked = time.monotonic()
    await bob.get_by_role("button", name=f"Book {TEN}").click()
    await expect(alice.locator(SLOT)).to_have_attribute("data-state", "taken", timeout=1000)
    print(f"a booking reached the other browser in {(time.monotonic() - clicked) * 1000:.0f} ms")
    await expect(alice.locator(SLOT)).to_contain_text("Taken")
    await expect(alice.locator(SLOT).get_by_role("button")).to_have_count(0)
    await expect(alice.locator(SLOT)).to_be_focused()  # the slot itself, not a new control
    await expect(alice.get_by_role("status")).to_have_text(f"{TEN} was just booked.")
    await alice.keyboard.press("Enter")
    await alice.keyboard.press("Space")
    await expect(bob.locator(SLOT)).to_have_attribute("data-state", "mine")
    await expect(bob.locator(SLOT)).to_contain_text("Booked by you")
    await expect(bob.get_by_role("status")).to_have_text(
        f"Booked: {TEN}. You can cancel it from this page."
    )
    await audit(alice, "board: a slot someone else booked")
    await audit(bob, "board: a slot this browser booked")
    await screenshots(bob, "board")


async def test_only_the_browser_that_booked_can_cancel_and_it_asks_first(person):
    alice = await open_board(person, "?date=2031-01-17")
    bob = await open_board(person, "?date=2031-01-17")
    await bob.get_by_role("button", name=f"Book {TEN}").click()
    await expect(alice.locator(SLOT)).to_have_attribute("data-state", "taken")
    await expect(alice.get_by_role("button", name=re.compile("Cancel"))).to_have_count(0)

    cancel = bob.get_by_role("button", name=f"Cancel my booking of {TEN}")
    await cancel.click()
    dialog = bob.get_by_role("dialog", name=f"Cancel your booking of {TEN}?")
    await expect(dialog).to_be_visible()
    await audit(bob, "board: cancel confirmation")
    await bob.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(cancel).to_be_focused()
    await cancel.click()
    await bob.get_by_role("button", name="No, keep it").click()
    await expect(cancel).to_be_focused()
    await expect(bob.locator(SLOT)).to_have_attribute("data-state", "mine")

    await cancel.click()
    await bob.get_by_role("button", name="Yes, cancel it").click()
    await expect(bob.locator(SLOT)).to_have_attribute("data-state", "free")
    await expect(bob.get_by_role("status")).to_have_text(f"Your booking of {TEN} is cancelled.")
    assert await focused(bob) != "body"
    await expect(alice.locator(SLOT)).to_have_attribute("data-state", "free", timeout=1000)
    await expect(alice.get_by_role("status")).to_have_text(f"{TEN} is free again.")


async def test_the_board_is_operated_with_the_keyboard_alone(person):
    page = await open_board(person, "?date=2031-01-18")
    await page.get_by_role("button", name=f"Book {TEN}").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(SLOT)).to_have_attribute("data-state", "mine")
    await expect(page.locator(SLOT)).to_be_focused()  # the slot, not a control it became
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name=f"Cancel my booking of {TEN}")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="No, keep it")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await expect(page.get_by_role("button", name="Yes, cancel it")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator(SLOT)).to_have_attribute("data-state", "free")
    await expect(page.locator(SLOT)).to_be_focused()
    outline = await page.locator(SLOT).evaluate("(node) => getComputedStyle(node).outlineStyle")
    assert outline == "solid"  # script-set focus shows


async def test_a_failed_booking_says_the_time_shows_the_truth_and_keeps_focus(person):
    def stale(ws: WebSocketRoute) -> None:
        """Between this page and the server: the page sees its first update, then one
        more only when it asks (get_slots); others' changes do not reach it."""
        server = ws.connect_to_server()
        allowed = [1]

        def to_server(message: str | bytes) -> None:
            allowed[0] += "get_slots" in str(message)
            server.send(message)

        def to_page(message: str | bytes) -> None:
            if "slots_update" in str(message):
                if not allowed[0]:
                    return
                allowed[0] -= 1
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    page = await (await person()).new_page()
    await page.route_web_socket(re.compile("/slot-booking"), stale)
    await page.goto("/board?date=2031-01-19")
    await expect(page.locator(SLOT)).to_have_attribute("data-state", "free")
    other = await open_board(person, "?date=2031-01-19")
    await other.get_by_role("button", name=f"Book {TEN}").click()
    await expect(other.locator(SLOT)).to_have_attribute("data-state", "mine")

    await page.get_by_role("button", name=f"Book {TEN}").click()  # it still looks free here
    await expect(page.get_by_role("alert")).to_have_text(
        f"Sorry, {TEN} cannot be booked: it was just taken or is no longer open."
    )
    await expect(page.locator(SLOT)).to_have_attribute("data-state", "taken")
    await expect(page.locator(SLOT)).to_be_focused()
    await audit(page, "board: a booking that failed")


async def test_the_day_picker_shows_another_day_and_says_so(person):
    page = await open_board(person, "?date=2031-01-20")
    await page.get_by_role("button", name="Next day").click()
    await expect(page.locator("#board-day")).to_have_text(re.compile("21 January 2031"))
    await expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^Showing Tuesday,? 21 January 2031: 12 slots free\.$")
    )
    assert page.url.endswith("date=2031-01-21")
    await page.get_by_label("Day").fill("2031-01-14")  # a day that has passed
    await expect(page.locator(".board-slot.is-closed")).to_have_count(12)
    await expect(page.get_by_role("button", name=re.compile("^Book"))).to_have_count(0)
    await audit(page, "board: a past day")


async def test_the_first_message_moves_nothing_on_the_page(person):
    page = await open_board(person, "?date=2031-01-22")
    await page.set_viewport_size(PHONE)
    before = await page.locator("#board").bounding_box()
    other = await open_board(person, "?date=2031-01-22")
    await other.get_by_role("button", name=f"Book {TEN}").click()
    await expect(page.get_by_role("status")).to_have_text(f"{TEN} was just booked.")
    assert await page.locator("#board").bounding_box() == before


async def test_the_live_regions_are_in_the_accessibility_tree_while_empty(person):
    page = await open_board(person, "?date=2031-01-23")
    for role in ("status", "alert"):
        region = page.get_by_role(role)
        await expect(region).to_have_count(1)
        await expect(region).to_be_attached()
        assert await region.evaluate("(node) => getComputedStyle(node).display") != "none"
    await audit(page, "board: a fresh day")


async def test_a_calendars_board_refuses_cancel_slot_without_the_token(person, site_api):
    hours = {"calendar_owner_id": "board-test", "start_time": "09:00", "end_time": "17:00"}
    assert (await site_api.post("/api/v1/availability", json=hours)).status_code == 200
    owner = await site_api.get("/book/owner/board-test")
    calendar = owner.headers["location"].rsplit("/", 1)[1]
    query = f"?calendar={calendar}&date=2031-01-20"
    alice_context = await person()
    alice = await alice_context.new_page()
    await alice.goto(f"/board{query}")
    await expect(alice.locator(".board-slot")).to_have_count(8)
    bob_page = await (await person()).new_page()
    await bob_page.goto(f"/board{query}")
    await expect(bob_page.locator(".board-slot")).to_have_count(8)
    await bob_page.get_by_role("button", name=f"Book {TEN}").click()
    await expect(bob_page.locator(SLOT)).to_have_attribute("data-state", "mine")
    await expect(alice.locator(SLOT)).to_have_attribute("data-state", "taken")
    # Alice writes the protocol's cancel_slot herself, from her page, without the token.
    answer = await alice.evaluate(
        """(url) => new Promise((resolve) => {
            const ws = new WebSocket(url);
            ws.onmessage = (event) => {
                const message = JSON.parse(event.data);
                const cancel = {type: 'cancel_slot', slot_id: 10};
                if (message.type === 'slots_update') ws.send(JSON.stringify(cancel));
                else { ws.close(); resolve(message); }
            };
        })""",
        alice.url.replace("http", "ws").replace("/board", "/slot-booking"),
    )
    assert answer["success"] is False
    assert answer["message"] == (
        "Slot 10 can be cancelled on this calendar only with its booking_token"
    )
    await expect(alice.locator(SLOT)).to_have_attribute("data-state", "taken")
    await expect(bob_page.locator(SLOT)).to_have_attribute("data-state", "mine")


async def test_a_booking_that_needs_approval_is_said_to_be_requested(person, site_api):
    hours = {"calendar_owner_id": "board-approval", "start_time": "09:00", "end_time": "17:00"}
    assert (await site_api.post("/api/v1/availability", json=hours)).status_code == 200
    owner = await site_api.get("/book/owner/board-approval")
    calendar = owner.headers["location"].rsplit("/", 1)[1]
    rules = {"requires_approval": True}
    assert (await site_api.patch(f"/api/v1/calendars/{calendar}/settings", json=rules)).is_success
    page = await (await person()).new_page()
    await page.goto(f"/board?calendar={calendar}&date=2031-01-20")
    await expect(page.locator(".board-slot")).to_have_count(8)
    await page.get_by_role("button", name=f"Book {TEN}").click()
    await expect(page.get_by_role("status")).to_have_text(
        f"Requested: {TEN}, waiting for the owner's approval. You can cancel it from this page."
    )
    await expect(page.locator(SLOT)).to_have_attribute("data-state", "mine")


async def test_an_events_board_shows_places_live_and_offers_no_booking(person, site_api):
    slot = {"start_time": "10:00", "end_time": "11:00", "max_capacity": 2}
    body = {"name": "Talk", "event_date": "2031-01-20", "time_slots": [slot]}
    made = (await site_api.post("/api/v1/events", json=body)).json()
    page = await (await person()).new_page()
    await page.goto(f"/board?calendar={made['id']}")
    seats = page.locator(".board-slot")
    await expect(seats).to_have_text(re.compile("2 places left"))
    await expect(page.get_by_role("button", name=re.compile("^Book"))).to_have_count(0)
    await expect(page.get_by_role("link", name="Book a place on the event's page")).to_be_visible()
    seat = {"attendee_name": "A", "time_slot_id": made["time_slots"][0]["id"]}
    assert (await site_api.post("/api/v1/bookings", json=seat)).status_code == 201
    await expect(seats).to_have_text(re.compile("1 place left"), timeout=1000)
    await audit(page, "board: an event's seats")


async def test_a_board_that_cannot_be_shown_says_why(person):
    page = await (await person()).new_page()
    await page.goto("/board?calendar=999999")
    await expect(page.get_by_role("alert")).to_have_text("Calendar not found")
    await expect(page.locator("#connection")).to_have_text("This board cannot be shown.")
    await audit(page, "board: an unknown calendar")
