"""In-process apps: `create_app` as `slotbook serve` builds it, one for each test, that
share only FastAPI's route tables with the first app of the run.

FastAPI 0.165 builds each included route's models (`_populate_api_route_state`: the
dependant, the body and response fields, the request handler) lazily, once per app:
2-3 ms a route, 50-300 ms for a test that reaches the later routers, more than many
tests' own requests take. Those tables depend only on the routers and how they are
included, and every `create_app` includes the same routers in the same way, so an app
made here looks its routes up in the tables of the first app that included each router
(built as requests first reach them). Everything a test can tell apart stays its own:
the app, its settings, clock, middleware, `app.state` and lifespan (engine, pools,
caches, rate limits, live board, jobs).

A shared handler reads `dependency_overrides` from the first app: slotbook sets none, and
an app made here refuses them (a read-only mapping) rather than ignore them. Should
FastAPI store its tables another way, each app builds its own again, as before.
"""

import dataclasses
from types import MappingProxyType
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing

from slotbook.app import create_app
from slotbook.engine import Clock
from slotbook.settings import Settings

_INCLUDED: Any = getattr(fastapi_routing, "_IncludedRouter", None)
_LOOKUPS = ("effective_candidates", "effective_low_priority_routes")
#: (position in the app's routes, included router) -> the first app's inclusion of it
_FIRST: dict[tuple[int, int], Any] = {}


def _same_inclusion(first: Any, route: Any) -> bool:
    """Included the same way (the app each inclusion belongs to aside)."""
    try:
        return bool(
            dataclasses.replace(first.include_context, dependency_overrides_provider=None)
            == dataclasses.replace(route.include_context, dependency_overrides_provider=None)
        )
    except (AttributeError, TypeError, ValueError):
        return False


def share_route_tables(app: FastAPI) -> FastAPI:
    """Let `app` look its routes up in the first app's tables (see the module's doc)."""
    if _INCLUDED is None:
        return app
    for index, route in enumerate(app.router.routes):
        if not isinstance(route, _INCLUDED) or not all(hasattr(route, n) for n in _LOOKUPS):
            continue
        first = _FIRST.setdefault((index, id(route.original_router)), route)
        if first is not route and _same_inclusion(first, route):
            for name in _LOOKUPS:
                setattr(route, name, getattr(first, name))
    app.dependency_overrides = MappingProxyType({})  # type: ignore[assignment]
    return app


def in_process_app(settings: Settings, clock: Clock) -> FastAPI:
    """`create_app(settings, clock=clock)`, with the route tables shared."""
    return share_route_tables(create_app(settings, clock=clock))
