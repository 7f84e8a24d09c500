"""The broker: carries "calendar X changed on day D" to every instance, after commit.

The instance that committed delivers to its own subscribers and waits for that (so a
sender sees the new state before its reply); the others hear it through the broker:
- Redis pub/sub when `REDIS_URL` is set (`redis_broker`): best effort, any number of
  machines; the cache is in Redis too;
- otherwise the database itself: PostgreSQL `LISTEN/NOTIFY` (`pg_notify`), or on SQLite
  a change log table each process follows (`change_log`). The news commits with the
  change, so no committed change goes unheard, and `caught_up` lets each process's
  in-process cache wait for every change committed before a read.
"""

from typing import Protocol

from slotbook.engine import CalendarDay, Engine
from slotbook.realtime.change_log import ChangeLogBroker
from slotbook.realtime.news import Deliver, Resync
from slotbook.realtime.pg_notify import NotifyBroker
from slotbook.realtime.redis_broker import RedisBroker


class Broker(Protocol):
    kind: str

    async def start(self) -> None: ...

    async def publish(self, days: frozenset[CalendarDay]) -> None: ...

    async def caught_up(self) -> None:
        """Return once every change committed before the call has been delivered here;
        raise if that cannot be known."""

    async def health(self) -> str:
        """'ok', or what is wrong."""
        ...

    async def close(self) -> None: ...


def make_broker(engine: Engine, deliver: Deliver, resync: Resync) -> Broker:
    settings = engine.settings
    if settings.redis_url:
        channel = f"{settings.redis_channel_prefix}:calendar-days"
        return RedisBroker(settings.redis_url, channel, deliver, resync)
    if engine.db.is_sqlite:
        return ChangeLogBroker(engine, deliver, resync)
    return NotifyBroker(engine, deliver, resync)
