"""Building one email: a plain-text part, the same text as simple HTML (links clickable),
and optionally a calendar invite.

The text is what the standard library's `email.mime` classes write under the `compat32`
policy (`Message.as_string()`), assembled here from fixed part headers instead: building
the message objects and running the generator over them (header folding, a regular
expression compiled per boundary) cost ~0.5 ms of CPU per letter, more than all the rest
of writing it. The parts' bodies are encoded by the same `email` functions.
"""

import html
import random
import re
import sys
from base64 import encodebytes
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.policy import compat32
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import lru_cache

LINK = re.compile(r"https?://\S+")
#: text parts in UTF-8, quoted-printable (readable where they are ASCII)
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP
#: how `Message.as_string()` writes a header it cannot copy as it is (never folded)
UNFOLDED = compat32.clone(max_line_length=0)
#: the digits of a boundary, as the `email` generator makes them
BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))
QUOTED = "MIME-Version: 1.0\nContent-Transfer-Encoding: quoted-printable\n\n"
TEXT_PART = 'Content-Type: text/plain; charset="utf-8"\n' + QUOTED
HTML_PART = 'Content-Type: text/html; charset="utf-8"\n' + QUOTED
INVITE_PART = (
    'Content-Type: text/calendar; charset="utf-8"; method="{method}"\n'
    "MIME-Version: 1.0\nContent-Transfer-Encoding: base64\n"
    'Content-Disposition: attachment; filename="invite.ics"\n\n'
)


@lru_cache(maxsize=64)
def address_of(sender: str) -> str:
    """The bare address of `Name <address>` (of a deployment's few senders: kept)."""
    return parseaddr(sender)[1]


def _html(paragraphs: list[str]) -> str:
    def one(paragraph: str) -> str:
        escaped = html.escape(paragraph).replace("\n", "<br>\n")
        return (
            "<p>" + LINK.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped) + "</p>"
        )

    body = "\n".join(one(p) for p in paragraphs)
    return (
        f'<!doctype html>\n<html><body style="font-family: sans-serif">\n{body}\n</body></html>\n'
    )


def _multipart(subtype: str, parts: list[str], headers: str = "") -> str:
    """A multipart entity of these (whole) parts, under a boundary none of them holds."""
    boundary = _boundary()
    while any(boundary in part for part in parts):
        boundary = _boundary()
    separator = f"\n--{boundary}\n"
    return (
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"\nMIME-Version: 1.0\n'
        f"{headers}\n--{boundary}\n{separator.join(parts)}\n--{boundary}--\n"
    )


def _boundary() -> str:
    return "=" * 15 + f"{random.randrange(sys.maxsize):0{BOUNDARY_DIGITS}d}" + "=="


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    paragraphs: list[str],
    at: datetime,
    invite: bytes | None = None,
    method: str = "REQUEST",
) -> str:
    """The whole message as ASCII text (RFC 5322), ready to send as it is."""
    domain = address_of(sender).rpartition("@")[2] or "slotbook.invalid"
    headers = (
        _header("From", _header_address(sender))
        + _header("To", _header_address(to))
        + _header("Subject", _header_text(subject))
        + f"Date: {format_datetime(at)}\nMessage-ID: {make_msgid(domain=domain)}\n"
    )
    text = TEXT_PART + UTF8.body_encode("\n\n".join(paragraphs) + "\n")
    page = HTML_PART + UTF8.body_encode(_html(paragraphs))
    if invite is None:
        return _multipart("alternative", [text, page], headers)
    calendar = INVITE_PART.format(method=method) + encodebytes(invite).decode("ascii")
    return _multipart("mixed", [_multipart("alternative", [text, page]), calendar], headers)


def _header(name: str, value: str) -> str:
    """One header line as `Message.as_string()` writes it."""
    if value.isascii() and value.isprintable() and value == " ".join(value.split()):
        return f"{name}: {value}\n"
    return UNFOLDED.fold(name, value)


def _header_text(value: str) -> str:
    """A header's text, RFC 2047-encoded if it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _header_address(value: str) -> str:
    """`Name <address>` with the name encoded if it is not ASCII."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")
