"""Domain errors: each carries an HTTP status and a stable code.

Surfaces never raise HTTP exceptions for business rules; they raise (or let through)
one of these, and `surfaces.errors` renders it in that surface's documented shape.
"""

from collections.abc import Mapping
from typing import ClassVar


class DomainError(Exception):
    """Base of every error a client may see. `code` is stable; `message` is for people."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_message: ClassVar[str] = "Bad request"
    headers: ClassVar[Mapping[str, str]] = {}

    def __init__(self, message: str | None = None, **context: object) -> None:
        self.message = message or self.default_message
        self.context = context
        super().__init__(self.message)

    def response_headers(self) -> Mapping[str, str]:
        """Headers the answer carries (WWW-Authenticate, Retry-After, ...)."""
        return self.headers

    def details(self) -> Mapping[str, object]:
        """Fields the error body carries besides the message and code."""
        return {}


class InvalidInput(DomainError):
    status, code, default_message = 422, "invalid_input", "Invalid input"


class ScheduleTooLarge(DomainError):
    """More opening hours than one calendar may hold; the message names the limit."""

    status, code, default_message = 422, "schedule_too_large", "The schedule is too large"


class InvalidHours(DomainError):
    status, code, default_message = 400, "invalid_hours", "Start time must be before end time"


class OutsideHours(DomainError):
    status, code, default_message = 400, "outside_hours", "Invalid time"


class OffGrid(OutsideHours):
    code, default_message = "off_grid", "That time is not on the calendar's slot grid"


class InPast(DomainError):
    status, code, default_message = 400, "in_past", "That time is in the past"


class TooSoon(DomainError):
    status, code, default_message = 400, "too_soon", "That time is within the minimum notice"


class BeyondHorizon(DomainError):
    status, code, default_message = 400, "beyond_horizon", "That date is too far ahead"


class InvalidWindow(DomainError):
    status, code, default_message = 400, "invalid_window", "end_date must not be before start_date"


class WindowTooLong(DomainError):
    status, code, default_message = 400, "window_too_long", "The date window is too long"


class ChangeCutoff(DomainError):
    status, code, default_message = 409, "change_cutoff", "Too close to the start to change"


class CancelCutoff(ChangeCutoff):
    code, default_message = "cancel_cutoff", "Too close to the start to cancel"


class MoveCutoff(ChangeCutoff):
    code, default_message = "move_cutoff", "Too close to the start to move"


class NotFound(DomainError):
    status, code, default_message = 404, "not_found", "Not found"


class CalendarNotFound(NotFound):
    code, default_message = "calendar_not_found", "Calendar not found"


class ProviderNotFound(NotFound):
    code, default_message = "provider_not_found", "Provider not found"


class SlotNotFound(NotFound):
    code, default_message = "slot_not_found", "Time slot not found"


class EventNotFound(NotFound):
    code, default_message = "event_not_found", "Event not found"


class BookingNotFound(NotFound):
    code, default_message = "booking_not_found", "Booking not found"


class SeriesNotFound(NotFound):
    code, default_message = "series_not_found", "Series not found"


class WaitlistEntryNotFound(BookingNotFound):
    """An unknown or malformed waitlist token (counted as a token guess like a booking's)."""

    code, default_message = "waitlist_entry_not_found", "Waitlist entry not found"


class WebhookNotFound(NotFound):
    code, default_message = "webhook_not_found", "Webhook not found"


class FeedNotFound(NotFound):
    code, default_message = "feed_not_found", "Feed not found"


class Conflict(DomainError):
    status, code, default_message = 409, "conflict", "Conflict"


class SlotTaken(Conflict):
    code, default_message = "slot_taken", "Slot already booked"


class SlotFull(Conflict):
    code, default_message = "slot_full", "Time slot is full"


class TooFewSeats(Conflict):
    """Fewer seats left than asked for (some, unlike SlotFull)."""

    code, default_message = "too_few_seats", "Not enough places left"


class TooManySeats(DomainError):
    status, code, default_message = 422, "too_many_seats", "Too many places for one booking"


class InsideBuffer(Conflict):
    """The time is free, but a buffer around it or around another booking is not."""

    code, default_message = "inside_buffer", "Too close to another booking"


class LimitReached(Conflict):
    """A daily or weekly booking limit (in all or per booker) is used up."""

    code, default_message = "limit_reached", "Booking limit reached"


class SeriesConflict(Conflict):
    """Some occurrences of a series cannot be booked, so none is: `conflicts` lists every
    one that failed, `{"start_at", "reason", "message"}`."""

    code, default_message = "series_conflict", "Some occurrences cannot be booked"

    def __init__(self, conflicts: list[dict[str, str]], total: int) -> None:
        super().__init__(
            f"{len(conflicts)} of {total} occurrences cannot be booked, so none was booked"
        )
        self.conflicts = conflicts

    def details(self) -> Mapping[str, object]:
        return {"conflicts": self.conflicts}


class PlacesLeft(Conflict):
    """A waitlist join for a place that can be booked right now."""

    code, default_message = "places_left", "There is room: book it directly"


class AlreadyWaiting(Conflict):
    code, default_message = "already_waiting", "You are already on this waitlist"


class NoOffer(Conflict):
    """Accepting (or leaving) a waitlist entry in a status that does not allow it."""

    code, default_message = "no_offer", "This waitlist entry has no open offer"


class OfferLapsed(NoOffer):
    code, default_message = "offer_lapsed", "The offer has lapsed"


class NotPending(Conflict):
    code, default_message = "not_pending", "This booking is not pending"


class ReservationExpired(Conflict):
    code, default_message = "reservation_expired", "Reservation expired"


class NotChangeable(Conflict):
    code, default_message = "not_changeable", "This booking can no longer be changed"


class BookedElsewhere(NotChangeable):
    code, default_message = "booked_elsewhere", "Booked through another surface"


class EmailTaken(Conflict):
    code, default_message = "email_taken", "Email already registered"


class IdempotencyMismatch(DomainError):
    status, code = 422, "idempotency_key_reused"
    default_message = "Idempotency-Key was already used with a different request"


class Unauthorized(DomainError):
    status, code, default_message = 401, "unauthorized", "Not authenticated"
    headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": "Bearer"}


class BodyTooLarge(DomainError):
    status, code, default_message = 413, "body_too_large", "The request body is too large"


class HeadersTooLarge(DomainError):
    status, code, default_message = 431, "headers_too_large", "Too many or too large headers"


class TooManyRequests(DomainError):
    """A rate limit was passed; `retry_after` seconds until the next try may succeed."""

    status, code, default_message = 429, "rate_limited", "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def response_headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after)}


class HoldLimit(Conflict):
    code, default_message = "hold_limit", "You hold too many unconfirmed reservations"


class Forbidden(DomainError):
    status, code, default_message = 403, "forbidden", "Not allowed"


#: seconds a client is asked to wait before retrying after a 503
RETRY_AFTER_SECONDS = 1


class PatientsOnly(Forbidden):
    code = "patients_only"
    default_message = (
        "This calendar takes bookings from signed-in patients only "
        "(POST /appointments/reserve with a patient's token)"
    )


class Unavailable(DomainError):
    """The database could not be reached (down, stalled, out of connections, or the
    connection dropped); safe to retry."""

    status, code, default_message = 503, "unavailable", "The booking store is unavailable"
    headers: ClassVar[Mapping[str, str]] = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class TryAgain(Unavailable):
    """Nothing was committed, and running the unit of work again may well succeed (the
    engine does so once)."""


class Disconnected(TryAgain):
    """The connection dropped before the commit."""


class StatementLost(Unavailable):
    """The connection of a statement run on its own (one that commits by itself) dropped
    while it ran: it may or may not have committed."""


class Deadlocked(TryAgain):
    """The database aborted the transaction to break a deadlock (or a serialization
    failure), e.g. two claims each checking the other's uncommitted row."""


class Busy(DomainError):
    """The database stayed locked longer than the busy timeout; safe to retry."""

    status, code, default_message = 503, "busy", "The booking store is busy; retry shortly"
    headers: ClassVar[Mapping[str, str]] = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class PastDate(DomainError):
    status, code, default_message = 400, "past_date", "That date is in the past"


def plain_message(message: str) -> str:
    """A validator's message without pydantic's "Value error, " / "Assertion failed, "."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message
