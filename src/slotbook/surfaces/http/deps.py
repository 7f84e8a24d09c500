"""FastAPI dependencies shared by the surfaces."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from starlette.requests import HTTPConnection

from slotbook.availability.slot_cache import SlotCache
from slotbook.engine import Engine
from slotbook.errors import BookingNotFound
from slotbook.protection.rate_limits import RateLimiter, Rule
from slotbook.surfaces.http.client_address import client_address


async def get_engine(request: Request) -> Engine:
    """Async on purpose: a sync dependency would cost a thread hop per request."""
    engine: Engine = request.app.state.engine
    return engine


async def get_slot_cache(request: Request) -> SlotCache:
    cache: SlotCache = request.app.state.slot_cache
    return cache


async def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


EngineDep = Annotated[Engine, Depends(get_engine)]
SlotCacheDep = Annotated[SlotCache, Depends(get_slot_cache)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
IdempotencyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="Retry-safe key: same key and body, same answer"),
]


def limiter_of(connection: HTTPConnection) -> RateLimiter:
    """The app's rate limiter, read directly: each dependency FastAPI solves costs ~10 us
    of CPU per request, so the per-request counters below take it without one."""
    limiter: RateLimiter = connection.app.state.rate_limiter
    return limiter


def address_of(connection: HTTPConnection) -> str:
    """The client's address (X-Forwarded-For only from SLOTBOOK_TRUSTED_PROXIES)."""
    return client_address(connection, limiter_of(connection).proxies)


def per_address(rule: Rule) -> Any:
    """A route dependency counting each request against `rule` for its client's address
    (429 with Retry-After once it is used up)."""

    async def count_per_address(request: Request) -> None:
        await limiter_of(request).hit(rule, address_of(request))

    return Depends(count_per_address)


class TokenGuesses:
    """Manage-token guessing: an address that used up its misses is refused before the
    lookup; every unknown token it tries counts."""

    def __init__(self, limiter: RateLimiter, address: str) -> None:
        self.limiter = limiter
        self.address = address

    @asynccontextmanager
    async def counted(self) -> AsyncIterator[None]:
        await self.limiter.check(Rule.TOKEN_MISSES_PER_ADDRESS, self.address)
        try:
            yield
        except BookingNotFound:
            await self.limiter.hit(Rule.TOKEN_MISSES_PER_ADDRESS, self.address)
            raise


async def token_guesses(request: Request) -> TokenGuesses:
    return TokenGuesses(limiter_of(request), address_of(request))


TokenGuessesDep = Annotated[TokenGuesses, Depends(token_guesses)]
