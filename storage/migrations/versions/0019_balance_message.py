"""living balance message

Revision ID: 0019
Revises: 0018

One living balance per account in its channel (`balance_message`): where it is (channel and
ts), and the version counters that keep an older edit from overwriting a newer one. Accounts
linked before have no row: theirs is posted on their next change. No rows change.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "balance_message",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), primary_key=True),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("shown_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("balance_message")
