"""Building one email with the standard library's `email` package: a plain-text part, the
same text as simple HTML (links clickable), and optionally a calendar invite."""

import html
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

LINK = re.compile(r"https?://\S+")


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
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    domain = address_of(sender).rpartition("@")[2] or "slotbook.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content("\n\n".join(paragraphs) + "\n")
    message.add_alternative(_html(paragraphs), subtype="html")
    if invite is not None:
        message.add_attachment(
            invite,
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method},
        )
    return message.as_string()
