"""One place that turns domain and validation errors into each surface's error shape."""

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from slotbook.errors import DomainError


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
        body = {self.key: message or exc.message, "code": exc.code}
        return JSONResponse(body, status_code=status, headers=dict(exc.headers) or None)

    def render_validation(self, exc: RequestValidationError) -> JSONResponse:
        body = {
            self.key: describe_validation(exc),
            "code": "invalid_input",
            "errors": [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                for e in exc.errors()
            ],
        }
        return JSONResponse(body, status_code=self.validation_status)


DEFAULT_STYLE = ErrorStyle()


def use_style(request: Request, style: ErrorStyle) -> None:
    """Let one request answer in another style (a path shared by two surfaces)."""
    request.state.error_style = style


def surface_route(style: ErrorStyle) -> type[APIRoute]:
    """A route class whose errors render in `style` (unless the request picked another)."""

    class SurfaceRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except DomainError as exc:
                    return getattr(request.state, "error_style", style).render(exc)
                except RequestValidationError as exc:
                    return getattr(request.state, "error_style", style).render_validation(exc)

            return handle

    return SurfaceRoute


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    """For routes outside any surface (health, websockets' HTTP side)."""
    assert isinstance(exc, DomainError)
    return DEFAULT_STYLE.render(exc)
