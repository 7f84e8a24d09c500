"""Accounts: register, sign in, reset a password; roles provider, patient and admin.

Passwords are hashed with Argon2 (pwdlib) in a worker thread, before any transaction
opens. A provider is a user who owns a calendar: registering one creates it. The first
admin may register freely; after that only an admin can register another.
"""

import asyncio
from datetime import timedelta
from functools import lru_cache
from weakref import WeakKeyDictionary

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from slotbook.accounts import access_tokens
from slotbook.accounts.model import Role, User
from slotbook.accounts.signing_keys import signing_key
from slotbook.calendars import calendars as cal
from slotbook.calendars.model import CalendarKind
from slotbook.engine import Engine, UnitOfWork
from slotbook.errors import EmailTaken, Forbidden, NotFound, ProviderNotFound, Unauthorized
from slotbook.settings import Settings
from slotbook.store import users as rows
from slotbook.store.users import list_providers

__all__ = [
    "Role",
    "User",
    "access_token",
    "authenticate",
    "hash_password",
    "list_providers",
    "provider_calendar",
    "register",
    "reset_password",
    "user_for_token",
]

WRONG_CREDENTIALS = "Incorrect email or password"


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))


def _hasher_for(settings: Settings) -> PasswordHash:
    return _hasher(settings.password_hash_time_cost, settings.password_hash_memory_kib)


#: per event loop (one per server process) and cap: the semaphores bounding Argon2 work
_password_work: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    WeakKeyDictionary()
)


def _work_slots(settings: Settings) -> asyncio.Semaphore:
    """Each hash takes PASSWORD_HASH_MEMORY_KIB and a core for ~0.2 s: at most
    MAX_CONCURRENT_PASSWORD_HASHES run at once; the rest wait their turn."""
    cap = settings.max_concurrent_password_hashes
    by_cap = _password_work.setdefault(asyncio.get_running_loop(), {})
    return by_cap.setdefault(cap, asyncio.Semaphore(cap))


async def hash_password(settings: Settings, password: str) -> str:
    async with _work_slots(settings):
        return await asyncio.to_thread(_hasher_for(settings).hash, password)


async def _password_matches(settings: Settings, password: str, hashed: str) -> bool:
    async with _work_slots(settings):
        return await asyncio.to_thread(_hasher_for(settings).verify, password, hashed)


async def provider_calendar(uow: UnitOfWork, provider_id: int) -> cal.Calendar:
    """The calendar of the provider user `provider_id`, or ProviderNotFound."""
    calendar = await cal.find_calendar_of_user(uow, provider_id)
    if calendar is None or calendar.kind != CalendarKind.PROVIDER:
        raise ProviderNotFound()
    return calendar


async def _check_may_register_admin(uow: UnitOfWork, actor: User | None) -> None:
    """While no admin exists anyone may register one; after that only an admin."""
    if not await rows.any_admin(uow) or (actor is not None and actor.is_admin):
        return
    if actor is None:
        raise Unauthorized("An admin's token is needed to register another admin")
    raise Forbidden("Only an admin can register another admin")


async def register(
    engine: Engine, *, name: str, email: str, password: str, role: Role, actor: User | None
) -> User:
    """Create an account (and, for a provider, their calendar); a used email is EmailTaken."""
    settings = engine.settings
    password_hash = await hash_password(settings, password)
    email = email.lower()
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            if role == Role.ADMIN:
                await _check_may_register_admin(uow, actor)
            inserted = await rows.insert_user(
                uow,
                {
                    "name": name,
                    "email": email,
                    "password_hash": password_hash,
                    "role": role,
                    "created_at": uow.now,
                },
            )
            if inserted is None:
                raise EmailTaken()
            user = inserted
            if role == Role.PROVIDER:
                await cal.create_calendar(
                    uow,
                    kind=CalendarKind.PROVIDER,
                    name=name,
                    email=email,
                    user_id=user.id,
                    slot_minutes=settings.reservation_slot_minutes,
                    enforce_hours=True,
                    who_may_book=cal.WhoMayBook.SIGNED_IN_PATIENTS,
                )
    return user


async def authenticate(engine: Engine, *, email: str, password: str) -> User:
    """The user with this email and password, or Unauthorized."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            user = await rows.find_user_by_email(uow, email)
    if user is None:
        await hash_password(engine.settings, password)  # as slow as a check: no timing hint
        raise Unauthorized(WRONG_CREDENTIALS)
    if not await _password_matches(engine.settings, password, user.password_hash):
        raise Unauthorized(WRONG_CREDENTIALS)
    return user


async def reset_password(engine: Engine, *, actor: User, email: str, new_password: str) -> None:
    """Set a new password: the user themself or an admin. The old one (and every access
    token issued under it) stops working as this commits."""
    email = email.lower()
    if not actor.is_admin and actor.email != email:
        raise Forbidden("You may only reset your own password")
    password_hash = await hash_password(engine.settings, new_password)
    async for attempt in engine.attempts(write=True):
        async with attempt as uow:
            if not await rows.set_password_hash(uow, email, password_hash):
                raise NotFound("User not found")


def _token_lifetime(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.access_token_expire_minutes)


async def access_token(engine: Engine, user: User) -> str:
    key = await signing_key(engine)
    lifetime = _token_lifetime(engine.settings)
    return access_tokens.issue(key, lifetime, user.id, user.password_hash, engine.clock())


async def user_for_token(engine: Engine, token: str) -> User:
    """The signed-in user a bearer token names, or Unauthorized."""
    key = await signing_key(engine)
    lifetime = _token_lifetime(engine.settings)
    claims = access_tokens.read(key, lifetime, token, engine.clock())
    async for attempt in engine.attempts():
        async with attempt as uow:
            user = await rows.get_user(uow, claims.user_id)
    if user is None:
        raise Unauthorized("Could not validate credentials")
    if not claims.issued_under(user.password_hash):
        raise Unauthorized("The password was changed; sign in again")
    return user
