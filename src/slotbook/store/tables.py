"""The schema, as SQLAlchemy Core tables. Migrations in `slotbook.migrations` create it."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint

from slotbook.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: SQLSTATE of an exclusion constraint's refusal: two overlapping claims on one calendar
EXCLUSION_VIOLATION = "23P01"

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('provider', 'patient', 'admin')", name="role"),
)

calendars = Table(
    "calendars",
    metadata,
    Column("id", Integer, primary_key=True),
    # owner: surface 001; provider: 002/004; board: 000; event: 003
    Column("kind", String(16), nullable=False),
    # the client's own key for this calendar (001's calendar_owner_id, the board's name)
    Column("owner_key", String(200), nullable=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("email", String(320), nullable=True, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True, unique=True),
    Column("description", Text, nullable=True),
    Column("event_date", Date, nullable=True),
    Column("timezone", String(64), nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    # bookings must fit the opening hours (001, 004, board); 002 providers take any time
    Column("enforce_hours", Boolean, nullable=False, server_default=text("true")),
    Column("min_notice_minutes", Integer, nullable=False, server_default="0"),
    Column("horizon_days", Integer, nullable=False),
    # no moves or cancellations by token this close to the start
    Column("change_cutoff_minutes", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    # who may book and see it: anyone, or (a 004 provider's) signed-in patients only
    Column("who_may_book", String(32), nullable=False, server_default="anyone"),
    # booking rules (README "Booking rules"); null limits and cut-offs: none of their own
    Column("buffer_before_minutes", Integer, nullable=False, server_default="0"),
    Column("buffer_after_minutes", Integer, nullable=False, server_default="0"),
    Column("max_per_day", Integer, nullable=True),
    Column("max_per_week", Integer, nullable=True),
    Column("max_per_booker_per_day", Integer, nullable=True),
    Column("max_per_booker_per_week", Integer, nullable=True),
    Column("cancel_cutoff_minutes", Integer, nullable=True),  # null: change_cutoff_minutes
    Column("move_cutoff_minutes", Integer, nullable=True),  # null: change_cutoff_minutes
    Column("requires_approval", Boolean, nullable=False, server_default=text("false")),
    Column("approval_timeout_minutes", Integer, nullable=False, server_default="1440"),
    Column("max_seats_per_booking", Integer, nullable=False, server_default="10"),
    # how long a freed place offered to the next on its waitlist is held for them
    Column("waitlist_offer_minutes", Integer, nullable=False, server_default="60"),
    # email: minutes before a booking's start its booker is reminded (0: never)
    Column("reminder_minutes", Integer, nullable=False, server_default="1440"),
    # email: where the owner's notices go (else the provider's or its account's email)
    Column("notice_email", String(320), nullable=True),
    # a new random token each time the opening hours are replaced (None: never set), so
    # that a process may keep a schedule it read for as long as the token is the same
    Column("schedule_version", String(32), nullable=True),
    # a random token written with every change of this row (`store.calendars`)
    Column("version", String(32), nullable=False),
    UniqueConstraint("kind", "owner_key"),
    CheckConstraint("kind IN ('owner', 'provider', 'board', 'event')", name="kind"),
    CheckConstraint("slot_minutes > 0", name="slot_minutes"),
    CheckConstraint(
        "buffer_before_minutes BETWEEN 0 AND 1440 AND buffer_after_minutes BETWEEN 0 AND 1440",
        name="buffers",
    ),
    CheckConstraint(
        "(max_per_day IS NULL OR max_per_day > 0) AND (max_per_week IS NULL OR max_per_week > 0)"
        " AND (max_per_booker_per_day IS NULL OR max_per_booker_per_day > 0)"
        " AND (max_per_booker_per_week IS NULL OR max_per_booker_per_week > 0)",
        name="limits",
    ),
    CheckConstraint(
        "approval_timeout_minutes > 0 AND max_seats_per_booking > 0", name="approval_seats"
    ),
    CheckConstraint("waitlist_offer_minutes > 0", name="waitlist_offer"),
    CheckConstraint("reminder_minutes >= 0", name="reminder_minutes"),
)

availability_rules = Table(
    "availability_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    Column("weekday", SmallInteger, nullable=False),  # Monday = 0
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
    CheckConstraint("start_time < end_time", name="hours"),
    Index(None, "calendar_id"),
)

date_hours = Table(
    "date_hours",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    Column("on_date", Date, nullable=False),
    # replace: these hours instead of the weekly ones (none = closed); extra: added hours
    Column("mode", String(8), nullable=False),
    Column("start_time", Time, nullable=True),
    Column("end_time", Time, nullable=True),
    CheckConstraint("mode IN ('replace', 'extra')", name="mode"),
    CheckConstraint(
        "(start_time IS NULL AND end_time IS NULL) OR start_time < end_time", name="hours"
    ),
    Index(None, "calendar_id", "on_date"),
)

slots = Table(
    "slots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("taken", Integer, nullable=False, server_default="0"),
    CheckConstraint("capacity > 0", name="capacity"),
    CheckConstraint("taken >= 0 AND taken <= capacity", name="taken"),
    CheckConstraint("start_at < end_at", name="times"),
    Index(None, "calendar_id", "start_at"),
)

#: A recurring booking: its occurrences are ordinary bookings with its `series_id`,
#: claimed all in one transaction (`booking.series`). `start_local` is the first
#: occurrence's wall time in the calendar's zone, `rrule` the RFC 5545 subset it repeats by.
series = Table(
    "series",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("start_local", String(19), nullable=False),
    Column("rrule", String(500), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('active', 'cancelled')", name="status"),
)

#: what a slot listing reads of each booking in its window besides its calendar and start:
#: the (calendar_id, start_at) index carries them (migration 0012), so that a listing reads
#: the index alone (on SQLite, which has no INCLUDE, they follow the key instead)
WINDOW_READS = [
    "end_at",
    "status",
    "hold_expires_at",
    "slot_id",
    "buffer_before_minutes",
    "buffer_after_minutes",
]

bookings = Table(
    "bookings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    Column("slot_id", Integer, ForeignKey("slots.id", ondelete="CASCADE"), nullable=True),
    Column("start_at", UTCDateTime, nullable=False),
    Column("end_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("hold_expires_at", UTCDateTime, nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=True),
    Column("email", String(320), nullable=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # seats taken on an explicit slot (always 1 on calendar time)
    Column("seats", Integer, nullable=False, server_default="1"),
    # the calendar's buffers when this booking claimed its time: it keeps
    # [start_at - before, end_at + after) from every other active claim
    Column("buffer_before_minutes", Integer, nullable=False, server_default="0"),
    Column("buffer_after_minutes", Integer, nullable=False, server_default="0"),
    # the series this booking is an occurrence of, if any
    Column("series_id", Integer, ForeignKey("series.id", ondelete="CASCADE"), nullable=True),
    # grows with every move: the iCalendar SEQUENCE of the booking's event
    Column("sequence", Integer, nullable=False, server_default="0"),
    CheckConstraint(
        "status IN ('held', 'confirmed', 'pending', 'cancelled', 'expired', 'declined')",
        name="status",
    ),
    CheckConstraint("start_at < end_at", name="times"),
    CheckConstraint("seats > 0", name="seats"),
    CheckConstraint(
        "buffer_before_minutes BETWEEN 0 AND 1440 AND buffer_after_minutes BETWEEN 0 AND 1440",
        name="buffers",
    ),
    CheckConstraint("status <> 'held' OR hold_expires_at IS NOT NULL", name="hold_expiry"),
    Index(None, "calendar_id", "start_at", postgresql_include=WINDOW_READS),
    Index(None, "slot_id"),
    Index(None, "series_id"),
    Index(
        None,
        "hold_expires_at",
        postgresql_where=text("status = 'held'"),
        sqlite_where=text("status = 'held'"),
    ),
)

# The no-overlap invariant on PostgreSQL: no two active calendar-time claims of one
# calendar overlap, each claim being its time widened by the buffers it was made with
# (`booking_claimed_range`, an immutable SQL function of migration 0002: start_at -
# before, end_at + after). Pending bookings claim like confirmed ones. Migration 0002
# creates it; SQLite, which has no such constraint, gets the same guarantee from its one
# writer (`store.db`: BEGIN IMMEDIATE, then the claim's overlap check). Holds count until
# they are marked expired, which is why a claim first expires the stale holds on its
# range (`booking.transitions`).
bookings.append_constraint(
    ExcludeConstraint(
        (bookings.c.calendar_id, "="),
        (
            func.booking_claimed_range(
                bookings.c.start_at,
                bookings.c.end_at,
                bookings.c.buffer_before_minutes,
                bookings.c.buffer_after_minutes,
            ),
            "&&",
        ),
        name="bookings_no_overlap",
        using="gist",
        where=text("status IN ('held', 'confirmed', 'pending') AND slot_id IS NULL"),
    ).ddl_if(dialect="postgresql")
)

#: People waiting for a place: a full explicit slot (`slot_id`) or a taken time on
#: calendar time (`start_at`, one slot length). One line per place, first come first
#: served by `id`. A freed place is offered to the first `waiting` entry in the
#: transaction that freed it (`booking.offers`): the place becomes a hold for them
#: (`booking_id`) until `offer_expires_at`, and the entry `offered`; accepted it is
#: `booked`, run out `lapsed`; `left`: they left the line. `token_hash`: as a booking's.
waitlist_entries = Table(
    "waitlist_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    Column("slot_id", Integer, ForeignKey("slots.id", ondelete="CASCADE"), nullable=True),
    Column("start_at", UTCDateTime, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("seats", Integer, nullable=False, server_default="1"),
    Column("status", String(16), nullable=False),
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="SET NULL"), nullable=True),
    Column("offer_expires_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('waiting', 'offered', 'booked', 'lapsed', 'left')", name="status"),
    CheckConstraint("seats > 0", name="seats"),
    Index(None, "calendar_id", "start_at"),
    Index(None, "slot_id"),
    Index(None, "booking_id"),
)

#: How many active bookings a calendar has per local day or week (from Monday), in all
#: (`booker` empty) or of one booker (`email:<lowercased>` or `user:<id>`). A limit is
#: taken with one conditional upsert (`taken < limit`), so no two claims can both pass
#: it; rows exist only while that limit is set (see `booking rules` in the README).
booking_counts = Table(
    "booking_counts",
    metadata,
    Column(
        "calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("period", String(8), primary_key=True),
    Column("starts_on", Date, primary_key=True),
    Column("booker", String(330), primary_key=True),
    Column("taken", Integer, nullable=False),
    CheckConstraint("period IN ('day', 'week')", name="period"),
    CheckConstraint("taken >= 0", name="taken"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", SmallInteger, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: News of committed changes for other processes when there is no Redis, on SQLite: one
#: row per changed calendar-day (day NULL: every day), written by the change's own
#: transaction; each process follows the ids in order (AUTOINCREMENT: never reused).
change_log = Table(
    "change_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("origin", String(32), nullable=False),
    Column("calendar_id", Integer, nullable=False),
    Column("day", Date, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "created_at"),
    sqlite_autoincrement=True,
)

# The outbox: one row per committed change of a booking's state, written in the same
# transaction as the change. Consumers (webhooks, ...) take their work from it.
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("id", Integer, primary_key=True),  # the order events were appended in
    Column("event_id", String(40), nullable=False, unique=True),  # msg_…: the webhook-id
    Column("type", String(32), nullable=False),  # booking.created, booking.moved, …
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=False),
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("booking", Text, nullable=False),  # JSON: the booking as its token shows it
    Column("occurred_at", UTCDateTime, nullable=False),
    # the booking's iCalendar SEQUENCE just after the change
    Column("sequence", Integer, nullable=False, server_default="0"),
    # a new booking's manage token, for its confirmation email: kept only until routed
    Column("manage_token", String(64), nullable=True),
    # when the consumers took their work from it; NULL: not yet
    Column("routed_at", UTCDateTime, nullable=True),
    Index(
        "ix_outbox_events_unrouted",
        "id",
        postgresql_where=text("routed_at IS NULL"),
        sqlite_where=text("routed_at IS NULL"),
    ),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # NULL: every calendar (admins only)
    Column("calendar_id", Integer, ForeignKey("calendars.id", ondelete="CASCADE"), nullable=True),
    Column("url", String(2048), nullable=False),
    Column("events", Text, nullable=False),  # JSON list of event types
    Column("secret", String(128), nullable=False),  # whsec_…, signs every delivery
    Column("failed_in_a_row", Integer, nullable=False, server_default="0"),
    Column("disabled_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "user_id"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("webhook_id", Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", Integer, ForeignKey("outbox_events.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # pending: when it is due (or until when a dispatcher has claimed it)
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("webhook_id", "event_id"),
    CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "delivery_id",
        Integer,
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempt", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("status_code", SmallInteger, nullable=True),
    Column("error", String(300), nullable=True),
    Column("response_body", Text, nullable=True),  # the first KB at most
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Index(None, "delivery_id"),
)

calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column(
        "calendar_id",
        Integer,
        ForeignKey("calendars.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("secret_hash", String(64), nullable=False, unique=True),  # SHA-256 of the URL's
    Column("created_at", UTCDateTime, nullable=False),
)

#: Keys the service made for itself (the access-token signing key when none is configured),
#: kept here so that every instance on this database signs and checks with the same one.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("secret", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Emails: one row per message, written in the transaction that routes its outbox event
#: (or, for "send me my links again", that rotates the tokens it lists); a reminder is a
#: row due at its booking's start minus the calendar's reminder. Sent by the mail
#: consumer, claimed like webhook deliveries; the text is dropped once sent.
mail_messages = Table(
    "mail_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Integer, ForeignKey("outbox_events.id", ondelete="CASCADE"), nullable=True),
    Column("booking_id", Integer, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=True),
    # confirmation, request, hold, update, cancellation, reminder, notice, links
    Column("kind", String(16), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("message", Text, nullable=True),  # RFC 5322, ASCII; NULL once sent
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # when it was first due: its day of retries runs from here
    Column("due_at", UTCDateTime, nullable=False),
    # pending: when it is due (or until when a dispatcher has claimed it)
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("last_error", String(300), nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    Index(None, "booking_id"),
    Index(None, "status", "id"),
    Index(
        "ix_mail_messages_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
)
