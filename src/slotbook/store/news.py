"""News of a unit's changes that a broker keeps in the database (`Engine.record_changes`):
rows written in the changing transaction itself, so that they commit exactly when the
changes do — by a unit of work (`write_news`), or by an express claim with its own
statements (`booking_writes.claim_at_once_on_sqlite`)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert

from slotbook.store.db import Connection


@dataclass(frozen=True, slots=True)
class News:
    """Rows of `table` that tell of changes."""

    table: Table
    rows: list[dict[str, Any]]


async def write_news(conn: Connection, news: News) -> None:
    """Add the news in the transaction of `conn`."""
    await conn.execute(insert(news.table), news.rows)
