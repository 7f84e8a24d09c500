"""Surface 001 owners in tests: a calendar with hours and rules, and appointments on it."""

import httpx

DAY = "2031-01-20"  # a Monday after the test clock's "now" (Wednesday 2031-01-15 08:00 UTC)


async def owner_calendar(
    client: httpx.AsyncClient,
    key: str = "alice",
    *,
    hours: tuple[str, str] = ("09:00", "17:00"),
    headers: dict[str, str] | None = None,
    **rules: object,
) -> int:
    """Owner `key` open daily `hours` (UTC) with booking `rules`; her calendar's id."""
    body = {"calendar_owner_id": key, "start_time": hours[0], "end_time": hours[1]}
    response = await client.post("/api/v1/availability", json=body, headers=headers)
    assert response.status_code == 200, response.text
    page = await client.get(f"/book/owner/{key}")
    calendar_id = int(page.headers["location"].rsplit("/", 1)[1])
    if rules:
        await set_rules(client, calendar_id, headers=headers, **rules)
    return calendar_id


async def set_rules(
    client: httpx.AsyncClient,
    calendar_id: int,
    *,
    headers: dict[str, str] | None = None,
    **rules: object,
) -> None:
    path = f"/api/v1/calendars/{calendar_id}/settings"
    response = await client.patch(path, json=rules, headers=headers)
    assert response.status_code == 200, response.text


async def appointment(
    client: httpx.AsyncClient,
    hour: str,
    day: str = DAY,
    *,
    key: str = "alice",
    email: str = "bob@example.com",
) -> httpx.Response:
    """Ask for an appointment with owner `key` at `hour` on `day`."""
    body = {
        "calendar_owner_id": key,
        "invitee_name": "Bob",
        "invitee_email": email,
        "date": day,
        "slot_start_time": hour,
    }
    return await client.post("/api/v1/appointments", json=body)
