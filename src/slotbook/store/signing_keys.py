"""Keys the service made for itself, by name (see `accounts.signing_keys`)."""

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from slotbook.engine import UnitOfWork
from slotbook.store.tables import signing_keys


async def stored_key(uow: UnitOfWork, name: str) -> str | None:
    query = select(signing_keys.c.secret).where(signing_keys.c.name == name)
    return (await uow.conn.execute(query)).scalar()


async def store_key_unless_present(uow: UnitOfWork, name: str, secret: str, now: datetime) -> bool:
    """Keep `secret` under `name` unless a key is already there; whether it was kept."""
    try:
        async with uow.conn.begin_nested():
            await uow.conn.execute(
                insert(signing_keys), {"name": name, "secret": secret, "created_at": now}
            )
    except IntegrityError:
        return False
    return True
