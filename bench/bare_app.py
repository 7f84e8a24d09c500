"""The baselines the benchmarks compare slotbook with.

`app`, for bench/overhead.py: a bare ASGI app answering fixed JSON bodies (BARE_BODIES
holds a JSON object mapping each path to the body text to answer with).

`bookings_app`, for bench/compare.py: the booking a new user would write first, the
stack's own speed — a FastAPI endpoint taking a pydantic body, one asyncpg INSERT into a
table with the same `EXCLUDE USING gist` constraint as slotbook's bookings (BARE_DSN names
the PostgreSQL database; the table is made at start-up), and a JSON answer.
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

BODIES = {
    path: body.encode() for path, body in json.loads(os.environ.get("BARE_BODIES", "{}")).items()
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = BODIES.get(scope["path"], b"{}")
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


TABLE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE IF NOT EXISTS bare_bookings (
    id bigserial PRIMARY KEY,
    calendar_id integer NOT NULL,
    start_at timestamptz NOT NULL,
    end_at timestamptz NOT NULL,
    EXCLUDE USING gist (calendar_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
)
"""
INSERT = (
    "INSERT INTO bare_bookings (calendar_id, start_at, end_at) VALUES ($1, $2, $3) RETURNING id"
)
pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(os.environ["BARE_DSN"], min_size=10, max_size=20)
    await pool.execute(TABLE)
    yield
    await pool.close()


bookings_app = FastAPI(lifespan=lifespan)


class BookingIn(BaseModel):
    provider_id: int
    date: date
    time: time


@bookings_app.post("/api/v1/bookings", status_code=201)
async def book(body: BookingIn) -> dict[str, Any]:
    assert pool is not None
    start = datetime.combine(body.date, body.time, UTC)
    try:
        booking_id = await pool.fetchval(
            INSERT, body.provider_id, start, start + timedelta(hours=1)
        )
    except asyncpg.ExclusionViolationError as exc:
        raise HTTPException(409, "slot taken") from exc
    return {"id": booking_id, "provider_id": body.provider_id, "date": body.date, "time": body.time}
