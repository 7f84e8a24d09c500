"""A real uvicorn server inside the test's event loop, and headless Chromium to drive it.

The server runs `create_app(settings, clock=...)`, so browser tests share the test's
frozen clock. Chromium is Debian's (`apt-get install chromium`), driven by Playwright's
Python package; no browser is ever downloaded.
"""

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

if TYPE_CHECKING:
    from playwright.async_api import FrameLocator, Page

CHROMIUM = os.environ.get("SLOTBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("SLOTBOOK_REQUIRE_SERVICES") == "1" or (
    os.environ.get("CI", "").lower() == "true"
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def span(start: str, end: str) -> str:
    """A time range as the pages write it: with an en dash."""
    return f"{start}\u2013{end}"


def no_browser(reason: str) -> None:
    """Skip for want of Chromium; in CI (CI=true or SLOTBOOK_REQUIRE_SERVICES=1), fail."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}; CI requires the browser tests to run", pytrace=False)
    pytest.skip(f"{reason}; install it with `apt-get install chromium` to run browser tests")


@asynccontextmanager
async def serving(
    app: Any, *, send_buffer: int | None = None, port: int = 0, **options: object
) -> AsyncIterator[str]:
    """Serve `app` on a loopback port (`port`, or a free one) until the block ends; yields
    its base URL. `options` are uvicorn's (e.g. `cli.server_options(settings)`);
    `send_buffer` sets every connection's socket send buffer (small: a link that fills up
    quickly)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer:  # accepted connections inherit it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **options))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped while starting")
        await asyncio.sleep(0.01)  # polling a starting server, not waiting for time to pass
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()


async def screenshots(page: object, name: str) -> None:
    """Save the page as it looks at desktop and phone sizes, under artifacts/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        await page.set_viewport_size(viewport)  # type: ignore[attr-defined]
        await page.screenshot(  # type: ignore[attr-defined]
            path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True
        )
    await page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]


async def book_on_page(
    page: "Page | FrameLocator", time: str, name: str = "Bob", email: str = "bob@example.com"
) -> None:
    """On a booking page (or a frame holding one) showing its day: pick the slot that
    starts at `time`, fill in who books, and press Book."""
    await page.get_by_role("radio", name=re.compile(f"^{time}")).check()
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_role("button", name=re.compile("^Book ")).click()
