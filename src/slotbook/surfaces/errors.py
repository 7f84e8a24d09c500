"""One place that turns domain, validation and unexpected errors into each surface's
error shape."""

import json
import logging
import uuid
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from slotbook.errors import DomainError

log = logging.getLogger("slotbook.errors")
UNEXPECTED = "Something went wrong on our side; quote the request id if you report it"


class ErrorResponse(JSONResponse):
    """JSON with every non-ASCII character escaped, so that no text a client sent (a lone
    surrogate, say) can make an error unrenderable."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


def request_id(request: Request) -> str:
    """The request's id (set by the request-id middleware when there is one)."""
    rid = getattr(request.state, "request_id", None)
    if not rid:
        rid = request.state.request_id = uuid.uuid4().hex
    return str(rid)


def describe_validation(exc: RequestValidationError) -> str:
    """A short sentence naming what was wrong with the request."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        if error.get("type") == "missing":
            problems.append(f"Missing required field: {where}")
        else:
            problems.append(
                f"{where}: {error.get('msg', 'invalid value')}"
                if where
                else str(error.get("msg", "invalid value"))
            )
    return "; ".join(problems) or "Invalid request"


@dataclass(frozen=True)
class ErrorStyle:
    """How a surface shows errors: the body's key, and per-code status/message overrides."""

    key: str = "detail"
    overrides: Mapping[str, tuple[int, str | None]] = field(default_factory=dict)
    validation_status: int = 422

    def render(self, exc: DomainError) -> JSONResponse:
        status, message = self.overrides.get(exc.code, (exc.status, None))
        body = {self.key: message or exc.message, "code": exc.code, **exc.details()}
        headers = dict(exc.response_headers()) or None
        return ErrorResponse(body, status_code=status, headers=headers)

    def render_unexpected(self, request: Request, exc: BaseException) -> JSONResponse:
        """A 500 for an error nobody anticipated: logged with its request id, which the
        answer names (and nothing else about it)."""
        rid = request_id(request)
        log.error("unexpected error in request %s", rid, exc_info=exc)
        body = {self.key: UNEXPECTED, "code": "internal_error", "request_id": rid}
        return ErrorResponse(body, status_code=500, headers={"X-Request-ID": rid})

    def render_validation(self, exc: RequestValidationError) -> JSONResponse:
        body = {
            self.key: describe_validation(exc),
            "code": "invalid_input",
            "errors": [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                for e in exc.errors()
            ],
        }
        return ErrorResponse(body, status_code=self.validation_status)


DEFAULT_STYLE = ErrorStyle()


def use_style(request: Request, style: ErrorStyle) -> None:
    """Let one request answer in another style (a path shared by two surfaces)."""
    request.state.error_style = style


def surface_route(style: ErrorStyle) -> type[APIRoute]:
    """A route class whose errors render in `style` (unless the request picked another)."""

    class SurfaceRoute(APIRoute):
        error_style = style

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except DomainError as exc:
                    return getattr(request.state, "error_style", style).render(exc)
                except RequestValidationError as exc:
                    return getattr(request.state, "error_style", style).render_validation(exc)
                except HTTPException:
                    raise  # FastAPI's own answers (an unparsable body, ...) are not surprises
                except Exception as exc:
                    return getattr(request.state, "error_style", style).render_unexpected(
                        request, exc
                    )

            return handle

    return SurfaceRoute


def style_for(scope: Scope) -> ErrorStyle:
    """The error style of the surface whose route serves `scope`'s path (DEFAULT_STYLE
    when none does), whether or not the router has matched it yet."""
    app = scope.get("app")
    routes: list[BaseRoute] = (
        [route for router in getattr(app.state, "routers", ()) for route in router.routes]
        if app is not None
        else []
    )
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return getattr(route, "error_style", DEFAULT_STYLE)
        if match is Match.PARTIAL and partial is None:
            partial = route
    return getattr(partial, "error_style", DEFAULT_STYLE)


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    """For routes outside any surface (health, websockets' HTTP side)."""
    assert isinstance(exc, DomainError)
    return style_for(request.scope).render(exc)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """The last resort, for errors outside any surface's routes: a 500 in the shape of the
    surface the path belongs to, with a request id."""
    return style_for(request.scope).render_unexpected(request, exc)
