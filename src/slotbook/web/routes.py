"""The pages: booking (per calendar, per owner, per event), managing by token, a waitlist
entry by its token, the board.

Each page is a static HTML file whose ES module reads its ids from the URL and talks to
the JSON APIs and the `/slot-booking` WebSocket; nothing is fetched from elsewhere.
"""

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.errors import NotFound
from slotbook.surfaces.http.deps import EngineDep
from slotbook.surfaces.http.fields import parse_id
from slotbook.web import assets

WEB = Path(__file__).parent
#: Pages load only this server's scripts and styles, and talk only to this server; the
#: manage token in a page's URL is never sent on as a referrer.
POLICY = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-ancestors {frames}; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": POLICY.format(frames="'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
router = APIRouter(tags=["pages"], include_in_schema=False)


@cache
def _html(name: str) -> str:
    """The page, linking its assets under their current version."""
    text = (WEB / "templates" / f"{name}.html").read_text(encoding="utf-8")
    return text.replace('"/static/', f'"{assets.versioned("/static/")}')


def page(name: str, status_code: int = 200, *, framed_by: tuple[str, ...] = ()) -> HTMLResponse:
    """The page; `framed_by`: the origins whose pages may show it in a frame (none:
    no page may, `frame-ancestors 'none'`)."""
    headers = HEADERS
    if framed_by:
        headers = HEADERS | {"Content-Security-Policy": POLICY.format(frames=" ".join(framed_by))}
    return HTMLResponse(_html(name), status_code=status_code, headers=headers)


def embeddable(engine: EngineDep, name: str, status_code: int = 200) -> HTMLResponse:
    """A booking or manage page: framed by the origins of SLOTBOOK_EMBED_ORIGINS only."""
    return page(name, status_code, framed_by=engine.settings.framing_origins)


async def _calendar_page(engine: EngineDep, calendar_id: str, kind: str) -> Response:
    try:
        async for attempt in engine.attempts():
            async with attempt as uow:
                calendar = await cal.get_calendar(uow, parse_id(calendar_id))
    except (NotFound, ValueError):
        return page("not-found", 404)
    if calendar.patients_only:  # for signed-in patients: not bookable on these pages
        return page("not-found", 404)
    if calendar.kind == CalendarKind.EVENT and kind != "event":
        return RedirectResponse(f"/book/event/{calendar.id}")
    if kind == "event" and calendar.kind != CalendarKind.EVENT:
        return RedirectResponse(f"/book/calendar/{calendar.id}")
    return embeddable(engine, "book")


@router.get("/book/calendar/{calendar_id}")
async def book_calendar(calendar_id: str, engine: EngineDep) -> Response:
    return await _calendar_page(engine, calendar_id, "calendar")


@router.get("/book/event/{event_id}")
async def book_event(event_id: str, engine: EngineDep) -> Response:
    return await _calendar_page(engine, event_id, "event")


@router.get("/book/owner/{owner_id}")
async def book_owner(owner_id: str, engine: EngineDep) -> Response:
    """Surface 001's owners are known by their `calendar_owner_id`: send them to their
    calendar's page."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            calendar = await cal.find_calendar(uow, kind=CalendarKind.OWNER, owner_key=owner_id)
    if calendar is None:
        return page("not-found", 404)
    return RedirectResponse(f"/book/calendar/{calendar.id}")


@router.get("/manage/{token}")
async def manage(token: str, engine: EngineDep) -> HTMLResponse:
    return embeddable(engine, "manage")


@router.get("/embed.js")
async def embed_script() -> Response:
    """The embed (see the file): a script other sites load, so revalidated, not versioned."""
    return assets.script("embed.js")


@router.get("/console")
async def console() -> HTMLResponse:
    """The owner's console: a sign-in form until a provider or admin signs in; every
    screen is drawn by its scripts from the public JSON API."""
    return page("console")


@router.get("/waitlist/{token}")
async def waitlist(token: str) -> HTMLResponse:
    return page("waitlist")


@router.get("/board")
async def board() -> HTMLResponse:
    return page("board")


@router.get("/favicon.ico")
async def favicon() -> Response:
    return assets.favicon()
