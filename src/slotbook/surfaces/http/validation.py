"""Sentences for malformed requests: what was wrong, said so a person can fix it.

Malformed JSON names the line and column; a body sent without `Content-Type:
application/json` says so; pydantic's "Value error, " prefixes are dropped.
"""

from dataclasses import dataclass
from typing import Any

from fastapi.exceptions import RequestValidationError

from slotbook.errors import plain_message

NOT_JSON = "The request body must be a JSON object, sent with Content-Type: application/json"


@dataclass(frozen=True)
class SentBody:
    content: bytes
    content_type: str | None

    @property
    def declared_json(self) -> bool:
        kind = (self.content_type or "").split(";")[0].strip().lower()
        return kind == "application/json" or kind.endswith("+json")

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column (from 1) of a character offset into the body."""
        text = self.content.decode("utf-8", errors="replace")[:offset]
        return text.count("\n") + 1, offset - (text.rfind("\n") + 1) + 1


def _malformed_json(error: dict[str, Any], sent: SentBody | None) -> str:
    offset = next((p for p in error.get("loc", ()) if isinstance(p, int)), None)
    reason = (error.get("ctx") or {}).get("error")
    where = ""
    if sent is not None and offset is not None:
        line, column = sent.position(offset)
        where = f" at line {line}, column {column}"
    return f"Malformed JSON{where}" + (f": {reason}" if reason else "")


def describe_validation(exc: RequestValidationError, sent: SentBody | None = None) -> str:
    """A short sentence naming what was wrong with the request."""
    problems = []
    for error in exc.errors():
        loc = error.get("loc", ())
        kind = error.get("type")
        if kind == "json_invalid":
            problems.append(_malformed_json(error, sent))
            continue
        if tuple(loc) == ("body",) and sent is not None and not sent.declared_json:
            problems.append(NOT_JSON)
            continue
        where = ".".join(str(p) for p in loc if p not in ("body", "query"))
        message = plain_message(str(error.get("msg", "invalid value")))
        if kind == "missing":
            problems.append(f"Missing required field: {where}")
        else:
            problems.append(f"{where}: {message}" if where else message)
    return "; ".join(dict.fromkeys(problems)) or "Invalid request"
