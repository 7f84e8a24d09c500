"""Property: a series keeps its wall time across every DST change (SQLite and
PostgreSQL).

Hypothesis draws a zone with DST (Europe/Berlin, America/New_York, Australia/Sydney,
and Australia/Lord_Howe, whose clocks move by 30 minutes), one of its offset changes in
the booking horizon, a wall time of day (on the half hour, so the gaps and folds are
hit), and a daily or weekly series crossing the change. An oracle that only converts UTC
instants to wall time says which occurrences exist: if all do, every occurrence is
booked at that wall time, none twice; if some fall in a gap, the answer is 409 naming
exactly those as `nonexistent_time`, and nothing is booked.
"""

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.zones import Oracle, changes, wall

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe"]
#: the test clock's now is 2031-01-15; the default horizon is 365 days
FIRST, LAST = datetime(2031, 2, 1, tzinfo=UTC), datetime(2031, 12, 1, tzinfo=UTC)
CHANGES = {name: [c for c in changes(ZoneInfo(name)) if FIRST <= c.at < LAST] for name in ZONES}


@st.composite
def series_around_a_change(draw: st.DrawFn) -> tuple[str, datetime, str, list[datetime]]:
    """(zone, first wall time, rrule, every wall time the rule gives)."""
    name = draw(st.sampled_from(ZONES))
    change = draw(st.sampled_from(CHANGES[name]))
    day = wall(change.at, ZoneInfo(name)).date()
    # any half hour, or one near the change (into its gap or fold) as often
    around = (change.at + change.before).replace(tzinfo=None)  # the clocks' wall time then
    near = around.hour * 60 + around.minute + draw(st.integers(-1, 2)) * 30
    minutes = draw(st.sampled_from([draw(st.integers(0, 47)) * 30, near % (24 * 60)]))
    weekly = draw(st.booleans())
    step = timedelta(weeks=1) if weekly else timedelta(days=1)
    count = draw(st.integers(2, 12))
    before = draw(st.integers(0, count - 1))  # occurrences before the change's day
    first = datetime.combine(day - before * step, time(minutes // 60, minutes % 60))
    rrule = f"FREQ={'WEEKLY' if weekly else 'DAILY'};COUNT={count}"
    return name, first, rrule, [first + n * step for n in range(count)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=series_around_a_change())
async def test_a_series_keeps_its_wall_time_and_names_skipped_ones(client, case):
    name, first, rrule, expected = case
    zone = ZoneInfo(name)
    oracle = Oracle(zone, CHANGES[name])
    email = f"p{uuid.uuid4().hex}@example.com"
    made = await client.post(
        "/api/v1/providers", json={"name": "P", "email": email, "timezone": name}
    )
    assert made.status_code == 201, made.text
    calendar_id = made.json()["id"]
    body = {"start": first.isoformat(), "rrule": rrule, "name": "Bob", "email": "b@x.io"}
    answer = await client.post(f"/api/v1/calendars/{calendar_id}/series", json=body)
    skipped = [w for w in expected if not oracle.occurrences(w)]
    event("some wall times skipped" if skipped else "every wall time exists")
    if skipped:
        assert answer.status_code == 409, answer.text
        conflicts = answer.json()["conflicts"]
        assert [c["reason"] for c in conflicts] == ["nonexistent_time"] * len(skipped)
        assert [c["start_at"] for c in conflicts] == [
            w.isoformat(timespec="minutes") for w in skipped
        ]
        listed = await client.get("/api/v1/bookings", params={"provider_id": calendar_id})
        assert listed.json() == []
        return
    assert answer.status_code == 201, answer.text
    starts = [datetime.fromisoformat(b["start_at"]) for b in answer.json()["bookings"]]
    assert [wall(s, zone) for s in starts] == expected  # the same wall time, every date
    assert len({s.astimezone(UTC) for s in starts}) == len(expected)  # none twice
    assert all(s.astimezone(UTC) in oracle.occurrences(wall(s, zone)) for s in starts)
    assert len({wall(s, zone).date() for s in starts}) == len(expected)
