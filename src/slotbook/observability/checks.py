"""`slotbook check`: is this configuration ready to serve? One line per dependency.

Each check answers a `Finding`; any failure makes the command exit non-zero, its line
saying why and, where there is one, what to do.
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from slotbook.settings import Settings
from slotbook.store.migrate import database_state

TIMEOUT = 5.0
#: more than this between this machine's clock and the database's is reported
MAX_SKEW_SECONDS = 2.0


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


async def _database(settings: Settings) -> list[Finding]:
    where = settings.database_display
    try:
        async with asyncio.timeout(TIMEOUT):
            state = await database_state(settings.database_url)
    except Exception as exc:  # whatever stops us reaching it is the answer
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [Finding("database", False, f"cannot reach {where}: {reason[:200]}")]
    current, heads, db_now = state.applied, state.heads, state.now
    found = [Finding("database", True, f"reachable ({where})")]
    if current == heads:
        found.append(Finding("migrations", True, f"up to date ({', '.join(sorted(heads))})"))
    else:
        at = ", ".join(sorted(current)) or "none applied"
        found.append(
            Finding(
                "migrations",
                False,
                f"pending: database at {at}, code at {', '.join(sorted(heads))}; "
                "run `slotbook migrate`",
            )
        )
    if db_now is not None:
        skew = abs((datetime.now(UTC) - db_now).total_seconds())
        found.append(
            Finding(
                "clock",
                skew <= MAX_SKEW_SECONDS,
                f"{skew:.2f} s from the database's clock"
                + ("" if skew <= MAX_SKEW_SECONDS else f" (more than {MAX_SKEW_SECONDS} s)"),
            )
        )
    else:
        found.append(Finding("clock", True, "the database (SQLite) uses this machine's clock"))
    return found


async def _redis(settings: Settings) -> Finding:
    if not settings.redis_url:
        return Finding("redis", True, "not configured (in-process pub/sub and cache)")
    where = settings.redis_display
    client = Redis.from_url(
        settings.redis_url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
    )
    try:
        async with asyncio.timeout(TIMEOUT):
            await client.ping()
    except Exception as exc:  # whatever stops us reaching it is the answer
        return Finding("redis", False, f"configured but cannot reach {where}: {exc}")
    finally:
        await client.aclose()
    return Finding("redis", True, f"reachable ({where})")


async def _mail(settings: Settings) -> Finding:
    """An SMTP server that answers (a greeting and a NOOP), or a Maildir that can be made."""
    from slotbook.notify.mail.transport import transport_for

    transport = transport_for(settings)
    try:
        async with asyncio.timeout(TIMEOUT):
            return Finding("mail", True, await transport.check())
    except Exception as exc:  # whatever stops us reaching it is the answer
        where = settings.mail_display
        return Finding("mail", False, f"{where}: cannot be used: {type(exc).__name__}: {exc}")


async def run_checks(settings: Settings) -> list[Finding]:
    """Every check of a configuration that loaded (`Settings()` raising is the first)."""
    database, redis, mail = await asyncio.gather(
        _database(settings), _redis(settings), _mail(settings)
    )
    return [Finding("settings", True, "valid"), *database, redis, mail]
