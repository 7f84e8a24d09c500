"""Users in the database."""

from typing import Any

from sqlalchemy import Row, select, text, update

from slotbook.accounts.model import Role, User
from slotbook.engine import UnitOfWork
from slotbook.store.tables import calendars, users
from slotbook.store.unique import insert_unique

#: key of the PostgreSQL advisory lock that serialises admin registrations
ADMIN_BOOTSTRAP_LOCK = 4_004_001


def _user(row: Row[Any]) -> User:
    """The user in a row that has (at least) every column of `users`."""
    return User(**{c.name: row._mapping[c.name] for c in users.c})


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
        .where(users.c.role == Role.PROVIDER)
        .order_by(users.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [(_user(row), row.calendar_id) for row in rows]


async def any_admin(uow: UnitOfWork) -> bool:
    """Whether an admin exists; on PostgreSQL, first wait for any other transaction asking
    the same to finish (so two first admins cannot both register freely)."""
    if uow.is_postgresql:
        await uow.conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIN_BOOTSTRAP_LOCK}
        )
    admin = (await uow.conn.execute(select(users.c.id).where(users.c.role == Role.ADMIN))).first()
    return admin is not None


async def insert_user(uow: UnitOfWork, values: dict[str, Any]) -> User | None:
    """Write a user (every column but the id); None if the email is taken."""
    row = await insert_unique(uow, users, values)
    return _user(row) if row else None


async def set_password_hash(uow: UnitOfWork, email: str, password_hash: str) -> bool:
    """Store a new password hash for the user with this email; False if there is none."""
    changed = await uow.conn.execute(
        update(users)
        .where(users.c.email == email)
        .values(password_hash=password_hash)
        .returning(users.c.id)
    )
    return changed.first() is not None
