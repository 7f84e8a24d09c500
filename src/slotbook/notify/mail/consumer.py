"""The mail consumer: writes each booking event's letters (`letters`) when the event is
routed, and sends the messages that are due (`transport`), retried from the database
with back-off (`notify.retries`) until they are sent, for a day at most; a permanent
5xx reject fails at once. Failed messages are listed at `GET /api/v1/admin/outbox`.
"""

import logging
import random
from datetime import datetime, timedelta

from slotbook.booking.transitions import Transition
from slotbook.calendars.model import Calendar
from slotbook.engine import Engine, UnitOfWork
from slotbook.notify import retries
from slotbook.notify.batch import deliver_batch, finish_batch
from slotbook.notify.mail import letters
from slotbook.notify.mail.letters import Writer
from slotbook.notify.mail.transport import Outcome, Outgoing, Transport
from slotbook.settings import Settings
from slotbook.store.calendars import calendars_by_id
from slotbook.store.outbox import mail as store
from slotbook.store.outbox.mail import REMINDER, DueMessage, Letter, Sent
from slotbook.store.outbox.outbox import Event
from slotbook.store.users import get_user

log = logging.getLogger("slotbook.mail")

#: how long a claimed message is left to its dispatcher (longer than any batch's send)
LEASE = timedelta(minutes=5)
#: events after which a booking's unsent reminder is dropped (a move writes a new one)
UNREMINDED = {Transition.MOVED, *letters.ENDING}
#: the events with letters (a series' own events are not: each occurrence has its own)
BOOKING_EVENTS = {t.value for t in Transition if t.value.startswith("booking.")}


async def owner_address(uow: UnitOfWork, calendar: Calendar) -> str | None:
    """Where the owner's notices go: the calendar's `email` setting, else the provider's
    email (002), else its account's (004)."""
    if calendar.notice_email or calendar.email:
        return calendar.notice_email or calendar.email
    if calendar.user_id is not None:
        user = await get_user(uow, calendar.user_id)
        return user.email if user else None
    return None


def _reminds(letter: Letter, booking_id: int) -> bool:
    return letter.kind == REMINDER and letter.booking_id == booking_id


class MailConsumer:
    def __init__(self, settings: Settings, transport: Transport, rng: random.Random | None = None):
        self._writer = Writer(settings)
        self._transport = transport
        #: messages claimed and sent together: as many as the transport takes at once
        self.batch = transport.batch
        self._rng = rng or random.Random()

    async def take(self, uow: UnitOfWork, events: list[Event]) -> None:
        """The letters of these events, in order: a move or an end drops the booking's
        reminder not yet sent (written earlier, or in this batch)."""
        events = [e for e in events if e.type in BOOKING_EVENTS]
        if not events:
            return
        calendars = await calendars_by_id(uow, {e.calendar_id for e in events})
        owners = {c.id: await owner_address(uow, c) for c in calendars.values()}
        written: list[Letter] = []
        unremind: set[int] = set()
        for event in events:
            calendar = calendars[event.calendar_id]
            if event.type in UNREMINDED:
                unremind.add(event.booking_id)
                written = [
                    w
                    for w in written
                    if not (w.kind == REMINDER and w.booking_id == event.booking_id)
                ]
            written += letters.to_booker(self._writer, event, calendar, uow.now)
            written += letters.reminder(self._writer, event, calendar, uow.now)
            written += letters.to_owner(self._writer, event, calendar, owners[calendar.id], uow.now)
        await store.drop_reminders(uow, unremind)
        await store.add(uow, written)

    async def claim(self, uow: UnitOfWork) -> list[DueMessage]:
        """Take one batch of due messages for one attempt each."""
        return await store.claim_due(uow, lease_until=uow.now + LEASE, limit=self.batch)

    async def deliver(self, engine: Engine, claimed: list[DueMessage]) -> int:
        """Send a batch already claimed; how many were attempted."""
        return await finish_batch(engine, claimed, attempt=self._send, record=self._record)

    async def deliver_due(self, engine: Engine) -> int:
        """Send one batch of due messages; how many were attempted."""
        return await deliver_batch(
            engine, any_due=store.has_due, claim=self.claim, attempt=self._send, record=self._record
        )

    async def _send(self, claimed: list[DueMessage]) -> list[Outcome]:
        return await self._transport.send([Outgoing(m.recipient, m.message) for m in claimed])

    async def _record(self, uow: UnitOfWork, done: list[tuple[DueMessage, Outcome]]) -> None:
        await store.record(uow, [self._result(uow.now, m, o) for m, o in done])

    def _result(self, now: datetime, message: DueMessage, outcome: Outcome) -> Sent:
        if outcome.status == "sent":
            return Sent(message, "sent", None, None)
        next_at = None
        if outcome.status == "retry":
            next_at = retries.next_attempt_at(
                began_at=message.due_at, failures=message.attempts + 1, now=now, rng=self._rng
            )
        if next_at is None:
            log.warning("mail to %s failed for good: %s", message.recipient, outcome.error)
        return Sent(message, "pending" if next_at else "failed", outcome.error, next_at)
