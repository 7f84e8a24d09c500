"""Where mail goes: an SMTP server (`SLOTBOOK_SMTP_URL`, sent with `aiosmtplib`), or with
none configured a local Maildir (`SLOTBOOK_MAILDIR`, default `./mail/`), so that a fresh
install shows what it would send.

A batch of messages goes over one connection. Each message's outcome is `sent`,
`retry` (the server is down, times out, or answers 4xx) or `rejected` (a permanent 5xx:
retrying cannot help).
"""

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from slotbook.notify.mail import maildir
from slotbook.notify.mail.compose import address_of
from slotbook.settings import Settings

#: SMTP reply codes from here on are permanent
PERMANENT = 500


@dataclass(frozen=True, slots=True)
class Outgoing:
    recipient: str
    message: str


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # sent, retry, rejected
    error: str | None = None


SENT = Outcome("sent")
#: a server's answers that refuse one message (the connection goes on)
REFUSALS = (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException)


class Transport(Protocol):
    #: the most messages one `send` is given
    batch: int

    async def send(self, batch: list[Outgoing]) -> list[Outcome]: ...


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """`smtp://user:pass@host:port?starttls=true` or `smtps://…` (implicit TLS)."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None  # None: if the server offers it

    @classmethod
    def parse(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        use_tls = parts.scheme == "smtps"
        starttls = parse_qs(parts.query).get("starttls", [""])[0].lower()
        return cls(
            hostname=parts.hostname or "localhost",
            port=parts.port or (465 if use_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
            start_tls={"true": True, "1": True, "false": False, "0": False}.get(starttls),
        )


def _refusal(exc: aiosmtplib.SMTPException) -> Outcome:
    """A server's refusal of one message: permanent for a 5xx."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        permanent = bool(codes) and min(codes) >= PERMANENT
    elif isinstance(exc, aiosmtplib.SMTPResponseException):
        text, permanent = f"{exc.code} {exc.message}", exc.code >= PERMANENT
    else:
        text, permanent = f"{type(exc).__name__}: {exc}", False
    return Outcome("rejected" if permanent else "retry", text[:300])


class SmtpTransport:
    #: messages sent over one connection
    batch = 50

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_url
        self.server = SmtpServer.parse(settings.smtp_url)
        self.timeout = settings.smtp_timeout_seconds
        self.sender = address_of(settings.mail_from)
        self.local_hostname = self.sender.rpartition("@")[2] or "localhost"

    def client(self) -> aiosmtplib.SMTP:
        s = self.server
        return aiosmtplib.SMTP(
            hostname=s.hostname,
            port=s.port,
            username=s.username,
            password=s.password,
            use_tls=s.use_tls,
            start_tls=s.start_tls,
            timeout=self.timeout,
            local_hostname=self.local_hostname,
        )

    async def send(self, batch: list[Outgoing]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            async with self.client() as smtp:
                for item in batch:
                    try:
                        await smtp.sendmail(self.sender, [item.recipient], item.message)
                    except (
                        aiosmtplib.SMTPRecipientsRefused,
                        aiosmtplib.SMTPResponseException,
                    ) as exc:
                        outcomes.append(_refusal(exc))
                    else:
                        outcomes.append(SENT)
        except (aiosmtplib.SMTPException, OSError) as exc:  # the connection failed
            error = Outcome("retry", f"{type(exc).__name__}: {exc}"[:300])
            outcomes += [error] * (len(batch) - len(outcomes))
        return outcomes

    async def check(self) -> str:
        """Connect, greet and say goodbye; what answered (an exception if none did)."""
        async with self.client() as smtp:
            await smtp.noop()
        return f"{self.server.hostname}:{self.server.port} answers"


class MaildirTransport:
    """Writes each message into a Maildir (any mail client reads one), a batch at a time
    (`maildir.write`: on disk before the batch counts as sent). Large batches: a batch
    costs one flush of the file system and of `new/`, however many messages it holds."""

    batch = 500

    def __init__(self, settings: Settings) -> None:
        self.path = Path(settings.mail_dir)

    async def send(self, batch: list[Outgoing]) -> list[Outcome]:
        messages = [item.message.encode("ascii") for item in batch]
        try:
            await asyncio.to_thread(maildir.write, self.path, messages)
        except OSError as exc:
            return [Outcome("retry", f"{type(exc).__name__}: {exc}"[:300])] * len(batch)
        return [SENT] * len(batch)

    async def check(self) -> str:
        await asyncio.to_thread(maildir.prepare, self.path)
        return f"no SLOTBOOK_SMTP_URL: written to the Maildir {self.path.resolve()}/new"


def transport_for(settings: Settings) -> SmtpTransport | MaildirTransport:
    return SmtpTransport(settings) if settings.smtp_url else MaildirTransport(settings)
