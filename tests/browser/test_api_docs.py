"""/docs and /redoc in headless Chromium with every request not to the server refused:
the documentation works offline, from the pinned package's assets."""

from urllib.parse import urlsplit

from playwright.async_api import expect

from tests.support.web import screenshots


async def offline_page(new_context, base_url):
    """A page that may reach the server and nothing else; returns it and what it tried."""
    page = await (await new_context()).new_page()
    server = urlsplit(base_url).netloc
    refused: list[str] = []

    async def only_the_server(route):
        if urlsplit(route.request.url).netloc == server:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_the_server)
    return page, refused


async def test_swagger_ui_lists_the_operations_with_no_network_but_the_server(
    base_url, new_context
):
    page, refused = await offline_page(new_context, base_url)
    await page.goto("/docs")
    booking = page.locator(".opblock-summary-path", has_text="/api/v1/bookings").first
    await expect(booking).to_be_visible(timeout=60_000)
    await expect(page.locator(".opblock-tag", has_text="001 calendar owners")).to_be_visible()
    assert await page.locator(".opblock").count() >= 30
    assert refused == []
    await screenshots(page, "api-docs")


async def test_redoc_renders_with_no_network_but_the_server(base_url, new_context):
    page, refused = await offline_page(new_context, base_url)
    await page.goto("/redoc")
    summary = page.locator("h2", has_text="Book an appointment with an owner")
    await expect(summary).to_be_attached(timeout=60_000)
    # The side menu's footer is where ReDoc's bundle would fetch the Redocly logo from its CDN.
    footer = page.locator("a[href='https://redocly.com/redoc/']")
    await expect(footer).to_be_attached()
    await page.wait_for_load_state("networkidle")
    assert refused == []
