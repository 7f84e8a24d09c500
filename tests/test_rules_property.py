"""Property: what a slot list offers is exactly what can be booked. For random earlier
bookings, buffers and daily limits, every slot 001 `/slots` offers books, and every one
it leaves out is refused by a rule (taken, a buffer, the limit) — never offered and
refused, never left out and bookable."""

import itertools

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DAY = "2031-01-20"  # a Monday after the clock's "now" (Wednesday 2031-01-15 08:00 UTC)
HOURS = [f"{h:02d}:00" for h in range(8, 18)]
RULE_REFUSALS = {"slot_taken", "inside_buffer", "limit_reached"}
_calendars = itertools.count()

buffers = st.sampled_from([0, 15, 30, 45, 60, 90])


async def book(client: httpx.AsyncClient, owner: str, hour: str) -> httpx.Response:
    body = {
        "calendar_owner_id": owner,
        "invitee_name": "Bob",
        "invitee_email": "bob@example.com",
        "date": DAY,
        "slot_start_time": hour,
    }
    return await client.post("/api/v1/appointments", json=body)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    earlier=st.sets(st.sampled_from(HOURS), max_size=5),
    before=buffers,
    after=buffers,
    max_per_day=st.none() | st.integers(min_value=1, max_value=5),
)
async def test_every_offered_slot_books_and_every_other_is_refused_by_a_rule(
    client, earlier, before, after, max_per_day
):
    owner = f"owner-{next(_calendars)}"
    hours = {"calendar_owner_id": owner, "start_time": "08:00", "end_time": "18:00"}
    assert (await client.post("/api/v1/availability", json=hours)).status_code == 200
    page = await client.get(f"/book/owner/{owner}")
    calendar_id = int(page.headers["location"].rsplit("/", 1)[1])
    for hour in sorted(earlier):  # made before the rules: back to back is allowed
        assert (await book(client, owner, hour)).status_code == 200
    rules = {
        "buffer_before_minutes": before,
        "buffer_after_minutes": after,
        "max_per_day": max_per_day,
    }
    patched = await client.patch(f"/api/v1/calendars/{calendar_id}/settings", json=rules)
    assert patched.status_code == 200
    listed = await client.get("/api/v1/slots", params={"calendar_owner_id": owner, "for_date": DAY})
    offered = set(listed.json()["available_slots"])
    for hour in HOURS:
        made = await book(client, owner, hour)
        if hour in offered:
            assert made.status_code == 200, (hour, made.text)
            token = made.json()["booking_token"]
            assert (await client.delete(f"/api/v1/bookings/{token}")).status_code == 204
        else:
            assert made.status_code == 409, (hour, made.text)
            assert made.json()["code"] in RULE_REFUSALS
