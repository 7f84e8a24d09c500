"""The baseline for bench/fanout.py: a bare ASGI app broadcasting a fixed board update.

Each WebSocket client gets a `slots_update` with nothing booked when it connects; a
`book_slot` makes the app send the update with slot 9 booked to every connected client
in turn (no database, no framework, no queues), then answer the sender.
"""

import json
from typing import Any

SLOT = 9
CONNECTIONS: list[Any] = []


def _update(booked: list[int]) -> str:
    hours = range(3, 15)
    slots = [
        {
            "id": h,
            "start_time": f"{h:02d}:00",
            "end_time": f"{h + 1:02d}:00",
            "is_booked": h in booked,
            "is_available": h not in booked,
        }
        for h in hours
    ]
    data = {
        "slots": slots,
        "available_slots": [h for h in hours if h not in booked],
        "booked_slots": booked,
        "calendar_id": 1,
        "date": "2031-01-15",
    }
    return json.dumps({"type": "slots_update", "data": data, "timestamp": "2031-01-15T08:00"})


FREE, BOOKED = _update([]), _update([SLOT])
ANSWER = json.dumps(
    {"type": "booking_response", "success": True, "message": "booked", "slot_id": SLOT}
)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        return
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": FREE})
    CONNECTIONS.append(send)
    try:
        while (message := await receive())["type"] != "websocket.disconnect":
            if '"book_slot"' in (message.get("text") or ""):
                for other in list(CONNECTIONS):
                    await other({"type": "websocket.send", "text": BOOKED})
                await send({"type": "websocket.send", "text": ANSWER})
    finally:
        CONNECTIONS.remove(send)
