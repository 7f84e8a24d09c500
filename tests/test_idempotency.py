"""Idempotent answers are kept for a day, then forgotten (they hold manage tokens)."""

import pytest
from sqlalchemy import func, select

from slotbook.engine import Engine
from slotbook.errors import IdempotencyMismatch
from slotbook.store.idempotency import purge_expired
from slotbook.store.tables import idempotency_keys
from slotbook.surfaces.http.shared import IdempotencyKey, Reply, idempotent
from tests.support.clock import FrozenClock


def key(body: dict) -> IdempotencyKey:
    found = IdempotencyKey.of("k", scope="test", request=body)
    assert found is not None
    return found


async def answer(engine: Engine, body: dict) -> Reply:
    async def action(_uow) -> Reply:
        return Reply(201, body)

    return await idempotent(engine, key(body), action)


async def kept(engine: Engine) -> int:
    async with engine.unit() as uow:
        return (
            await uow.conn.execute(select(func.count()).select_from(idempotency_keys))
        ).scalar_one()


async def test_a_key_is_remembered_then_purged_after_a_day(engine, clock: FrozenClock):
    assert (await answer(engine, {"n": 1})).body == {"n": 1}
    assert (await answer(engine, {"n": 1})).body == {"n": 1}
    with pytest.raises(IdempotencyMismatch):
        await answer(engine, {"n": 2})
    clock.advance(hours=24, seconds=1)
    assert await kept(engine) == 1
    async with engine.unit(write=True) as uow:
        await purge_expired(uow)
    assert await kept(engine) == 0
    assert (await answer(engine, {"n": 2})).body == {"n": 2}
    clock.advance(hours=1)
    with pytest.raises(IdempotencyMismatch):
        await answer(engine, {"n": 3})
