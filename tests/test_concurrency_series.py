"""Series racing on two `slotbook serve` processes on one database (SQLite and
PostgreSQL): two series whose weeks overlap — one wins whole, the other books nothing.

The servers run on the real clock, so every day used is weeks after the real today.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from slotbook.store.tables import bookings
from tests.conftest import BACKENDS
from tests.support.servers import running_servers
from tests.test_concurrency_rules import provider, race, rows

FIRST = (datetime.now(UTC) + timedelta(days=30)).date()
PAIRS = 6
WEEKS = 8
OVERLAP_FROM = 3  # the second series starts on the first one's 4th week


@pytest.fixture(scope="module", params=BACKENDS)
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str]]]:
    url = request.getfixturevalue(f"{request.param}_url")
    with running_servers(url, 2) as urls:
        yield url, urls


def series_body(first_week: int, email: str) -> dict[str, str]:
    start = FIRST + timedelta(weeks=first_week)
    return {
        "start": f"{start}T09:00",
        "rrule": f"FREQ=WEEKLY;COUNT={WEEKS}",
        "name": "Racer",
        "email": email,
    }


async def test_of_two_overlapping_series_one_wins_whole_and_the_other_books_nothing(servers):
    database_url, urls = servers
    calendars = [await provider(urls[0], f"series-{n}-{FIRST}") for n in range(PAIRS)]
    requests = [
        ("POST", f"/api/v1/calendars/{c}/series", series_body(week, f"{who}@x.io"))
        for c in calendars
        for week, who in ((0, "early"), (OVERLAP_FROM, "late"))
    ]
    answers = await race(urls, requests)
    for n, calendar_id in enumerate(calendars):
        pair = answers[2 * n : 2 * n + 2]
        assert sorted(a.status_code for a in pair) == [201, 409], [a.text for a in pair]
        won = next(a.json() for a in pair if a.status_code == 201)
        lost = next(a.json() for a in pair if a.status_code == 409)
        # the loser is told of every overlapping week, all of them taken
        assert len(lost["conflicts"]) == WEEKS - OVERLAP_FROM
        assert {c["reason"] for c in lost["conflicts"]} == {"slot_taken"}
        stored = await rows(
            database_url,
            select(bookings.c.series_id, bookings.c.start_at).where(
                bookings.c.calendar_id == calendar_id, bookings.c.status == "confirmed"
            ),
        )
        assert {r.series_id for r in stored} == {won["id"]}  # the winner's, nothing else
        assert len(stored) == WEEKS
        assert len({r.start_at for r in stored}) == WEEKS
