"""The ASGI application: one engine, every surface."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from slotbook import __version__
from slotbook.accounts.signing_keys import signing_key
from slotbook.availability.slot_cache import SlotCache
from slotbook.engine import Clock, Engine, system_clock
from slotbook.errors import DomainError, Unavailable
from slotbook.jobs.sweeper import run_sweeper
from slotbook.protection.rate_limits import RateLimiter
from slotbook.settings import Settings, get_settings
from slotbook.store.db import Database
from slotbook.surfaces import (
    approvals,
    board,
    bookings,
    calendar_settings,
    events,
    manage,
    owners,
    providers,
    reservations,
)
from slotbook.surfaces.errors import domain_error_handler, unexpected_error_handler
from slotbook.surfaces.request_limits import RequestLimits
from slotbook.web import api as web_api
from slotbook.web import assets
from slotbook.web import routes as pages

log = logging.getLogger("slotbook")


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """Build the app. Migrations are not run here: `slotbook serve` runs them first."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.for_settings(settings)
        engine = app.state.engine = Engine(settings, db, clock)
        cache = app.state.slot_cache = SlotCache.for_settings(settings)
        limiter = app.state.rate_limiter = RateLimiter(settings)
        engine.on_change(cache.invalidate)
        try:
            await signing_key(engine)  # made now (and logged) if none is configured or stored
        except Unavailable:
            log.warning("database unreachable at start; the signing key is loaded when it is back")
        sweeper = asyncio.create_task(run_sweeper(engine, settings.sweep_interval_seconds))
        try:
            async with board.live_board(app, engine):
                yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await cache.close()
            await limiter.close()
            await db.dispose()

    app = FastAPI(
        title="slotbook",
        version=__version__,
        description="One booking engine behind five booking APIs.",
        lifespan=lifespan,
    )
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.add_middleware(RequestLimits, settings=settings)
    surfaces = (
        board,
        owners,
        providers,
        bookings,
        events,
        manage,
        reservations,
        calendar_settings,
        approvals,
        web_api,
        pages,
    )
    for surface in surfaces:
        app.include_router(surface.router)
    app.state.routers = [surface.router for surface in surfaces]  # see errors.style_for
    for path, static in assets.static_apps().items():
        app.mount(path, static)
    return app
