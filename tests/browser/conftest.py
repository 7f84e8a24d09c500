"""Browser tests: the pages, served by a real uvicorn, driven in headless Chromium.

They run on SQLite only: what the pages do goes through the same JSON and WebSocket
surfaces whose behaviour on both databases the API tests already cover; here the
browser, the server and one database are what is being tested.
"""

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from slotbook.app import create_app
from slotbook.settings import Settings
from tests.support.clock import FrozenClock
from tests.support.databases import create_sqlite_database, wipe
from tests.support.web import CHROMIUM, CHROMIUM_ARGS, DESKTOP, no_browser, serving

try:
    from playwright.async_api import Browser, BrowserContext, async_playwright
    from playwright.async_api import Error as PlaywrightError
except ImportError:  # pragma: no cover - playwright is a test dependency
    async_playwright = None


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator["Browser"]:
    if async_playwright is None:
        no_browser("the playwright Python package is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        no_browser(f"no Chromium at {CHROMIUM}")
    async with async_playwright() as playwright:
        try:
            chromium = await playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            no_browser(f"Chromium at {CHROMIUM} did not start: {exc.message.splitlines()[0]}")
        yield chromium
        await chromium.close()


@pytest.fixture
async def app(sqlite_url: str, clock: FrozenClock):
    await wipe(sqlite_url)
    return create_app(Settings(database_url=sqlite_url, _env_file=None), clock=clock)


@pytest.fixture
async def base_url(app) -> AsyncIterator[str]:
    async with serving(app) as url:
        yield url


@pytest.fixture
async def api(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The same server's JSON API, for setting things up and checking what was stored."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        yield client


@asynccontextmanager
async def people(
    browser: "Browser", base_url: str
) -> AsyncIterator[Callable[..., Awaitable["BrowserContext"]]]:
    """Open browser contexts (separate people) on a server; all closed at the end."""
    contexts: list[BrowserContext] = []

    async def open_context(timezone_id: str = "UTC", **options: object) -> "BrowserContext":
        context = await browser.new_context(
            **{"viewport": DESKTOP} | options,  # type: ignore[arg-type]
            base_url=base_url,
            locale="en-GB",
            timezone_id=timezone_id,
        )
        contexts.append(context)
        return context

    try:
        yield open_context
    finally:
        for context in contexts:
            await context.close()


@pytest.fixture
async def new_context(
    browser: "Browser", base_url: str
) -> AsyncIterator[Callable[..., Awaitable["BrowserContext"]]]:
    async with people(browser, base_url) as open_context:
        yield open_context


# One server for a whole module (its own SQLite file and clock), for the modules whose
# tests each use calendars of their own: a server start per test would dominate them.


@pytest.fixture(scope="module")
def site_clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="module")
async def site(
    tmp_path_factory: pytest.TempPathFactory, site_clock: FrozenClock
) -> AsyncIterator[str]:
    url = create_sqlite_database(tmp_path_factory.mktemp("site"))
    app = create_app(Settings(database_url=url, _env_file=None), clock=site_clock)
    async with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
async def site_api(site: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site) as client:
        yield client


@pytest.fixture
async def person(
    browser: "Browser", site: str
) -> AsyncIterator[Callable[..., Awaitable["BrowserContext"]]]:
    async with people(browser, site) as open_context:
        yield open_context
