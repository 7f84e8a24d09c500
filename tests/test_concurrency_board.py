"""The board under real concurrency: 50 clients on two server processes, one slot."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import connect

from slotbook.store.tables import bookings, calendars
from tests.support.live import BoardClient
from tests.support.servers import running_servers

CLIENTS = 50


def board_url(base: str, day: str) -> str:
    return base.replace("http://", "ws://") + f"/slot-booking?date={day}"


async def count(database_url: str, query) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def book_at_once(urls: list[str], slot: int) -> list[dict]:
    """Open every connection, then send every `book_slot` together; the answers."""
    clients = [BoardClient(ws) for ws in await asyncio.gather(*(connect(u) for u in urls))]
    try:
        for client in clients:
            assert (await client.receive())["type"] == "slots_update"
        await asyncio.gather(*(c.send({"type": "book_slot", "slot_id": slot}) for c in clients))
        return await asyncio.gather(
            *(c.until(lambda m: m["type"] == "booking_response") for c in clients)
        )
    finally:
        await asyncio.gather(*(c.ws.close() for c in clients))


async def test_fifty_clients_booking_one_slot_get_exactly_one_success(database_url):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    with running_servers(database_url, 2) as bases:
        urls = [board_url(bases[i % 2], tomorrow) for i in range(CLIENTS)]
        answers = await book_at_once(urls, 9)
    wins = [a for a in answers if a["success"]]
    assert len(wins) == 1
    assert wins[0]["message"] == "Slot 9 booked successfully"
    assert {a["message"] for a in answers if not a["success"]} == {"Slot 9 is not available"}
    assert await count(database_url, select(func.count()).select_from(bookings)) == 1
    boards = select(func.count()).where(calendars.c.kind == "board")
    assert await count(database_url, boards) == 1  # both processes ensured the same board
