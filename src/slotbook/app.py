"""The ASGI application: one engine, every surface."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from slotbook import __version__
from slotbook.accounts.signing_keys import signing_key
from slotbook.availability.slot_cache import SlotCache
from slotbook.engine import Clock, Engine, system_clock
from slotbook.errors import DomainError, Unavailable
from slotbook.gc_tuning import tune_for_serving
from slotbook.jobs.scheduler import Job, Scheduler
from slotbook.jobs.sweeper import PURGE_EVERY, purge_idempotent_answers, sweep
from slotbook.notify.dispatcher import Dispatcher
from slotbook.notify.mail.consumer import MailConsumer
from slotbook.notify.mail.transport import transport_for
from slotbook.notify.outbound import Outbound
from slotbook.notify.webhooks import WebhookConsumer
from slotbook.observability import logs, metrics
from slotbook.observability.requests import RequestObserver
from slotbook.protection.rate_limits import RateLimiter
from slotbook.realtime.watchers import CalendarWatchers
from slotbook.settings import Settings, get_settings
from slotbook.store.db import Database
from slotbook.surfaces.bookings import bookings, mail, manage, series, waitlist
from slotbook.surfaces.calendars import (
    approvals,
    calendar_bookings,
    calendar_settings,
    console,
    feeds,
    webhooks,
)
from slotbook.surfaces.documents import board, events, owners, providers, reservations
from slotbook.surfaces.http.errors import domain_error_handler, unexpected_error_handler
from slotbook.surfaces.http.openapi import openapi_builder
from slotbook.surfaces.http.replies import JsonAnswer
from slotbook.surfaces.http.request_limits import RequestLimits
from slotbook.surfaces.http.route_index import index_routes
from slotbook.surfaces.operations import docs
from slotbook.surfaces.operations import metrics as operations
from slotbook.web import api as web_api
from slotbook.web import assets
from slotbook.web import routes as pages

log = logging.getLogger("slotbook")
#: seconds the dispatcher waits after a commit, so that a burst of bookings is sent in
#: one pass (a few transactions for many events) instead of one pass per booking
DISPATCH_SETTLE = 0.2


def create_served_app(settings: Settings | None = None) -> FastAPI:
    """The app as `slotbook serve` runs it: its process's garbage collector is tuned for
    serving once it has started (`gc_tuning`), and its log records hold only what the
    lines say."""
    logs.record_only_what_is_written()
    return create_app(settings, tune_gc=True)


def create_app(
    settings: Settings | None = None, *, clock: Clock = system_clock, tune_gc: bool = False
) -> FastAPI:
    """Build the app. Migrations are not run here: `slotbook serve` runs them first."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.for_settings(settings)
        engine = app.state.engine = Engine(settings, db, clock)
        cache = app.state.slot_cache = SlotCache.for_settings(settings)
        limiter = app.state.rate_limiter = RateLimiter(settings)
        app.state.watchers = CalendarWatchers()
        engine.on_change(cache.invalidate)
        try:
            await signing_key(engine)  # made now (and logged) if none is configured or stored
        except Unavailable:
            log.warning("database unreachable at start; the signing key is loaded when it is back")
        outbound = Outbound(
            allow_private=settings.webhook_allow_private,
            timeout=settings.webhook_timeout_seconds,
        )
        mailer = MailConsumer(settings, transport_for(settings))
        dispatcher = Dispatcher(engine, [WebhookConsumer(outbound), mailer])
        dispatch = Job(
            "dispatching outbox events",
            settings.dispatch_interval_seconds,
            dispatcher.run_once,
            settle=DISPATCH_SETTLE,
        )

        async def wake_dispatcher(_days: object) -> None:  # this process committed a change
            dispatch.wake.set()

        engine.on_change(wake_dispatcher)
        jobs = Scheduler(
            [
                Job(
                    "sweeping expired holds",
                    settings.sweep_interval_seconds,
                    lambda: sweep(engine),
                ),
                Job(
                    "purging idempotent answers",
                    PURGE_EVERY,
                    lambda: purge_idempotent_answers(engine),
                    first_after=settings.sweep_interval_seconds,
                ),
                dispatch,
            ]
        )
        if settings.run_jobs:
            jobs.start()
        try:
            async with board.live_board(app, engine):
                if tune_gc:
                    tune_for_serving()
                yield
        finally:
            await jobs.stop()
            await outbound.close()
            await cache.close()
            await limiter.close()
            await db.dispose()
            metrics.worker_stopped()

    app = FastAPI(
        title="slotbook",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served offline by apidocs.pages
        redoc_url=None,
        default_response_class=JsonAnswer,
        # slotbook's metrics are Prometheus's (`observability.metrics`); FastAPI's own
        # OpenTelemetry bridge, on by default, looked up the global providers on every
        # request (~4% of a booking's CPU) to find none configured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.openapi = openapi_builder(app, settings)  # type: ignore[method-assign]
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.add_middleware(RequestLimits, settings=settings)
    app.add_middleware(RequestObserver)  # outermost: every answer gets its request id
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
        console,
        calendar_bookings,
        series,
        waitlist,
        webhooks,
        mail,
        feeds,
        web_api,
        pages,
    )
    app.include_router(operations.router)
    app.include_router(docs.router)
    app.mount(docs.ASSETS_URL, docs.assets(), name="docs-assets")
    for surface in surfaces:
        app.include_router(surface.router)
    app.state.routers = [surface.router for surface in surfaces]  # see errors.style_for
    for path, static in assets.static_apps().items():
        app.mount(path, static)
    index_routes(app.router)  # route lookup without trying every route in turn
    return app
