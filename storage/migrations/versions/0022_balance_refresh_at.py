"""the living balance's next refresh by time alone

Revision ID: 0022
Revises: 0021

`balance_message.refresh_at`: when the text shown would change with nothing else changing (a
session starts, a window or term ends); the clock edits the balance then. A balance posted
before this revision was rendered without it, so each gets the moment of the upgrade: the
clock's first sweep refreshes it once and sets its real next moment.
"""

from datetime import UTC, datetime
from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("balance_message") as batch_op:
        batch_op.add_column(sa.Column("refresh_at", UTCDateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_balance_message_refresh_at"), ["refresh_at"], unique=False
        )
    balance = sa.table(
        "balance_message", sa.column("ts", sa.String()), sa.column("refresh_at", UTCDateTime())
    )
    # Bound through UTCDateTime, so SQLite stores it as every other time is stored.
    op.execute(
        balance.update()
        .where(balance.c.ts.is_not(None))
        .values(refresh_at=sa.bindparam("now", datetime.now(UTC), type_=UTCDateTime()))
    )


def downgrade() -> None:
    with op.batch_alter_table("balance_message") as batch_op:
        batch_op.drop_index(batch_op.f("ix_balance_message_refresh_at"))
        batch_op.drop_column("refresh_at")
