"""Rate limits on what an attacker would repeat: failed sign-ins (per address and per
account), registrations, manage-token misses and booking attempts (per address), requests to
resend manage links (per email address and per client address).

Counted with the `limits` package in fixed windows (each starting at a key's first hit):
in Redis when REDIS_URL is set (so every instance shares the counts), in process memory
otherwise. Each rule's rate is a
setting in `limits` notation ("20 per 10 minutes"). If Redis cannot be reached the limits
are not enforced (and a warning is logged at most once a minute): a broken limiter must
never lock everybody out.
"""

import logging
import math
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from slotbook.errors import TooManyRequests
from slotbook.settings import Settings

log = logging.getLogger("slotbook.rate_limits")
#: how long Redis may take to answer one limiter call (the request goes on without it)
REDIS_TIMEOUT_SECONDS = 0.25
WARN_EVERY_SECONDS = 60.0


class Rule(StrEnum):
    """What is counted; the setting `rate_limit_<value>` says how many are allowed."""

    SIGN_IN_FAILURES_PER_ADDRESS = "sign_in_failures_per_address"
    SIGN_IN_FAILURES_PER_ACCOUNT = "sign_in_failures_per_account"
    REGISTRATIONS_PER_ADDRESS = "registrations_per_address"
    TOKEN_MISSES_PER_ADDRESS = "token_misses_per_address"
    BOOKINGS_PER_ADDRESS = "bookings_per_address"
    RESEND_LINKS_PER_EMAIL = "resend_links_per_email"
    RESEND_LINKS_PER_ADDRESS = "resend_links_per_address"


MESSAGES = {
    Rule.SIGN_IN_FAILURES_PER_ADDRESS: "Too many failed sign-ins from your address",
    Rule.SIGN_IN_FAILURES_PER_ACCOUNT: "Too many failed sign-ins for this account",
    Rule.REGISTRATIONS_PER_ADDRESS: "Too many registrations from your address",
    Rule.TOKEN_MISSES_PER_ADDRESS: "Too many unknown booking tokens from your address",
    Rule.BOOKINGS_PER_ADDRESS: "Too many booking attempts from your address",
    Rule.RESEND_LINKS_PER_EMAIL: "Too many requests for this email address's links",
    Rule.RESEND_LINKS_PER_ADDRESS: "Too many requests for links from your address",
}


def rates(settings: Settings) -> dict[Rule, RateLimitItem]:
    return {rule: parse(getattr(settings, f"rate_limit_{rule.value}")) for rule in Rule}


class RateLimiter:
    """The rules of one deployment, counted in its storage."""

    def __init__(self, settings: Settings) -> None:
        self.rates = rates(settings)
        self.proxies = settings.trusted_networks
        self._pool: ConnectionPool | None = None
        self._storage: Storage
        if settings.redis_url:
            self._pool = ConnectionPool.from_url(
                settings.redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._storage = RedisStorage(
                f"async+{settings.redis_url}",
                implementation="redispy",
                key_prefix=f"{settings.cache_key_prefix}limits",
                wrap_exceptions=True,
                connection_pool=self._pool,  # type: ignore[arg-type]  # limits passes it to redis-py
            )
        else:
            self._storage = MemoryStorage()
        self._limiter = FixedWindowRateLimiter(self._storage)
        self._warned_at = -math.inf

    async def close(self) -> None:
        """Let go of Redis connections (or the in-memory storage's expiry task)."""
        if self._pool is not None:
            await self._pool.aclose()
        elif isinstance(self._storage, MemoryStorage) and self._storage.timer is not None:
            self._storage.timer.cancel()

    async def hit(self, rule: Rule, key: str) -> None:
        """Count one more for `key`; TooManyRequests if that is one too many."""
        await self._ask(self._limiter.hit, rule, key)

    async def check(self, rule: Rule, key: str) -> None:
        """TooManyRequests if `key` has used up `rule` (without counting this time)."""
        await self._ask(self._limiter.test, rule, key)

    async def _ask(self, ask: Callable[..., Awaitable[bool]], rule: Rule, key: str) -> None:
        try:
            allowed = await ask(self.rates[rule], rule.value, key)
        except StorageError as exc:
            self._storage_failed(exc)
            return
        if not allowed:
            raise await self._refusal(rule, key)

    async def _refusal(self, rule: Rule, key: str) -> TooManyRequests:
        try:
            stats = await self._limiter.get_window_stats(self.rates[rule], rule.value, key)
            wait = max(1, math.ceil(stats.reset_time - time.time()))
        except StorageError:
            wait = self.rates[rule].get_expiry()
        return TooManyRequests(f"{MESSAGES[rule]}; try again in {wait} s", retry_after=wait)

    def _storage_failed(self, exc: StorageError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("rate limits not enforced: their storage failed (%s)", exc)
