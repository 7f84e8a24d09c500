"""`GET /metrics`: Prometheus' text format, off or token-protected by settings."""

import asyncio
import secrets

from fastapi import APIRouter, Request, Response

from slotbook.engine import Engine
from slotbook.errors import NotFound, Unauthorized, Unavailable
from slotbook.observability.metrics import exposition, outbox_reading
from slotbook.store.outbox import outbox
from slotbook.surfaces.http.errors import DEFAULT_STYLE, surface_route

router = APIRouter(tags=["operations"], route_class=surface_route(DEFAULT_STYLE))


def _check_access(request: Request) -> None:
    settings = request.app.state.engine.settings
    if not settings.metrics_enabled:
        raise NotFound("Metrics are turned off (SLOTBOOK_METRICS_ENABLED=false)")
    if settings.metrics_token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
            given.encode(), settings.metrics_token.encode()
        ):
            raise Unauthorized("Metrics need Authorization: Bearer <SLOTBOOK_METRICS_TOKEN>")


async def _read_outbox(engine: Engine) -> None:
    """Read the outbox's backlog into its gauges; with the database down the last reading
    stays (the scrape still answers: `/health` is what reports the database)."""
    try:
        async for attempt in engine.attempts():
            async with attempt as uow:
                backlog = await outbox.backlog(uow)
                outbox_reading(backlog.size, backlog.oldest_age_seconds(uow.now))
    except Unavailable:
        return


@router.get(
    "/metrics",
    summary="Prometheus metrics of every worker of this instance",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus' text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **DEFAULT_STYLE.responses(
            NotFound("Metrics are turned off (SLOTBOOK_METRICS_ENABLED=false)"),
            Unauthorized("Metrics need Authorization: Bearer <SLOTBOOK_METRICS_TOKEN>"),
        ),
    },
)
async def metrics(request: Request) -> Response:
    _check_access(request)
    await _read_outbox(request.app.state.engine)
    body, content_type = await asyncio.to_thread(exposition)  # reads files when multiprocess
    return Response(body, media_type=content_type)
