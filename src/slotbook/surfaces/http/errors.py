"""One place that turns domain, validation and unexpected errors into each surface's
error shape."""

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, create_model
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from slotbook.errors import (
    BeyondHorizon,
    BodyTooLarge,
    Busy,
    DomainError,
    Forbidden,
    HeadersTooLarge,
    IdempotencyMismatch,
    InPast,
    InsideBuffer,
    InvalidInput,
    LimitReached,
    OutsideHours,
    SlotTaken,
    TooManyRequests,
    TooSoon,
    Unauthorized,
    Unavailable,
    plain_message,
)
from slotbook.surfaces.http.validation import SentBody, describe_validation

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


class FieldProblem(BaseModel):
    """One problem with one field of a request, as pydantic found it."""

    loc: list[str | int] = Field(examples=[["body", "email"]])
    msg: str = Field(examples=["value is not a valid email address"])
    type: str = Field(examples=["value_error"])


@cache
def error_model(key: str) -> type[BaseModel]:
    """The error body of a surface whose message is under `key` (`detail` or `error`)."""
    name = "Error" if key == "detail" else "ProvidersError"  # surface 002's `error`
    model: type[BaseModel] = create_model(
        name,
        __doc__=f"An error: `{key}` says what is wrong, `code` is stable for programs.",
        **{key: (str, ...), "code": (str, Field(examples=["slot_taken"]))},  # type: ignore[call-overload]
    )
    return model


