""" "Send me my links again": one email listing an address's upcoming bookings, each with
a new manage link. Tokens are stored hashed, so the old ones cannot be sent again: each
listed booking gets a new token, and its old link stops working. Whether the address has
bookings is never told to the asker: the answer is the same either way, and the email
is written in the same transaction as the new tokens (sent by the mail consumer)."""

from slotbook.booking import transitions
from slotbook.engine import Engine
from slotbook.notify.mail import letters
from slotbook.notify.mail.letters import Writer
from slotbook.store.bookings.booking_reads import upcoming_of_email
from slotbook.store.calendars import calendars_by_id
from slotbook.store.outbox import mail as store

#: the most bookings one email lists
MOST = 50


async def resend_links(engine: Engine, email: str) -> None:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            upcoming = await upcoming_of_email(uow, email, limit=MOST)
            if not upcoming:
                return
            calendars = await calendars_by_id(uow, {b.calendar_id for b in upcoming})
            listed = [
                (b, calendars[b.calendar_id], await transitions.renew_token(uow, b))
                for b in upcoming
            ]
            letter = letters.links(Writer(engine.settings), email, listed, uow.now)
            await store.add(uow, [letter])
