"""mail: emails to bookers and owners, reminders, calendars' reminder and notice email

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import slotbook.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_minutes", sa.Integer(), server_default="1440", nullable=False)
        )
        batch_op.add_column(sa.Column("notice_email", sa.String(length=320), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_calendars_reminder_minutes"), "reminder_minutes >= 0"
        )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("manage_token", sa.String(length=64), nullable=True))
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("due_at", slotbook.store.types.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", slotbook.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("sent_at", slotbook.store.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", slotbook.store.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name=op.f("ck_mail_messages_status")
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_mail_messages_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name=op.f("fk_mail_messages_event_id_outbox_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_messages_booking_id"), ["booking_id"])
        batch_op.create_index(batch_op.f("ix_mail_messages_status_id"), ["status", "id"])
        batch_op.create_index(
            "ix_mail_messages_due",
            ["next_attempt_at"],
            unique=False,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    op.drop_table("mail_messages")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_column("manage_token")
        batch_op.drop_column("sequence")
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_calendars_reminder_minutes"), type_="check")
        batch_op.drop_column("notice_email")
        batch_op.drop_column("reminder_minutes")
