"""Per request: an id (`X-Request-ID` in and out), an access-log line, and metrics.

A pure ASGI middleware (no per-request task or body copy). The id is the client's
`X-Request-ID` when it is a short printable token, otherwise a fresh one; it is put on
`request.state.request_id` for handlers (the last-resort error handler reads it), on every
log record written meanwhile, and on the response. Routes are logged and counted by their
template (`/api/v1/events/{event_id}`), never by the path a client typed: that bounds the
metrics' labels and keeps tokens in paths (`/api/v1/bookings/{token}`) out of the logs.
"""

import itertools
import logging
import os
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slotbook.observability import metrics
from slotbook.observability.logs import current_request_id

log = logging.getLogger("slotbook.access")

HEADER = b"x-request-id"
_ACCEPTABLE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED = "<unmatched>"


def route_template(scope: Scope) -> str:
    """The path template of the route that served the request (`<unmatched>` if none)."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    return str(path) if path else UNMATCHED


def _restart_fresh_ids() -> None:
    """Fresh request ids, 32 hex digits as a uuid4's hex: 16 random ones drawn once per
    process (again in a forked child) and a count, so that ids are unique across
    instances without a system call per request (a request id is no secret)."""
    global _fresh_ids
    prefix = secrets.token_hex(8)
    _fresh_ids = (f"{prefix}{n:016x}" for n in itertools.count())


_fresh_ids: Iterator[str]
_restart_fresh_ids()
os.register_at_fork(after_in_child=_restart_fresh_ids)


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER and _ACCEPTABLE_ID.match(value):
            return str(value.decode())
    return next(_fresh_ids)


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k != HEADER]
                message = {**message, "headers": [*headers, (HEADER, request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = scope["method"]
            metrics.request_answered(method, route, status, elapsed)
            log.info(
                "%s %s %s %.1f ms",
                method,
                route,
                status,
                elapsed * 1000,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                    "request_id": request_id,
                },
            )
            current_request_id.reset(token)
