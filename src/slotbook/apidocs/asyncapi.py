"""Surface 000's WebSocket protocol (`/slot-booking`) as an AsyncAPI 3.0 document.

Served at `/asyncapi.json` and linked from the OpenAPI description. The messages are the
ones `surfaces/documents/board_messages.py` reads and writes; `tests/test_asyncapi.py` checks real
frames against these schemas.
"""

from pathlib import Path
from typing import Any

from slotbook import __version__

#: the five documents the surfaces implement, read once (served under /docs/documents/)
DOCUMENTS = {
    p.name: p.read_text(encoding="utf-8")
    for p in sorted((Path(__file__).parent / "documents").glob("*.txt"))
}


def _obj(properties: dict[str, Any], required: list[str], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, **extra}


def _const(value: str) -> dict[str, Any]:
    return {"type": "string", "const": value}


SLOT_ID = {
    "description": "Slot id: minutes since local midnight // slot length (the start hour on"
    " the default board). A number or a string of digits.",
    "oneOf": [{"type": "integer"}, {"type": "string", "pattern": "^[0-9]+$"}],
    "examples": [9],
}
SLOT = _obj(
    {
        "id": {"type": "integer", "examples": [9]},
        "start_time": {
            "type": "string",
            "pattern": "^[0-2][0-9]:[0-5][0-9]$",
            "examples": ["09:00"],
        },
        "end_time": {"type": "string", "examples": ["10:00"]},
        "is_booked": {"type": "boolean", "description": "a booking or unexpired hold"},
        "is_available": {"type": "boolean", "description": "bookable now (not begun, in window)"},
    },
    ["id", "start_time", "end_time", "is_booked"],
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "BookSlot": _obj({"type": _const("book_slot"), "slot_id": SLOT_ID}, ["type", "slot_id"]),
    "CancelSlot": _obj({"type": _const("cancel_slot"), "slot_id": SLOT_ID}, ["type", "slot_id"]),
    "GetSlots": _obj({"type": _const("get_slots")}, ["type"]),
    "SlotsUpdate": _obj(
        {
            "type": _const("slots_update"),
            "data": _obj(
                {
                    "slots": {"type": "array", "items": SLOT},
                    "available_slots": {"type": "array", "items": {"type": "integer"}},
                    "booked_slots": {"type": "array", "items": {"type": "integer"}},
                    "calendar_id": {"type": "integer"},
                    "date": {
                        "type": "string",
                        "format": "date",
                        "description": "the day shown: on the default board today in its zone"
                        " until its last slot has begun, then the next day",
                    },
                },
                ["slots", "available_slots", "booked_slots"],
            ),
            "timestamp": {"type": "string", "format": "date-time"},
        },
        ["type", "data", "timestamp"],
    ),
    "BookingResponse": _obj(
        {
            "type": _const("booking_response"),
            "success": {"type": "boolean"},
            "message": {
                "type": "string",
                "examples": [
                    "Slot 9 booked successfully",
                    "Slot 9 is not available",
                    "Slot 9 has already started",
                ],
            },
            "slot_id": SLOT_ID,
            "booking_id": {"type": "integer", "description": "on success"},
            "booking_token": {
                "type": "string",
                "description": "on success, shown once: manage it at /api/v1/bookings/{token}",
            },
        },
        ["type", "success", "message", "slot_id"],
    ),
    "CancellationResponse": _obj(
        {
            "type": _const("cancellation_response"),
            "success": {"type": "boolean"},
            "message": {
                "type": "string",
                "examples": [
                    "Slot 9 booking cancelled successfully",
                    "Slot 9 was not booked",
                ],
            },
            "slot_id": SLOT_ID,
        },
        ["type", "success", "message", "slot_id"],
    ),
    "Error": _obj(
        {
            "type": _const("error"),
            "message": {
                "type": "string",
                "examples": [
                    "Missing slot_id in booking request",
                    "Missing slot_id in cancellation request",
                    "Unknown message type: X",
                    "Invalid JSON format",
                ],
            },
        },
        ["type", "message"],
    ),
}


def _message(name: str, summary: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "title": name,
        "summary": summary,
        "contentType": "application/json",
        "payload": {"$ref": f"#/components/schemas/{name}"},
        "examples": [{"payload": example}],
    }


