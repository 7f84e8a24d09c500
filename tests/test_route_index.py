"""The route index picks, for every path and method, the route FastAPI's full scan picks."""

import re
from typing import Any

import httpx
import pytest
from starlette.routing import BaseRoute, Match

from slotbook.app import create_app
from slotbook.settings import Settings
from slotbook.surfaces.http.route_index import RouteIndex

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
PARAMETER = re.compile(r"{(\w+)(?::(\w+))?}")
SAMPLE = {"path": "a/b.css", "int": "7"}


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(Settings(_env_file=None))


def chosen(routes: list[BaseRoute], scope: dict[str, Any]) -> tuple[BaseRoute, Match] | None:
    """The route a router's scan serves `scope` with: the first full match, else the first
    partial one (a 405)."""
    partial = None
    for route in routes:
        match, _ = route.matches(dict(scope))
        if match is Match.FULL:
            return route, match
        if match is Match.PARTIAL and partial is None:
            partial = (route, match)
    return partial


def leaf_chosen(routes: list[BaseRoute], scope: dict[str, Any]) -> tuple[BaseRoute, Match] | None:
    """`chosen`, down to the route itself when the one chosen is an included router."""
    found = chosen(routes, scope)
    included = found and getattr(found[0], "original_router", None)
    return found if included is None else leaf_chosen(included.routes, scope)


def templates(app: Any) -> set[str]:
    """Every route template of the app (included routers' and mounts'), filled in."""
    found = set()
    for route in app.router.routes:
        included = getattr(route, "original_router", None)
        for leaf in included.routes if included is not None else [route]:
            path = leaf.path_format
            found.add(PARAMETER.sub(lambda m: SAMPLE.get(m.group(2) or "", "x1"), path))
    return found


def test_the_app_router_looks_routes_up_in_the_index(app):
    assert isinstance(app.router.middleware_stack, RouteIndex)
    assert app.router.middleware_stack.table() is not None  # every route could be filed


def test_every_path_and_method_gets_the_route_the_full_scan_gives(app):
    index = app.router.middleware_stack.table()
    paths = templates(app)
    paths |= {p + "/" for p in paths} | {p + "/more" for p in paths}
    paths |= {"/", "/nope", "/api/v1", "/api/v1/bookings/x1/approve/extra", "/static"}
    compared = defaults = 0
    for path in sorted(paths):
        for scope_type, methods in (("http", METHODS), ("websocket", ("GET",))):
            for method in methods:
                scope = {"type": scope_type, "path": path, "root_path": "", "method": method}
                full = leaf_chosen(app.router.routes, scope)
                positions = index.positions(scope_type, path)
                if not positions:  # no route: a redirect, or the router's default (404)
                    assert full is None, (scope_type, method, path)
                    toggled = path.rstrip("/") if path.endswith("/") else path + "/"
                    redirects = scope_type == "http" and path != "/"
                    redirected = redirects and chosen(app.router.routes, scope | {"path": toggled})
                    assert index.only_the_default(scope_type, path) is (not redirected), path
                    defaults += not redirected
                    continue
                via_index = leaf_chosen(index.view(positions).routes, scope)
                assert via_index is not None and full is not None, (scope_type, method, path)
                assert via_index[0] is full[0] and via_index[1] is full[1], (method, path)
                compared += 1
    assert compared > 500 and defaults > 500


async def answer(app: Any, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://slotbook.test") as http:
        return await http.request(method, path)


async def test_answers_through_the_index_are_the_full_routers(app):
    """Requests that need no database, answered by the app and by one without the index."""
    plain = create_app(Settings(_env_file=None))
    plain.router.middleware_stack = plain.router.app
    requests = [
        ("GET", "/openapi.json"),
        ("DELETE", "/api/v1/slots"),  # 405
        ("GET", "/api/v1/slots/"),  # redirected to /api/v1/slots
        ("GET", "/api/v1/nothing-here"),  # 404
        ("POST", "/"),
        ("GET", "/docs"),
    ]
    for method, path in requests:
        indexed, full = [await answer(each, method, path) for each in (app, plain)]
        assert indexed.status_code == full.status_code, (method, path)
        assert indexed.content == full.content, (method, path)
        same = {k: v for k, v in indexed.headers.items() if k != "x-request-id"}
        assert same == {k: v for k, v in full.headers.items() if k != "x-request-id"}


async def test_a_route_added_after_the_app_was_made_is_found():
    app = create_app(Settings(_env_file=None))
    assert (await answer(app, "GET", "/api/v1/providers-later")).status_code == 404

    @app.get("/api/v1/providers-later")
    async def later() -> dict[str, str]:
        return {"found": "yes"}

    found = await answer(app, "GET", "/api/v1/providers-later")
    assert found.status_code == 200 and found.json() == {"found": "yes"}
