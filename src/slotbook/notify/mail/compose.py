"""Building one email with the standard library's `email` package: a plain-text part, the
same text as simple HTML (links clickable), and optionally a calendar invite.

Built with the `email.mime` classes under the `compat32` policy: they write headers as
given (non-ASCII ones encoded here) instead of parsing each one through the header
registry, which made a letter cost ~2.7 ms of CPU — a booking's largest single cost.
"""

import html
import re
from datetime import datetime
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

LINK = re.compile(r"https?://\S+")
#: text parts in UTF-8, quoted-printable (readable where they are ASCII)
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP


def address_of(sender: str) -> str:
    """The bare address of `Name <address>`."""
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
    message = MIMEMultipart("mixed") if invite is not None else MIMEMultipart("alternative")
    message["From"] = _header_address(sender)
    message["To"] = _header_address(to)
    message["Subject"] = _header_text(subject)
    message["Date"] = format_datetime(at)
    domain = address_of(sender).rpartition("@")[2] or "slotbook.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    text = MIMEText("\n\n".join(paragraphs) + "\n", "plain", UTF8)  # type: ignore[arg-type]
    page = MIMEText(_html(paragraphs), "html", UTF8)  # type: ignore[arg-type]
    if invite is None:
        message.attach(text)
        message.attach(page)
    else:
        both = MIMEMultipart("alternative")
        both.attach(text)
        both.attach(page)
        message.attach(both)
        calendar = MIMEBase("text", "calendar", charset="utf-8", method=method)
        calendar.set_payload(invite)  # the invite's bytes as they are (CRLF lines), base64
        encode_base64(calendar)
        calendar.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(calendar)
    return message.as_string()


def _header_text(value: str) -> str:
    """A header's text, RFC 2047-encoded if it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def _header_address(value: str) -> str:
    """`Name <address>` with the name encoded if it is not ASCII."""
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")
