"""calendar version: a token that changes with every change of a calendar's row

A process keeps the calendars it has read (`store.kept_calendars`); a claim that
trusts its kept copy names the version it holds, and writes nothing if the row changed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.String(length=32), nullable=True))
    random_token = (
        "md5(random()::text || id::text)"
        if op.get_bind().dialect.name == "postgresql"
        else "lower(hex(randomblob(16)))"
    )
    op.execute(f"UPDATE calendars SET version = {random_token}")
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.alter_column("version", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("calendars", schema=None) as batch_op:
        batch_op.drop_column("version")
