"""Webhook endpoints as their owners manage them: subscribe, list, unsubscribe, and see
what was sent. Only with a bearer token, always: a webhook makes this server send
requests to a URL of someone's choosing. A calendar's owner subscribes to their calendar;
an admin to any calendar, or to all of them."""

import base64
import secrets
from collections.abc import Sequence

from slotbook.accounts.permissions import check_owner
from slotbook.accounts.users import User
from slotbook.booking.transitions import Transition
from slotbook.calendars import calendars as cal
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import Forbidden, InvalidInput, WebhookNotFound
from slotbook.notify.outbound import Refused, check_url
from slotbook.store.outbox import webhooks as store
from slotbook.store.outbox.webhooks import Attempt, Webhook

SECRET_BYTES = 32


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


async def _calendar_for(uow: UnitOfWork, user: User, calendar_id: int | None) -> int | None:
    """The calendar a new webhook follows: the one named (if the user may manage it), or
    by default the user's own (admins: every calendar, None)."""
    if calendar_id is not None:
        check_owner(user, await cal.get_calendar(uow, calendar_id))
        return calendar_id
    if user.is_admin:
        return None
    own = await cal.find_calendar_of_user(uow, user.id)
    if own is None:
        raise Forbidden("You manage no calendar; only a calendar's owner or an admin may")
    return own.id


async def subscribe(
    engine: Engine,
    *,
    user: User,
    url: str,
    events: Sequence[Transition] | None,
    calendar_id: int | None,
) -> Webhook:
    """A new endpoint, with its secret (shown to the caller once)."""
    try:
        await check_url(url, allow_private=engine.settings.webhook_allow_private)
    except Refused as exc:
        raise InvalidInput(str(exc)) from exc
    secret = new_secret()
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            made = await store.create(
                uow,
                user_id=user.id,
                calendar_id=await _calendar_for(uow, user, calendar_id),
                url=url,
                events=[e.value for e in dict.fromkeys(events or Transition)],
                secret=secret,
            )
    return made


async def endpoints_of(engine: Engine, user: User) -> list[Webhook]:
    async for attempt in engine.attempts():
        async with attempt as uow:
            found = await store.of_user(uow, user.id)
    return found


async def _own(uow: UnitOfWork, user: User, webhook_id: int) -> Webhook:
    """The endpoint, if it is the user's (or the user is an admin)."""
    webhook = await store.get(uow, webhook_id)
    if webhook is None or not (user.is_admin or webhook.user_id == user.id):
        raise WebhookNotFound()
    return webhook


async def unsubscribe(engine: Engine, *, user: User, webhook_id: int) -> None:
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            await _own(uow, user, webhook_id)
            await store.remove(uow, webhook_id)


async def attempts(
    engine: Engine, *, user: User, webhook_id: int, limit: int, offset: int
) -> list[Attempt]:
    """The endpoint's delivery attempts, newest first."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            await _own(uow, user, webhook_id)
            found = await store.attempts_of(uow, webhook_id, limit=limit, offset=offset)
    return found
