"""The console's integrations screen and the embed, on one server for the module whose
SLOTBOOK_EMBED_ORIGINS lists one host page's origin (another host page's is not), and
which may send webhooks to loopback (the receiver here)."""

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from slotbook.app import create_app
from slotbook.settings import Settings
from tests.support.a11y import audit
from tests.support.accounts import PASSWORD, bearer, sign_in
from tests.support.clock import FrozenClock
from tests.support.databases import create_sqlite_database
from tests.support.live import PATIENCE
from tests.support.receiver import receiving
from tests.support.web import book_on_page, screenshots, serving

DAY = "2031-01-20"


@dataclass
class Hosts:
    """Two other sites' pages that embed a calendar: `allowed` is listed, `other` not."""

    allowed: str
    other: str
    slotbook: str = ""


def host_app(hosts: Hosts) -> Starlette:
    async def shop(request: Request) -> HTMLResponse:
        calendar = int(request.query_params["calendar"])
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><title>Our shop</title></head><body>'
            "<main><h1>Our shop</h1><p>Book with us:</p>"
            f'<script src="{hosts.slotbook}/embed.js" data-calendar="{calendar}" async></script>'
            "</main></body></html>"
        )

    return Starlette(routes=[Route("/", shop)])


@pytest.fixture(scope="module")
async def hosts() -> AsyncIterator[Hosts]:
    hosts = Hosts("", "")
    async with serving(host_app(hosts)) as allowed, serving(host_app(hosts)) as other:
        hosts.allowed, hosts.other = allowed, other
        yield hosts


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory, hosts: Hosts) -> AsyncIterator[str]:
    settings = Settings(
        database_url=create_sqlite_database(tmp_path_factory.mktemp("embed")),
        embed_origins=hosts.allowed,
        webhook_allow_private=True,
        _env_file=None,
    )
    async with serving(create_app(settings, clock=FrozenClock())) as base:
        hosts.slotbook = base
        yield base


async def alice(api: httpx.AsyncClient) -> int:
    """Surface 001's Alice, open 09:00-17:00 UTC daily; her calendar's id."""
    body = {"calendar_owner_id": "alice", "start_time": "09:00", "end_time": "17:00"}
    assert (await api.post("/api/v1/availability", json=body)).status_code == 200
    return int((await api.get("/book/owner/alice")).headers["location"].rsplit("/", 1)[1])


async def test_only_the_listed_origin_may_frame_the_booking_pages(site_api, hosts):
    calendar_id = await alice(site_api)
    page = await site_api.get(f"/book/calendar/{calendar_id}")
    assert f"frame-ancestors {hosts.allowed};" in page.headers["content-security-policy"]
    for path in ("/console", "/board"):
        policy = (await site_api.get(path)).headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy


async def test_an_embed_on_a_listed_origin_loads_and_books(site_api, hosts, person):
    calendar_id = await alice(site_api)
    page = await (await person()).new_page()
    await page.goto(f"{hosts.allowed}/?calendar={calendar_id}")
    frame = page.frame_locator("iframe.slotbook-embed")
    await expect(frame.get_by_role("heading", level=1)).to_have_text("alice")
    await frame.get_by_label("Day").fill(DAY)
    await book_on_page(frame, "10:00", "Embe", "embe@example.com")
    await expect(frame.locator("#done")).to_be_visible()
    # the frame is as tall as the page in it
    iframe = page.locator("iframe.slotbook-embed")
    await expect(iframe).to_have_attribute("style", re.compile(r"height: \d+px"))
    inner = await frame.locator("html").evaluate("(html) => html.scrollHeight")
    box = await iframe.bounding_box()
    assert box is not None and abs(box["height"] - inner) <= 2
    listed = await site_api.get("/api/v1/appointments", params={"calendar_owner_id": "alice"})
    assert [(a["date"], a["start_time"], a["invitee_name"]) for a in listed.json()] == [
        (DAY, "10:00", "Embe")
    ]
    await screenshots(page, "embed-allowed")


async def test_an_embed_on_another_origin_is_refused_by_the_browser(site_api, hosts, person):
    calendar_id = await alice(site_api)
    page = await (await person()).new_page()
    async with (
        page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal,
        page.expect_response(re.compile(rf"/book/calendar/{calendar_id}$")) as answer,
    ):
        await page.goto(f"{hosts.other}/?calendar={calendar_id}")
    assert (await answer.value).status == 200  # served, but the browser will not show it
    assert "The request has been blocked" in (await refusal.value).text
    await expect(page.locator("iframe.slotbook-embed")).to_be_attached()
    await expect(page.frame_locator("iframe.slotbook-embed").locator("#main")).to_have_count(0)
    await screenshots(page, "embed-refused")


async def test_the_integrations_screen_adds_webhooks_shows_deliveries_and_manages_the_feed(
    site_api, person
):
    calendar_id = await alice(site_api)
    email = "admin@example.com"
    body = {"name": "Admin", "email": email, "password": PASSWORD, "role": "admin"}
    assert (await site_api.post("/register", json=body)).status_code == 200
    page = await (await person()).new_page()
    await page.goto("/console#integrations")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_label("Find a calendar").fill("alice")
    await expect(page.locator("#calendar-count")).to_have_text("1 calendar found")
    await expect(page.get_by_role("heading", name="Webhooks")).to_be_visible()
    await expect(page.locator("#embed-snippet")).to_have_text(
        f'<script src="{page.url.split("/console")[0]}/embed.js" '
        f'data-calendar="{calendar_id}" async></script>'
    )

    async with receiving() as receiver:
        await page.get_by_label("URL").fill(receiver.url)
        await page.get_by_role("button", name="Add webhook").click()
        await expect(page.locator("#secret-value")).to_have_text(re.compile("^whsec_"))
        hook = page.locator(".webhook", has_text=receiver.url)
        await expect(hook).to_be_visible()
        made = await site_api.post(
            f"/api/v1/calendars/{calendar_id}/bookings",
            json={"start_at": f"{DAY}T11:00:00+00:00", "name": "Hook", "email": "h@example.com"},
        )
        assert made.status_code == 201
        headers = bearer(await sign_in(site_api, email))
        [webhook] = (await site_api.get("/api/v1/webhooks", headers=headers)).json()

        async def delivered() -> bool:
            path = f"/api/v1/webhooks/{webhook['id']}/deliveries"
            found = (await site_api.get(path, headers=headers)).json()
            return [a["delivery_status"] for a in found] == ["delivered"]

        async with asyncio.timeout(PATIENCE):
            while not await delivered():  # noqa: ASYNC110 - the dispatcher records it
                await asyncio.sleep(0.02)
        await hook.get_by_role("button", name=re.compile("^Recent deliveries")).click()
        deliveries = hook.locator("table.deliveries")
        await expect(deliveries).to_contain_text("booking.created")
        await expect(deliveries).to_contain_text("delivered")

    await page.get_by_role("button", name="Get a new feed URL").click()
    url = await page.locator("#feed-url code").inner_text()
    feed = await site_api.get(url)
    assert feed.status_code == 200 and "Hook" in feed.text
    await audit(page, "console: integrations")
    await screenshots(page, "console-integrations")
    await page.get_by_role("button", name="Revoke the feed").click()
    await expect(page.get_by_role("status")).to_contain_text("The feed is revoked")
    assert (await site_api.get(url)).status_code == 404

    await hook.get_by_role("button", name=re.compile("^Delete")).click()
    await expect(page.get_by_role("status")).to_contain_text("deleted")
    await expect(page.locator(".webhook")).to_have_count(0)
