"""The event page's "join the waitlist" on a full time slot, and the waitlist page at the
entry's link: waiting, then offered when a place frees, then booked."""

import re

import httpx
from playwright.async_api import expect

from tests.support.a11y import audit
from tests.support.events import book_seat, create_event


async def test_join_the_waitlist_of_a_full_slot_then_take_the_offered_place(
    api: httpx.AsyncClient, new_context
):
    event = await create_event(api, ("09:00", "10:00", 1), ("10:00", "11:00", 3))
    full = event["time_slots"][0]["id"]
    booked = await book_seat(api, full, "Ann")
    token = booked.json()["booking_token"]

    page = await (await new_context()).new_page()
    await page.goto(f"/book/event/{event['id']}")
    join = page.get_by_role("button", name=re.compile("^Join the waitlist for 09:00"))
    await expect(join).to_be_visible()
    await expect(page.get_by_role("radio")).to_have_count(1)  # the free slot only
    await audit(page, "event page with a full slot")
    await join.click()
    await expect(page.locator("#name-error")).to_have_text("Enter your name.")
    await page.get_by_label("Name").fill("Bob")
    await page.get_by_label("Email").fill("bob@example.com")
    await join.click()
    await expect(page.locator("#waiting")).to_be_focused()
    await expect(page.get_by_role("heading", name="You're on the waitlist")).to_be_visible()
    await expect(page.locator("#waiting-what")).to_contain_text("you are number 1 in line")
    link = await page.locator("#waitlist-link").get_attribute("href")
    assert link and "/waitlist/" in link

    await page.goto(link)
    await expect(page.locator("#details")).to_contain_text("Waiting")
    await expect(page.locator("#details")).to_contain_text("Place in line1")
    await audit(page, "waitlist page: waiting")

    assert (await api.delete(f"/api/v1/bookings/{token}")).status_code == 204
    await page.reload()
    await expect(page.locator("#details")).to_contain_text("A place is held for you")
    await page.get_by_role("button", name="Take the place").click()
    await expect(page.locator("#manage-link")).to_contain_text("/manage/")
    await expect(page.locator("#details")).to_contain_text("Booked")
    await audit(page, "waitlist page: booked")
    entry = await api.get(f"/api/v1/waitlist/{link.rsplit('/', 1)[1]}")
    assert entry.json()["status"] == "booked"
