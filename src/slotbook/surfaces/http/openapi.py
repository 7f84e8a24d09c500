"""The OpenAPI document, made true for this server.

FastAPI builds it from the routes; this module adds what routes cannot say themselves:
a description per surface tag linking the document it implements, request bodies that
are read by hand (`documented_body`), lock icons only where the current mode needs a
token, and no trace of FastAPI's default 422 body, which no surface sends.
"""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter

from slotbook import __version__
from slotbook.settings import Settings

DOCUMENTS = "/docs/documents"

DESCRIPTION = f"""One booking engine behind five booking APIs: a live WebSocket slot board,
calendar owners, providers, events, and signed-in reservations. A booking made on one
surface shows up on every surface that lists its calendar, and any booking can be managed
with its token.

Each surface answers errors in the shape of the document it implements (`{{"detail",
"code"}}`, or surface 002's `{{"error", "code"}}`); `code` is stable for programs.

* The live board's WebSocket protocol (`/slot-booking`): [AsyncAPI document](/asyncapi.json).
* [Prometheus metrics](/metrics) · [ReDoc](/redoc) · [the documents]({DOCUMENTS}/)
"""


def _document(number: str, name: str) -> str:
    return f"[document {number}]({DOCUMENTS}/{name})"


TAGS = [
    {
        "name": "000 live slot board",
        "description": "Surface 000, as "
        + _document("000", "000_05721879d73410c9.txt")
        + " has it: status, health, and the `/slot-booking` WebSocket — its protocol is in"
        " the [AsyncAPI document](/asyncapi.json). The default board shows today in its"
        " zone until its last slot has begun, then the next day (`data.date` says which).",
    },
    {
        "name": "001 calendar owners",
        "description": "Surface 001, "
        + _document("001", "001_a4176122eb09040e.txt")
        + ": owners' daily working hours, hourly slots, appointments. Errors:"
        ' `{"detail", "code"}`.',
    },
    {
        "name": "002 providers",
        "description": "Surface 002, "
        + _document("002", "002_f89167d8f7d5f2ed.txt")
        + ': providers and their bookings. Errors: `{"error", "code"}`, malformed input 400.',
    },
    {
        "name": "003 events",
        "description": "Surface 003, "
        + _document("003", "003_9f4af206df3d0c75.txt")
        + ': events with seat-limited time slots. Errors: `{"detail", "code"}`.',
    },
    {
        "name": "003 manage a booking",
        "description": "Any booking, from any surface, read, moved or cancelled with the token"
        " its creating answer showed once (" + _document("003", "003_9f4af206df3d0c75.txt") + ").",
    },
    {
        "name": "004 reservations",
        "description": "Surface 004, "
        + _document("004", "004_903f917762ba1d22.txt")
        + ": accounts, roles and bearer tokens (`POST /token`), provider availability,"
        " holds that are confirmed or expire.",
    },
    {
        "name": "booking pages",
        "description": "The JSON the booking pages (`/book/...`, `/manage/...`) use.",
    },
    {"name": "operations", "description": "Prometheus metrics (`SLOTBOOK_METRICS_*`)."},
]

#: component schemas of request bodies documented by hand (`documented_body`)
_EXTRA_SCHEMAS: dict[str, Any] = {}


def documented_body(model: Any, *, name: str, examples: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its JSON body itself: the body's schema
    (`model`, any pydantic type: a union shows each shape) as component `name`."""
    schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
    _EXTRA_SCHEMAS.update(schema.pop("$defs", {}))
    _EXTRA_SCHEMAS[name] = schema | {"title": name}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{name}"},
                    "examples": examples,
                }
            },
        }
    }


def _dependency_names(route: APIRoute) -> set[str]:
    names: set[str] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        names.add(getattr(dependant.call, "__name__", ""))
        pending.extend(dependant.dependencies)
    return names


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            yield path, method, operation


def _token_need(route: APIRoute, settings: Settings) -> str:
    """`required`, `optional` or `none`: does this route need a bearer token right now?"""
    names = _dependency_names(route)
    if names & {"current_user", "signed_in_with_role"}:
        return "required"
    if "strict_user" in names:
        return "required" if settings.auth == "strict" else "none"
    if "OAuth2PasswordBearer" in {type(d.call).__name__ for d in route.dependant.dependencies}:
        return "optional"
    return "none"


def _mark_security(schema: dict[str, Any], app: FastAPI, settings: Settings) -> None:
    routes = {
        (context.path_format, method.lower()): context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.original_route.methods or ()
    }
    for path, method, operation in _operations(schema):
        route = routes.get((path, method))
        if route is None or "security" not in operation:
            continue
        need = _token_need(route, settings)
        if need == "none":
            del operation["security"]
        elif need == "optional":
            operation["security"] = [{}, *operation["security"]]
    if settings.metrics_token and "/metrics" in schema["paths"]:
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["MetricsToken"] = {"type": "http", "scheme": "bearer"}
        schema["paths"]["/metrics"]["get"]["security"] = [{"MetricsToken": []}]


def _drop_default_validation(schema: dict[str, Any]) -> None:
    """FastAPI documents a 422 `HTTPValidationError` no surface sends; each surface's
    route class documents its real one instead."""
    for _, _, operation in _operations(schema):
        answer = operation.get("responses", {}).get("422", {})
        ref = answer.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        if ref == "#/components/schemas/HTTPValidationError":
            del operation["responses"]["422"]
    components = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)


def openapi_builder(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """`app.openapi`: the document, built once."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=__version__,
                description=DESCRIPTION,
                routes=app.routes,
                tags=TAGS,
            )
            schema.setdefault("components", {}).setdefault("schemas", {}).update(_EXTRA_SCHEMAS)
            _drop_default_validation(schema)
            _mark_security(schema, app, settings)
            app.openapi_schema = schema
        return app.openapi_schema

    return build
