"""waitlist: people waiting for a full event slot or a taken calendar time; each
calendar's waitlist_offer_minutes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import slotbook.store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(
            sa.Column("waitlist_offer_minutes", sa.Integer(), nullable=False, server_default="60")
        )
        batch.create_check_constraint(
            op.f("ck_calendars_waitlist_offer"), "waitlist_offer_minutes > 0"
        )
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("start_at", slotbook.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("seats", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column(
            "offer_expires_at", slotbook.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", slotbook.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", slotbook.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'lapsed', 'left')",
            name=op.f("ck_waitlist_entries_status"),
        ),
        sa.CheckConstraint("seats > 0", name=op.f("ck_waitlist_entries_seats")),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_waitlist_entries_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["slots.id"],
            name=op.f("fk_waitlist_entries_slot_id_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_waitlist_entries_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_waitlist_entries_token_hash")),
    )
    op.create_index(
        op.f("ix_waitlist_entries_calendar_id_start_at"),
        "waitlist_entries",
        ["calendar_id", "start_at"],
    )
    op.create_index(op.f("ix_waitlist_entries_slot_id"), "waitlist_entries", ["slot_id"])
    op.create_index(op.f("ix_waitlist_entries_booking_id"), "waitlist_entries", ["booking_id"])


def downgrade() -> None:
    op.drop_table("waitlist_entries")
    with op.batch_alter_table("calendars") as batch:
        batch.drop_constraint(op.f("ck_calendars_waitlist_offer"), type_="check")
        batch.drop_column("waitlist_offer_minutes")
