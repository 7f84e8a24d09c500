"""Surface 000's WebSocket messages: what clients send, and what they are answered.

The documented texts are kept word for word; extra fields (a slot's `is_available`, the
day's `calendar_id` and `date`, a new booking's `booking_token`) are additions.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slotbook.booking.board import BoardSlot
from slotbook.booking.model import NewBooking
from slotbook.calendars.calendars import Calendar

BOOK, CANCEL, GET = "book_slot", "cancel_slot", "get_slots"
MISSING_SLOT = {
    BOOK: "Missing slot_id in booking request",
    CANCEL: "Missing slot_id in cancellation request",
}
INVALID_JSON = "Invalid JSON format"
LONGEST_ECHO = 64  # characters of a client's own value repeated back in a message
SLOT_IDS = range(24 * 60)


class BadMessage(Exception):
    """A frame that is not a request we understand; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Request:
    type: str
    slot: int | None  # None: not a slot id of any day
    label: object  # the slot id as the client will see it in the answer


def echo(value: object) -> str:
    text = str(value)
    return text if len(text) <= LONGEST_ECHO else text[:LONGEST_ECHO] + "…"


def _slot_number(value: object) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value in SLOT_IDS:
        return value
    return None


def parse(frame: str | bytes) -> Request:
    """The request in a client's frame; BadMessage with the documented error otherwise."""
    try:
        message = json.loads(frame)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage(INVALID_JSON) from exc
    if not isinstance(message, dict):
        raise BadMessage(INVALID_JSON)
    kind = message.get("type")
    if kind not in (BOOK, CANCEL, GET):
        raise BadMessage(f"Unknown message type: {echo(kind)}")
    raw = message.get("slot_id")
    if kind in MISSING_SLOT and raw is None:
        raise BadMessage(MISSING_SLOT[kind])
    number = _slot_number(raw)
    if number is not None:
        return Request(kind, number, number)
    return Request(kind, None, raw if isinstance(raw, int | float) else echo(raw))


def _clock(local: datetime) -> str:
    return f"{local.hour:02d}:{local.minute:02d}"


def slots_update(
    calendar: Calendar, day: date, slots: list[BoardSlot], now: datetime
) -> tuple[str, str]:
    """A `slots_update` as (key, text): the key is its data, which shows a change."""
    zone = calendar.zone
    data = {
        "slots": [
            {
                "id": s.id,
                "start_time": _clock(s.slot.local_start),
                "end_time": _clock(s.slot.end.astimezone(zone)),
                "is_booked": s.booked,
                "is_available": s.available,
            }
            for s in slots
        ],
        "available_slots": [s.id for s in slots if s.available],
        "booked_slots": [s.id for s in slots if s.booked],
        "calendar_id": calendar.id,
        "date": day.isoformat(),
    }
    key = json.dumps(data, separators=(",", ":"))
    text = f'{{"type":"slots_update","data":{key},"timestamp":{json.dumps(now.isoformat())}}}'
    return key, text


def booking_response(request: Request, made: NewBooking | None, failure: str | None) -> str:
    """Success when `made`; otherwise `failure`, or the documented "not available"."""
    body: dict[str, Any] = {"type": "booking_response", "success": made is not None}
    if made is not None:
        body["message"] = f"Slot {request.label} booked successfully"
    else:
        body["message"] = failure or f"Slot {request.label} is not available"
    body["slot_id"] = request.label
    if made is not None:
        body |= {"booking_id": made.booking.id, "booking_token": made.token}
    return json.dumps(body)


def cancellation_response(request: Request, cancelled: bool, failure: str | None) -> str:
    """Success when `cancelled`; otherwise `failure`, or the documented "was not booked"."""
    if cancelled:
        message = f"Slot {request.label} booking cancelled successfully"
    else:
        message = failure or f"Slot {request.label} was not booked"
    return json.dumps(
        {
            "type": "cancellation_response",
            "success": cancelled,
            "message": message,
            "slot_id": request.label,
        }
    )


def error(message: str) -> str:
    return json.dumps({"type": "error", "message": message})
