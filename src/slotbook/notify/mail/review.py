"""What admins see of the mail outbox: messages by status (failed ones above all)."""

from slotbook.engine import Engine
from slotbook.store.outbox import mail as store
from slotbook.store.outbox.mail import Envelope


async def messages(engine: Engine, *, status: str, limit: int, offset: int) -> list[Envelope]:
    """Emails of one status (pending, sent, failed), newest first."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            found = await store.envelopes(uow, status=status, limit=limit, offset=offset)
    return found
