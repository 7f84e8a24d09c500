"""A real SMTP server on loopback (aiosmtpd, in its own thread), and what it received."""

import asyncio
import email
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from icalendar import Calendar

from tests.support.live import PATIENCE
from tests.support.servers import free_port


class Inbox:
    """Every message the server accepted; `refuse` set: answers it to DATA instead."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: str | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str, subject_starts: str = "") -> list[EmailMessage]:
        return [
            m
            for m in self.messages
            if m["To"] == address and str(m["Subject"]).strip().startswith(subject_starts)
        ]

    def subjects(self, subject_starts: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["Subject"]).strip().startswith(subject_starts)]

    async def until(self, done: Callable[["Inbox"], bool], patience: float = PATIENCE) -> None:
        """Wait, with a deadline, until what arrived satisfies `done`."""
        async with asyncio.timeout(patience):
            while not done(self):  # noqa: ASYNC110 - polling another party's state
                await asyncio.sleep(0.02)


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def invite(message: EmailMessage) -> Calendar:
    """The message's calendar invite, parsed."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return Calendar.from_ical(payload)
    raise AssertionError(f"no invite in {message['Subject']!r}")


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())
