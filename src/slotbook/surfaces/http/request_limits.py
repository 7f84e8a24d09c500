"""The HTTP edge: bounds every request before any route reads it (an ASGI middleware).

- a body longer than `max_body_bytes` is 413: refused from its Content-Length before a
  byte is read, or as soon as a chunked body passes the limit (at most that much is ever
  held in memory);
- more than `max_header_count` header lines or `max_header_bytes` of headers is 431;
- a NUL character, or half of a UTF-16 surrogate pair, in the path, the query string or
  a body's text is 422 (no database stores them; PostgreSQL refuses NUL outright).

Each refusal is rendered in the error shape of the surface the path belongs to.
"""

import json
import re
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slotbook.errors import BodyTooLarge, DomainError, HeadersTooLarge, InvalidInput
from slotbook.settings import Settings
from slotbook.surfaces.http.errors import style_for

#: characters no stored text may hold: NUL, and lone halves of surrogate pairs
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
#: a JSON escape that may decode to one of them (then the body is decoded and looked at)
SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|d[89a-f])", re.IGNORECASE)
FORM = b"application/x-www-form-urlencoded"
NO_NUL = "Text may not contain NUL characters or unpaired surrogates"


def has_bad_text(value: Any) -> bool:
    """Whether any string (key or value) in decoded JSON holds NUL or a lone surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if BAD_TEXT.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _body_has_bad_text(body: bytes, content_type: bytes) -> bool:
    if b"\x00" in body or (content_type.startswith(FORM) and b"%00" in body):
        return True
    if not SUSPECT_ESCAPE.search(body):
        return False
    try:
        return has_bad_text(json.loads(body))
    except (ValueError, RecursionError):
        return False  # not JSON: the route says what is wrong with it


def _head_problem(scope: Scope, settings: Settings) -> DomainError | None:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    size = sum(len(name) + len(value) for name, value in headers)
    if len(headers) > settings.max_header_count or size > settings.max_header_bytes:
        return HeadersTooLarge(
            f"At most {settings.max_header_count} headers of {settings.max_header_bytes} "
            "bytes in all are accepted"
        )
    if BAD_TEXT.search(scope["path"]) or b"%00" in scope["query_string"]:
        return InvalidInput(NO_NUL)
    return None


def _header(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> bytes:
    return next((value for name, value in headers if name == wanted), b"")


class RequestLimits:
    """ASGI middleware enforcing the bounds above; WebSockets pass untouched (their frames
    are bounded by the server's `ws_max_size` and the board's own limits)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def _too_large(self) -> BodyTooLarge:
        return BodyTooLarge(f"The request body may be at most {self.settings.max_body_bytes} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _head_problem(scope, self.settings)
        declared = _header(scope["headers"], b"content-length")
        if problem is None and declared.isdigit() and int(declared) > self.settings.max_body_bytes:
            problem = self._too_large()
        if problem is not None:
            await self._refuse(scope, receive, send, problem)
            return
        messages, body = await self._read_body(receive)
        if body is None:
            problem = self._too_large()
        elif _body_has_bad_text(body, _header(scope["headers"], b"content-type").lower()):
            problem = InvalidInput(NO_NUL)
        if problem is not None:
            await self._refuse(scope, receive, send, problem)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _read_body(self, receive: Receive) -> tuple[list[Message], bytes | None]:
        """The body's messages and bytes, or None as soon as it passes the limit."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away; the app will see it
            size += len(message.get("body", b""))
            if size > self.settings.max_body_bytes:
                return messages, None
            if not message.get("more_body", False):
                break
        return messages, b"".join(m.get("body", b"") for m in messages)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, problem: DomainError
    ) -> None:
        # The server discards the unread rest of the body without keeping it.
        await style_for(scope).render(problem)(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that hands out the messages already read, then the real ones."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
