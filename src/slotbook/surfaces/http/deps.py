"""FastAPI dependencies shared by the surfaces."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from starlette.requests import HTTPConnection

from slotbook.availability.slot_cache import SlotCache
from slotbook.engine import Engine
from slotbook.errors import BookingNotFound
from slotbook.protection.rate_limits import RateLimiter, Rule
from slotbook.surfaces.http.client_address import client_address


def engine_of(connection: HTTPConnection) -> Engine:
    """The app's engine, read directly: the hottest read routes take it so rather than
    as `EngineDep`, a dependency FastAPI solves at ~75 Python calls a request (7% of a
    slot list's)."""
    engine: Engine = connection.app.state.engine
    return engine


async def get_engine(request: Request) -> Engine:
    """Async on purpose: a sync dependency would cost a thread hop per request."""
    return engine_of(request)


async def get_slot_cache(request: Request) -> SlotCache:
    cache: SlotCache = request.app.state.slot_cache
    return cache


async def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


EngineDep = Annotated[Engine, Depends(get_engine)]
SlotCacheDep = Annotated[SlotCache, Depends(get_slot_cache)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
IDEMPOTENCY_KEY = "Idempotency-Key"
IDEMPOTENCY_KEY_HELP = "Retry-safe key: same key and body, same answer"
IdempotencyHeader = Annotated[
    str | None, Header(alias=IDEMPOTENCY_KEY, description=IDEMPOTENCY_KEY_HELP)
]
#: `openapi_extra` documenting the header for a route that reads it through `booking_attempt`
IDEMPOTENCY_KEY_DOCUMENTED: dict[str, Any] = {
    "parameters": [
        {
            "name": IDEMPOTENCY_KEY,
            "in": "header",
            "required": False,
            "description": IDEMPOTENCY_KEY_HELP,
            "schema": {"type": "string", "title": IDEMPOTENCY_KEY},
        }
    ]
}


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


@dataclass(frozen=True, slots=True)
class BookingAttempt:
    """What a route that books needs of its request."""

    engine: Engine
    idempotency_key: str | None  # the client's `Idempotency-Key`, if it sent one


async def booking_attempt(request: Request) -> BookingAttempt:
    """One booking attempt, counted against the client's address (429 with Retry-After
    once used up), with the engine and the `Idempotency-Key` header (document it with
    `IDEMPOTENCY_KEY_DOCUMENTED`). One dependency, reading the header itself: each
    dependency FastAPI solves, and each header parameter it reads, cost ~80-100 Python
    calls a request (together a sixth of a booking's, by cProfile's count)."""
    await limiter_of(request).hit(Rule.BOOKINGS_PER_ADDRESS, address_of(request))
    return BookingAttempt(engine_of(request), request.headers.get(IDEMPOTENCY_KEY))


BookingAttemptDep = Annotated[BookingAttempt, Depends(booking_attempt)]


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
