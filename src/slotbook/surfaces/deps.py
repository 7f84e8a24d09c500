"""FastAPI dependencies shared by the surfaces."""

from typing import Annotated

from fastapi import Depends, Header, Request

from slotbook.availability.slot_cache import SlotCache
from slotbook.engine import Engine


async def get_engine(request: Request) -> Engine:
    """Async on purpose: a sync dependency would cost a thread hop per request."""
    engine: Engine = request.app.state.engine
    return engine


async def get_slot_cache(request: Request) -> SlotCache:
    cache: SlotCache = request.app.state.slot_cache
    return cache


EngineDep = Annotated[Engine, Depends(get_engine)]
SlotCacheDep = Annotated[SlotCache, Depends(get_slot_cache)]
IdempotencyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retry-safe key: same key and body, same answer"),
]
