"""The live board page, /board: surface 000's slots, booked by clicks, live for everyone."""

import time

from playwright.async_api import expect

from tests.support.web import screenshots, span

# The clock's "now" is 08:00 UTC on the default board's day (03:00-15:00 UTC): 10:00 is ahead.
SLOT = '[data-slot-id="10"]'
TEN = span("10:00", "11:00")


async def open_board(new_context):
    page = await (await new_context()).new_page()
    await page.goto("/board")
    await expect(page.locator(".board-slot")).to_have_count(12)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    await expect(page.locator("#board-zone")).to_have_text("Times in UTC")
    return page


async def test_a_booking_on_one_board_shows_on_another_within_a_second(base_url, new_context):
    alice, bob = await open_board(new_context), await open_board(new_context)
    await expect(bob.locator(SLOT)).to_have_attribute("data-state", "free")

    clicked = time.monotonic()
    await alice.get_by_role("button", name=f"Book {TEN}").click()
    await expect(bob.locator(SLOT)).to_have_attribute("data-state", "booked", timeout=1000)
    seen = time.monotonic() - clicked
    await expect(bob.get_by_role("status")).to_have_text(f"{TEN} was just booked.")
    await expect(alice.get_by_role("status")).to_have_text("Slot 10 booked successfully.")
    print(f"board update seen by the other browser {seen * 1000:.0f} ms after the click")
    await screenshots(alice, "board")

    await bob.get_by_role("button", name=f"Cancel the booking of {TEN}").click()
    await expect(alice.locator(SLOT)).to_have_attribute("data-state", "free", timeout=1000)
    await expect(alice.get_by_role("status")).to_have_text(f"{TEN} is free again.")


async def test_the_board_is_operated_with_the_keyboard_alone(base_url, new_context):
    page = await open_board(new_context)
    await page.get_by_role("button", name=f"Book {TEN}").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(SLOT)).to_have_attribute("data-state", "booked")
    # Focus stays on the slot just booked, now offering to cancel it.
    await expect(page.get_by_role("button", name=f"Cancel the booking of {TEN}")).to_be_focused()
    await page.keyboard.press("Space")
    await expect(page.locator(SLOT)).to_have_attribute("data-state", "free")


async def test_a_past_slot_cannot_be_booked(base_url, new_context):
    page = await open_board(new_context)
    await expect(page.locator('[data-slot-id="5"]')).to_have_attribute("data-state", "closed")
    await expect(page.locator('[data-slot-id="5"]')).to_contain_text("Not bookable")
    await expect(page.get_by_role("button", name=f"Book {span('05:00', '06:00')}")).to_have_count(0)
