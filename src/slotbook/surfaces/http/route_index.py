"""Route lookup without trying every route: an index in front of the app's router.

FastAPI tries the app's routes one after the other (85 of them, each through the wrappers
of the router that included it): 20 µs of CPU for `/health`, 40 µs for
`POST /api/v1/bookings`, 130 µs for a page of the last router, on every request. The
index files each route under the path segments its pattern starts with, so a request
looks at the few routes whose pattern can match its path; those routes are then tried in
the app's order by FastAPI's own router code, on a view of the app's router that holds
only them — and, where they belong to an included router, only them of it (FastAPI
matches an included router's routes twice a request, each time checking every one of
them for changes). A route no pattern leaves out can match the path, and one of those
kept does, so the route chosen, its scope, a 405 and every other answer are what the
full router gives.
A path no pattern matches is answered with the router's default (404) when the full
router would come to that too (no slash redirect, no low-priority route): a scanner's
404 no longer tries every route twice. Anything else, and a request under a `root_path`,
goes through the full router as before; so does every request when the app holds a kind
of route the index does not know (then it is off). Routes added after the app is made
(a test's, say) are filed at the next request.
"""

import copy
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from fastapi.routing import APIRouter
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

Segments = tuple[str, ...]
#: where a route is: its index in the app router's `routes`, then, for a route of an
#: included router, its index in that router's `routes` (and so on, down the includes)
Position = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One route's path pattern, and where in the app's routes it is."""

    position: Position
    regex: re.Pattern[str]
    scope_types: frozenset[str]


class Unindexable(Exception):
    """The app holds a route whose matching the index cannot tell from its pattern."""


Leaf = Route | WebSocketRoute | Mount


def _scope_types(route: BaseRoute, *, top: bool) -> tuple[Leaf, frozenset[str]]:
    """The route as one whose pattern is all it matches on, and the scopes it serves."""
    if isinstance(route, Route):
        return route, frozenset({"http"})
    if isinstance(route, WebSocketRoute):
        return route, frozenset({"websocket"})
    if top and isinstance(route, Mount):  # (a mount in an included router is re-pathed)
        return route, frozenset({"http", "websocket"})
    raise Unindexable(route)


def _leaves(
    route: BaseRoute, position: Position, routers: list[APIRouter], *, top: bool = True
) -> Iterator[tuple[Position, Leaf, frozenset[str]]]:
    """The routes `route` (at `position`) dispatches to whose own patterns are the paths
    it matches: itself, or those of a router included with no prefix (FastAPI's
    `_IncludedRouter`), which is added to `routers`."""
    included: Any = getattr(route, "original_router", None)
    if included is None:
        yield (position, *_scope_types(route, top=top))
        return
    prefix = getattr(getattr(route, "include_context", None), "prefix", None)
    if not isinstance(included, APIRouter) or prefix != "":
        raise Unindexable(route)
    routers.append(included)
    for index, inner in enumerate(included.routes):
        yield from _leaves(inner, (*position, index), routers, top=False)


def _only(router: APIRouter, positions: Sequence[Position]) -> APIRouter:
    """A copy of `router` holding only the routes at `positions` (sorted; those within an
    included router as a copy of its inclusion that includes only them)."""
    view = copy.copy(router)
    view.routes = []
    for index, group in groupby(positions, key=lambda position: position[0]):
        route: Any = router.routes[index]
        inner = [position[1:] for position in group]
        if inner != [()]:  # an inclusion, made as FastAPI makes those it nests
            only = _only(route.original_router, inner)
            route = type(route)(original_router=only, include_context=route.include_context)
        view.routes.append(route)
    return view


def _has_low_priority_routes(router: APIRouter) -> bool:
    """Whether the router has routes it tries after all others (FastAPI's frontends);
    True when it cannot tell."""
    try:
        return any(True for _ in router._iter_low_priority_routes())
    except AttributeError:
        return True


def _segments(path_format: str) -> Segments:
    """The leading whole segments every path the pattern matches starts with."""
    if "{" in path_format:
        literal = path_format.split("{", 1)[0]
        path_format = literal[: literal.rfind("/")]
    return tuple(path_format.split("/")[1:])


class RouteTable:
    """The routes of a router, filed by the leading segments of their patterns."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self.routers = [router]  # it and the routers it includes: their routes are filed
        self.buckets: dict[Segments, list[Pattern]] = {}
        self.views: dict[tuple[Position, ...], APIRouter] = {}
        for index, route in enumerate(router.routes):
            for position, leaf, scope_types in _leaves(route, (index,), self.routers):
                pattern = Pattern(position, leaf.path_regex, scope_types)
                self.buckets.setdefault(_segments(leaf.path_format), []).append(pattern)
        self.depth = max((len(key) for key in self.buckets), default=0)
        self.low_priority = _has_low_priority_routes(router)
        self.shape = self.current_shape()

    def current_shape(self) -> list[int]:
        """How many routes each router filed has now (a route added later changes it)."""
        return [len(router.routes) for router in self.routers]

    def positions(self, scope_type: str, path: str) -> tuple[Position, ...]:
        """Where the routes that match `path` for this kind of scope are, in order."""
        parts = path.split("/")[1:]
        found: set[Position] = set()
        for length in range(min(len(parts), self.depth) + 1):
            for pattern in self.buckets.get(tuple(parts[:length]), ()):
                if scope_type in pattern.scope_types and pattern.regex.match(path):
                    found.add(pattern.position)
        return tuple(sorted(found))

    def view(self, positions: tuple[Position, ...]) -> APIRouter:
        """The router holding only the routes at `positions` (made once per set)."""
        view = self.views.get(positions)
        if view is None:
            view = self.views[positions] = _only(self.router, positions)
        return view

    def only_the_default(self, scope_type: str, path: str) -> bool:
        """Whether the full router, finding no route for `path`, answers with its default:
        no route matches the path with its trailing slash toggled (a redirect), and there
        is no low-priority route to try."""
        if self.low_priority:
            return False
        if scope_type == "http" and self.router.redirect_slashes and path != "/":
            toggled = path.rstrip("/") if path.endswith("/") else path + "/"
            return not self.positions(scope_type, toggled)
        return True


class RouteIndex:
    """The app router's entry point (its `middleware_stack`): each request to the routes
    whose pattern matches its path, else to the full router. The table is made at the
    first request and again whenever a route has been added since (one `len` per router
    a request)."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self._table: RouteTable | None = None
        self._unindexable: list[int] | None = None  # the shape the router could not be filed in

    def table(self) -> RouteTable | None:
        """The router's table as its routes are now; None if they cannot be filed."""
        table = self._table
        if table is not None and table.current_shape() == table.shape:
            return table
        shape = [len(self.router.routes)]
        if table is None and self._unindexable == shape:
            return None
        try:
            self._table = RouteTable(self.router)
        except Unindexable:
            self._table, self._unindexable = None, shape
        return self._table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type, path = scope["type"], scope.get("path", "")
        table = self.table() if scope_type in ("http", "websocket") else None
        if table is not None and not scope.get("root_path"):
            scope.setdefault("router", self.router)  # what url_for looks routes up in
            positions = table.positions(scope_type, path)
            if positions:
                await table.view(positions).app(scope, receive, send)
                return
            if table.only_the_default(scope_type, path):
                await self.router.default(scope, receive, send)
                return
        await self.router.app(scope, receive, send)


def index_routes(router: APIRouter) -> None:
    """Put a `RouteIndex` in front of `router` (unless it has router-level middleware)."""
    entry: ASGIApp = router.middleware_stack
    if entry == router.app:
        router.middleware_stack = RouteIndex(router)
