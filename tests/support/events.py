"""Making events in tests, through the API like any client."""

from typing import Any

import httpx

EVENT_DAY = "2031-01-20"  # a Monday after the test clock's "now" (2031-01-15 08:00 UTC)


def event_body(
    *slots: tuple[str, str, int], event_date: str = EVENT_DAY, **extra: object
) -> dict[str, Any]:
    """An event body; `slots` as (start, end, capacity), one 09:00-10:00 slot of 10 if none."""
    return {
        "name": "Tech Conference",
        "event_date": event_date,
        "description": "Annual tech conference",
        "time_slots": [
            {"start_time": s, "end_time": e, "max_capacity": c}
            for s, e, c in slots or [("09:00", "10:00", 10)]
        ],
    } | extra


async def create_event(
    client: httpx.AsyncClient, *slots: tuple[str, str, int], **extra: object
) -> dict[str, Any]:
    response = await client.post("/api/v1/events", json=event_body(*slots, **extra))
    assert response.status_code == 201, response.text
    return response.json()


async def book_seat(
    client: httpx.AsyncClient, slot_id: int | str, name: str = "Ada", **extra: object
) -> httpx.Response:
    return await client.post(
        "/api/v1/bookings", json={"attendee_name": name, "time_slot_id": slot_id} | extra
    )


async def slot_counts(client: httpx.AsyncClient, event_id: int) -> dict[int, int]:
    """current_bookings of every slot of the event, by slot id."""
    response = await client.get(f"/api/v1/events/{event_id}/slots")
    return {s["id"]: s["current_bookings"] for s in response.json()}
