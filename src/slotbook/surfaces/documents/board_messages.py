"""Surface 000's WebSocket messages: what clients send, and what they are answered.

The documented texts are kept word for word; extra fields (a slot's `is_available`, the
day's `calendar_id` and `date`, a new booking's `booking_token`, a `cancel_slot`'s
`booking_token`, an event's seat counts) are additions.
"""

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slotbook.booking.board import BoardSlot
from slotbook.booking.model import BookingStatus, NewBooking, SeatSlot
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
    token: str | None = None  # a cancel_slot's booking_token


def echo(value: object) -> str:
    text = str(value)
    return text if len(text) <= LONGEST_ECHO else text[:LONGEST_ECHO] + "…"


def _slot_number(value: object) -> int | None:
    digits = value.strip() if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= 8:
        value = int(digits)
    if isinstance(value, int) and not isinstance(value, bool) and value in SLOT_IDS:
        return value
    return None


def parse(frame: str | bytes) -> Request:
    """The request in a client's frame; BadMessage with the documented error otherwise."""
    try:
        message = json.loads(frame, parse_constant=_refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadMessage(INVALID_JSON) from exc
    if not isinstance(message, dict):
        raise BadMessage(INVALID_JSON)
    kind = message.get("type")
    if kind not in (BOOK, CANCEL, GET):
        raise BadMessage(f"Unknown message type: {echo(kind)}")
    raw = message.get("slot_id")
    if kind in MISSING_SLOT and raw is None:
        raise BadMessage(MISSING_SLOT[kind])
    if isinstance(raw, float) and not math.isfinite(raw):
        raise BadMessage(f"Invalid slot_id: {raw} is not a number a slot can have")
    token = message.get("booking_token")
    token = token if isinstance(token, str) and token else None
    number = _slot_number(raw)
    if number is not None:
        return Request(kind, number, number, token)
    return Request(kind, None, raw if isinstance(raw, int | float) else echo(raw), token)


def _refuse_constant(name: str) -> object:
    """NaN and Infinity are not JSON (Python's decoder would accept them)."""
    raise ValueError(f"{name} is not JSON")


def _clock(local: datetime) -> str:
    return f"{local.hour:02d}:{local.minute:02d}"


def _update(data: dict[str, Any], now: datetime) -> tuple[str, str]:
    """A `slots_update` as (key, text): the key is its data, which shows a change."""
    key = json.dumps(data, separators=(",", ":"))
    text = f'{{"type":"slots_update","data":{key},"timestamp":{json.dumps(now.isoformat())}}}'
    return key, text


def slots_update(
    calendar: Calendar, day: date, slots: list[BoardSlot], now: datetime
) -> tuple[str, str]:
    """One day of a calendar's time, as a `slots_update`."""
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
    return _update(data, now)


def seats_update(calendar: Calendar, slots: list[SeatSlot], now: datetime) -> tuple[str, str]:
    """An event's time slots with their seats, as a `slots_update`: ids are the time slots'
    ids, `is_booked` means full, `is_available` has places and has not started."""
    zone = calendar.zone
    shown = [(s, s.available > 0 and s.start_at > now) for s in slots]
    data = {
        "slots": [
            {
                "id": s.id,
                "start_time": _clock(s.start_at.astimezone(zone)),
                "end_time": _clock(s.end_at.astimezone(zone)),
                "is_booked": s.available <= 0,
                "is_available": open_,
                "max_capacity": s.capacity,
                "current_bookings": s.taken,
                "available_spots": s.available,
            }
            for s, open_ in shown
        ],
        "available_slots": [s.id for s, open_ in shown if open_],
        "booked_slots": [s.id for s, _ in shown if s.available <= 0],
        "calendar_id": calendar.id,
        "date": calendar.event_date.isoformat() if calendar.event_date else None,
    }
    return _update(data, now)


def booking_response(request: Request, made: NewBooking | None, failure: str | None) -> str:
    """Success when `made`; otherwise `failure`, or the documented "not available"."""
    body: dict[str, Any] = {"type": "booking_response", "success": made is not None}
    if made is not None and made.booking.status == BookingStatus.PENDING:
        body["message"] = f"Slot {request.label} requested: pending approval"
    elif made is not None:
        body["message"] = f"Slot {request.label} booked successfully"
    else:
        body["message"] = failure or f"Slot {request.label} is not available"
    body["slot_id"] = request.label
    if made is not None:
        body |= {
            "booking_id": made.booking.id,
            "booking_token": made.token,
            "status": made.booking.status,
        }
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


def token_needed(request: Request) -> str:
    return f"Slot {request.label} can be cancelled on this calendar only with its booking_token"


def not_this_token(request: Request) -> str:
    return f"Slot {request.label} has no active booking with this booking_token"


def error(message: str) -> str:
    return json.dumps({"type": "error", "message": message})
