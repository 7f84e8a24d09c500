"""Accounts: register, sign in, reset a password; roles provider, patient and admin.

Passwords are hashed with Argon2 (pwdlib) in a worker thread, before any transaction
opens. A provider is a user who owns a calendar: registering one creates it. The first
admin may register freely; after that only an admin can register another.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Literal

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from slotbook.errors import EmailTaken, Forbidden, NotFound, ProviderNotFound, Unauthorized
from slotbook.services import access_tokens
from slotbook.services import calendars as cal
from slotbook.services.engine import Engine, UnitOfWork
from slotbook.settings import Settings
from slotbook.store.tables import calendars, users

Role = Literal["provider", "patient", "admin"]
WRONG_CREDENTIALS = "Incorrect email or password"
#: key of the PostgreSQL advisory lock that serialises admin registrations
ADMIN_BOOTSTRAP_LOCK = 4_004_001


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    email: str
    role: str
    created_at: datetime
    password_hash: str = field(repr=False)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _user(row: object) -> User:
    """The user in a row that has (at least) every column of `users`."""
    return User(**{c.name: row._mapping[c.name] for c in users.c})  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHash:
    return PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))


def _hasher_for(settings: Settings) -> PasswordHash:
    return _hasher(settings.password_hash_time_cost, settings.password_hash_memory_kib)


async def hash_password(settings: Settings, password: str) -> str:
    return await asyncio.to_thread(_hasher_for(settings).hash, password)


async def _password_matches(settings: Settings, password: str, hashed: str) -> bool:
    return await asyncio.to_thread(_hasher_for(settings).verify, password, hashed)


async def get_user(uow: UnitOfWork, user_id: int) -> User | None:
    row = (await uow.conn.execute(select(users).where(users.c.id == user_id))).first()
    return _user(row) if row else None


async def find_user_by_email(uow: UnitOfWork, email: str) -> User | None:
    row = (await uow.conn.execute(select(users).where(users.c.email == email.lower()))).first()
    return _user(row) if row else None


async def list_providers(
    uow: UnitOfWork, *, limit: int, offset: int
) -> list[tuple[User, int | None]]:
    """Provider users, oldest first, each with the id of the calendar they own."""
    rows = await uow.conn.execute(
        select(users, calendars.c.id.label("calendar_id"))
        .outerjoin(calendars, calendars.c.user_id == users.c.id)
        .where(users.c.role == "provider")
        .order_by(users.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [(_user(row), row.calendar_id) for row in rows]


async def provider_calendar(uow: UnitOfWork, provider_id: int) -> cal.Calendar:
    """The calendar of the provider user `provider_id`, or ProviderNotFound."""
    calendar = await cal.find_calendar_of_user(uow, provider_id)
    if calendar is None or calendar.kind != "provider":
        raise ProviderNotFound()
    return calendar


async def _check_may_register_admin(uow: UnitOfWork, actor: User | None) -> None:
    """While no admin exists anyone may register one; after that only an admin."""
    if uow.conn.dialect.name == "postgresql":
        await uow.conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIN_BOOTSTRAP_LOCK}
        )
    admin = (await uow.conn.execute(select(users.c.id).where(users.c.role == "admin"))).first()
    if admin is None or (actor is not None and actor.is_admin):
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
            if role == "admin":
                await _check_may_register_admin(uow, actor)
            values = {
                "name": name,
                "email": email,
                "password_hash": password_hash,
                "role": role,
                "created_at": uow.now,
            }
            try:
                async with uow.conn.begin_nested():
                    user_id = (
                        await uow.conn.execute(insert(users).returning(users.c.id), values)
                    ).scalar_one()
            except IntegrityError as exc:
                raise EmailTaken() from exc
            if role == "provider":
                await cal.create_calendar(
                    uow,
                    kind="provider",
                    name=name,
                    email=email,
                    user_id=user_id,
                    slot_minutes=settings.reservation_slot_minutes,
                    enforce_hours=True,
                )
    return User(id=user_id, **values)


async def authenticate(engine: Engine, *, email: str, password: str) -> User:
    """The user with this email and password, or Unauthorized."""
    async for attempt in engine.attempts():
        async with attempt as uow:
            user = await find_user_by_email(uow, email)
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
            changed = await uow.conn.execute(
                update(users)
                .where(users.c.email == email)
                .values(password_hash=password_hash)
                .returning(users.c.id)
            )
            if changed.first() is None:
                raise NotFound("User not found")


def access_token(engine: Engine, user: User) -> str:
    return access_tokens.issue(engine.settings, user.id, user.password_hash, engine.clock())


async def user_for_token(engine: Engine, token: str) -> User:
    """The signed-in user a bearer token names, or Unauthorized."""
    claims = access_tokens.read(engine.settings, token, engine.clock())
    async for attempt in engine.attempts():
        async with attempt as uow:
            user = await get_user(uow, claims.user_id)
    if user is None:
        raise Unauthorized("Could not validate credentials")
    if not claims.issued_under(user.password_hash):
        raise Unauthorized("The password was changed; sign in again")
    return user
