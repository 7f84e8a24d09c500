"""signing_keys: the access-token key the service makes when none is configured;
calendars.who_may_book: a 004 provider's calendar is for signed-in patients only

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import slotbook.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        sa.Column("created_at", slotbook.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_signing_keys")),
    )
    with op.batch_alter_table("calendars") as batch:
        batch.add_column(
            sa.Column("who_may_book", sa.String(length=32), nullable=False, server_default="anyone")
        )
    op.execute(
        "UPDATE calendars SET who_may_book = 'signed_in_patients' WHERE kind = 'provider' "
        "AND user_id IN (SELECT id FROM users WHERE role = 'provider')"
    )


def downgrade() -> None:
    with op.batch_alter_table("calendars") as batch:
        batch.drop_column("who_may_book")
    op.drop_table("signing_keys")
