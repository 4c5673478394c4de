"""account language

Revision ID: 0011
Revises: 0010

Posts into a shared channel are written in the account's language (`/oura-book language`).
Existing accounts were written to in English, so they keep English until staff choose; a
channel linked from now on starts in OURA_DEFAULT_LANGUAGE.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("language")
