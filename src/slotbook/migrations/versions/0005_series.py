"""series: recurring bookings; bookings.series_id ties an occurrence to its series

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import slotbook.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("start_local", sa.String(length=19), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", slotbook.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('active', 'cancelled')", name=op.f("ck_series_status")),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_series_calendar_id_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_series_token_hash")),
    )
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_bookings_series_id_series"),
            "series",
            ["series_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_bookings_series_id"), ["series_id"])


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_index(op.f("ix_bookings_series_id"))
        batch.drop_constraint(op.f("fk_bookings_series_id_series"), type_="foreignkey")
        batch.drop_column("series_id")
    op.drop_table("series")
