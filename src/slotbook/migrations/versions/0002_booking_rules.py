"""booking rules: buffers, limits (booking_counts), cut-offs, approval, group seats

Calendars gain their rule settings; bookings gain `seats`, the buffers they were made
with, and the `pending` and `declined` statuses. On PostgreSQL the no-overlap
constraint now compares each active claim's time *with its buffers*
(`booking_claimed_range`), and pending bookings hold their time like confirmed ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUFFERS_CHECK = (
    "buffer_before_minutes BETWEEN 0 AND 1440 AND buffer_after_minutes BETWEEN 0 AND 1440"
)
LIMITS_CHECK = (
    "(max_per_day IS NULL OR max_per_day > 0) AND (max_per_week IS NULL OR max_per_week > 0)"
    " AND (max_per_booker_per_day IS NULL OR max_per_booker_per_day > 0)"
    " AND (max_per_booker_per_week IS NULL OR max_per_booker_per_week > 0)"
)
OLD_STATUSES = "status IN ('held', 'confirmed', 'cancelled', 'expired')"
NEW_STATUSES = "status IN ('held', 'confirmed', 'pending', 'cancelled', 'expired', 'declined')"

# Minutes are the same length in every zone, so this range is immutable, as an
# index expression must be (timestamptz - interval alone is only stable).
CLAIMED_RANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION booking_claimed_range(
    start_at timestamptz, end_at timestamptz, before_minutes integer, after_minutes integer
) RETURNS tstzrange LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT tstzrange(
        start_at - make_interval(mins => before_minutes),
        end_at + make_interval(mins => after_minutes),
        '[)'
    )
$$
"""
NEW_EXCLUSION = (
    "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist "
    "(calendar_id WITH =, "
    "booking_claimed_range(start_at, end_at, buffer_before_minutes, buffer_after_minutes) "
    "WITH &&) WHERE (status IN ('held', 'confirmed', 'pending') AND slot_id IS NULL)"
)
OLD_EXCLUSION = (
    "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist "
    "(calendar_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
    "WHERE (status IN ('held', 'confirmed') AND slot_id IS NULL)"
)


def _minutes(name: str, default: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default=default, nullable=False)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(_minutes("buffer_before_minutes", "0"))
        batch_op.add_column(_minutes("buffer_after_minutes", "0"))
        for nullable in (
            "max_per_day",
            "max_per_week",
            "max_per_booker_per_day",
            "max_per_booker_per_week",
            "cancel_cutoff_minutes",
            "move_cutoff_minutes",
        ):
            batch_op.add_column(sa.Column(nullable, sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "requires_approval", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
        batch_op.add_column(_minutes("approval_timeout_minutes", "1440"))
        batch_op.add_column(_minutes("max_seats_per_booking", "10"))
        batch_op.create_check_constraint(op.f("ck_calendars_buffers"), BUFFERS_CHECK)
        batch_op.create_check_constraint(op.f("ck_calendars_limits"), LIMITS_CHECK)
        batch_op.create_check_constraint(
            op.f("ck_calendars_approval_seats"),
            "approval_timeout_minutes > 0 AND max_seats_per_booking > 0",
        )

    if postgresql:
        op.execute("ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(_minutes("seats", "1"))
        batch_op.add_column(_minutes("buffer_before_minutes", "0"))
        batch_op.add_column(_minutes("buffer_after_minutes", "0"))
        batch_op.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bookings_status"), NEW_STATUSES)
        batch_op.create_check_constraint(op.f("ck_bookings_seats"), "seats > 0")
        batch_op.create_check_constraint(op.f("ck_bookings_buffers"), BUFFERS_CHECK)
    if postgresql:
        op.execute(CLAIMED_RANGE_FUNCTION)
        op.execute(NEW_EXCLUSION)

    op.create_table(
        "booking_counts",
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("booker", sa.String(length=330), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("period IN ('day', 'week')", name=op.f("ck_booking_counts_period")),
        sa.CheckConstraint("taken >= 0", name=op.f("ck_booking_counts_taken")),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_booking_counts_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "calendar_id", "period", "starts_on", "booker", name=op.f("pk_booking_counts")
        ),
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_table("booking_counts")
    if postgresql:
        op.execute("ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap")
        op.execute(
            "DROP FUNCTION booking_claimed_range(timestamptz, timestamptz, integer, integer)"
        )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_buffers"), type_="check")
        batch_op.drop_constraint(op.f("ck_bookings_seats"), type_="check")
        batch_op.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bookings_status"), OLD_STATUSES)
        batch_op.drop_column("buffer_after_minutes")
        batch_op.drop_column("buffer_before_minutes")
        batch_op.drop_column("seats")
    if postgresql:
        op.execute(OLD_EXCLUSION)
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        for name in ("approval_seats", "limits", "buffers"):
            batch_op.drop_constraint(op.f(f"ck_calendars_{name}"), type_="check")
        for column in (
            "max_seats_per_booking",
            "approval_timeout_minutes",
            "requires_approval",
            "move_cutoff_minutes",
            "cancel_cutoff_minutes",
            "max_per_booker_per_week",
            "max_per_booker_per_day",
            "max_per_week",
            "max_per_day",
            "buffer_after_minutes",
            "buffer_before_minutes",
        ):
            batch_op.drop_column(column)