@cache
def validation_model(key: str) -> type[BaseModel]:
    """The body of a malformed request's answer: the error, and each field's problem."""
    base = error_model(key)
    return create_model(
        base.__name__.replace("Error", "ValidationError"),
        __base__=base,
        __doc__=f"A malformed request: `{key}` names every problem, `errors` lists them.",
        errors=(list[FieldProblem], ...),
    )


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

    def answer(self, error: type[DomainError] | DomainError) -> tuple[int, dict[str, str]]:
        """The status and body this surface answers `error` with."""
        code = error.code
        status, message = self.overrides.get(code, (error.status, None))
        default = error.message if isinstance(error, DomainError) else error.default_message
        return status, {self.key: message or default, "code": code}

    def responses(self, *errors: type[DomainError] | DomainError) -> dict[int | str, Any]:
        """OpenAPI `responses` for the errors a route may answer, in this surface's shape,
        one example per error (an instance gives a message other than the default)."""
        by_status: defaultdict[int, dict[str, Any]] = defaultdict(dict)
        for error in errors:
            status, body = self.answer(error)
            by_status[status][body["code"]] = {"summary": body[self.key], "value": body}
        return {
            status: {
                "model": error_model(self.key),
                "description": " / ".join(e["summary"] for e in examples.values()),
                "content": {"application/json": {"examples": examples}},
            }
            for status, examples in sorted(by_status.items())
        }

    def validation_response(self) -> dict[int | str, Any]:
        message = "email: value is not a valid email address"
        example = {
            self.key: message,
            "code": "invalid_input",
            "errors": [{"loc": ["body", "email"], "msg": message[7:], "type": "value_error"}],
        }
        return {
            self.validation_status: {
                "model": validation_model(self.key),
                "description": "The request is malformed: each problem is named",
                "content": {
                    "application/json": {
                        "examples": {"invalid_input": {"summary": message, "value": example}}
                    }
                },
            }
        }

    def render_validation(
        self, exc: RequestValidationError, sent: SentBody | None = None
    ) -> JSONResponse:
        problems = [
            {
                "loc": list(e.get("loc", ())),
                "msg": plain_message(str(e.get("msg"))),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        body = {
            self.key: describe_validation(exc, sent),
            "code": "invalid_input",
            "errors": problems,
        }
        return ErrorResponse(body, status_code=self.validation_status)

    def render_unreadable(self, exc: HTTPException) -> JSONResponse:
        """A body the framework could not parse at all (its own 400)."""
        body = {
            self.key: f"The request body could not be read: {exc.detail}",
            "code": "invalid_input",
        }
        return ErrorResponse(body, status_code=self.validation_status)


DEFAULT_STYLE = ErrorStyle()


def use_style(request: Request, style: ErrorStyle) -> None:
    """Let one request answer in another style (a path shared by two surfaces)."""
    request.state.error_style = style


async def _body(request: Request) -> bytes:
    """The body as sent, if it was read as bytes (a form is read as fields: none)."""
    try:
        return await request.body()
    except RuntimeError:  # the stream went to the form parser
        return b""


def surface_route(style: ErrorStyle) -> type[APIRoute]:
    """A route class whose errors render in `style` (unless the request picked another)."""

    class SurfaceRoute(APIRoute):
        error_style = style

        def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
            super().__init__(path, endpoint, **kwargs)
            self.responses = merge_responses(documented_errors(self), dict(self.responses))

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except DomainError as exc:
                    return getattr(request.state, "error_style", style).render(exc)
                except RequestValidationError as exc:
                    sent = SentBody(await _body(request), request.headers.get("content-type"))
                    chosen = getattr(request.state, "error_style", style)
                    return chosen.render_validation(exc, sent)
                except HTTPException as exc:
                    if exc.status_code != 400:
                        raise  # FastAPI's own answers (405, ...) are not surprises
                    return getattr(request.state, "error_style", style).render_unreadable(exc)
                except Exception as exc:
                    return getattr(request.state, "error_style", style).render_unexpected(
                        request, exc
                    )

            return handle

    return SurfaceRoute


#: the dependencies that count requests against a rate limit (surfaces.http.deps)
RATE_LIMITED = {"get_rate_limiter", "count_per_address", "token_guesses", "booking_attempt"}
#: what any route using the database may answer when it cannot (both retryable)
STORE_ERRORS = (Unavailable, Busy)
#: what a claim of calendar time may answer, whichever surface makes it (booking/claims.py)
TIME_CLAIM_ERRORS = (
    SlotTaken,
    InsideBuffer,
    LimitReached,
    OutsideHours,
    InPast,
    TooSoon,
    BeyondHorizon,
    IdempotencyMismatch,
)


def _dependency_calls(route: APIRoute) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if dependant.call is not None:
            found.add(dependant.call)
        pending.extend(dependant.dependencies)
    return found


def merge_responses(*many: Mapping[int | str, Any]) -> dict[int | str, Any]:
    """Several `responses` in one; two errors of one status share its schema (the plain
    error: a validation error is one with `errors` added) and list both examples."""
    merged: dict[int | str, Any] = {}
    for responses in many:
        for status, answer in responses.items():
            known = merged.get(status)
            if known is None or "model" not in known or "model" not in answer:
                merged[status] = answer
                continue
            examples = _examples(known) | _examples(answer)
            base = known["model"] if known["model"] in answer["model"].__mro__ else answer["model"]
            merged[status] = {
                "model": base,
                "description": " / ".join(e["summary"] for e in examples.values()),
                "content": {"application/json": {"examples": examples}},
            }
    return merged


def _examples(answer: Mapping[str, Any]) -> dict[str, Any]:
    return dict(answer.get("content", {}).get("application/json", {}).get("examples", {}))


def documented_errors(route: APIRoute) -> dict[int | str, Any]:
    """What every surface route may answer besides its own errors: a malformed request,
    sign-in and role refusals if it reads a token, and a store that is unavailable."""
    style: ErrorStyle = getattr(route, "error_style", DEFAULT_STYLE)
    calls = {getattr(c, "__name__", "") for c in _dependency_calls(route)}
    # every request passes the request limits first (surfaces.request_limits)
    errors: list[type[DomainError] | DomainError] = [
        *STORE_ERRORS,
        HeadersTooLarge,
        InvalidInput("Text may not contain NUL characters or unpaired surrogates"),
    ]
    if route.body_field is not None:
        errors.append(BodyTooLarge)
    if calls & {"current_user", "strict_user", "signed_in_with_role"}:
        errors += [Unauthorized, Forbidden]
    if calls & RATE_LIMITED:
        errors.append(TooManyRequests)
    answers = style.responses(*errors)
    if route.body_field is not None or get_flat_params(route.dependant) or _reads_query(route):
        return merge_responses(answers, style.validation_response())
    return answers


def _reads_query(route: APIRoute) -> bool:
    """Whether the route documents query parameters it reads itself (`QueryModel`)."""
    documented = (route.openapi_extra or {}).get("parameters", ())
    return any(parameter.get("in") == "query" for parameter in documented)


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