MESSAGES = {
    "BookSlot": _message("BookSlot", "Book a slot", {"type": "book_slot", "slot_id": 9}),
    "CancelSlot": _message("CancelSlot", "Cancel a slot", {"type": "cancel_slot", "slot_id": 9}),
    "GetSlots": _message("GetSlots", "Ask for the current state", {"type": "get_slots"}),
    "SlotsUpdate": _message(
        "SlotsUpdate",
        "The day's full state: on connect, on get_slots, and after every change",
        {
            "type": "slots_update",
            "data": {
                "slots": [
                    {
                        "id": 9,
                        "start_time": "09:00",
                        "end_time": "10:00",
                        "is_booked": True,
                        "is_available": False,
                    }
                ],
                "available_slots": [],
                "booked_slots": [9],
                "calendar_id": 1,
                "date": "2031-01-20",
            },
            "timestamp": "2031-01-20T08:12:00+00:00",
        },
    ),
    "BookingResponse": _message(
        "BookingResponse",
        "The answer to book_slot (after every subscriber's slots_update)",
        {
            "type": "booking_response",
            "success": True,
            "message": "Slot 9 booked successfully",
            "slot_id": 9,
            "booking_id": 42,
            "booking_token": "Jq3…",
        },
    ),
    "CancellationResponse": _message(
        "CancellationResponse",
        "The answer to cancel_slot",
        {
            "type": "cancellation_response",
            "success": True,
            "message": "Slot 9 booking cancelled successfully",
            "slot_id": 9,
        },
    ),
    "Error": _message(
        "Error",
        "A request that could not be read; the connection stays open",
        {"type": "error", "message": "Invalid JSON format"},
    ),
}

CHANNEL_MESSAGES = {name: {"$ref": f"#/components/messages/{name}"} for name in MESSAGES}


def _refs(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/slotBooking/messages/{name}"} for name in names]


ASYNCAPI: dict[str, Any] = {
    "asyncapi": "3.0.0",
    "info": {
        "title": "slotbook live slot board (surface 000)",
        "version": __version__,
        "description": "The `/slot-booking` WebSocket of document 000"
        " (/docs/documents/000_05721879d73410c9.txt). On connect the server sends a"
        " `slots_update`; after a successful booking or cancellation every subscriber of that"
        " calendar-day, on every instance, receives a `slots_update` before the sender gets"
        " its answer. Limits: a message over 4096 bytes closes with 1009, more than 30 at"
        " once or 10/s sustained with 1008, a client 64 messages behind with 1013. The HTTP"
        " API is described at /openapi.json.",
    },
    "servers": {
        "this": {
            "host": "localhost:8000",
            "protocol": "ws",
            "description": "the server that served this document",
        }
    },
    "channels": {
        "slotBooking": {
            "address": "/slot-booking",
            "title": "A calendar-day's board",
            "description": "No query: the default board, today in its zone (rolling to the"
            " next day once its last slot has begun). `?calendar=<id>` any calendar-time"
            " calendar; `&date=YYYY-MM-DD` a fixed day. An unknown calendar or malformed"
            " parameter: an `error`, then close 1008.",
            "bindings": {
                "ws": {
                    "query": _obj(
                        {
                            "calendar": {"type": "string", "pattern": "^[0-9]+$"},
                            "date": {"type": "string", "format": "date"},
                        },
                        [],
                    )
                }
            },
            "messages": CHANNEL_MESSAGES,
        }
    },
    "operations": {
        "sendRequest": {
            "action": "receive",
            "channel": {"$ref": "#/channels/slotBooking"},
            "summary": "What a client may send",
            "messages": _refs("BookSlot", "CancelSlot", "GetSlots"),
            "reply": {
                "channel": {"$ref": "#/channels/slotBooking"},
                "messages": _refs(
                    "SlotsUpdate", "BookingResponse", "CancellationResponse", "Error"
                ),
            },
        },
        "pushUpdates": {
            "action": "send",
            "channel": {"$ref": "#/channels/slotBooking"},
            "summary": "Updates every subscriber of the calendar-day receives",
            "messages": _refs("SlotsUpdate"),
        },
    },
    "components": {"schemas": SCHEMAS, "messages": MESSAGES},
}
