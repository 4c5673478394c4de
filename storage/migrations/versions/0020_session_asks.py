"""customer move and cancel requests

Revision ID: 0020
Revises: 0019

A session request is now of a `kind`: `new` (a session asked for, as every request before),
`move` or `cancel` (a booked session, named by `session_id`, asked to be moved or cancelled by
the customer). Every stored request is a `new` one.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session_request") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="new")
        )


def downgrade() -> None:
    # Move and cancel requests mean nothing to the code before: they go with the column.
    op.execute("DELETE FROM session_request WHERE kind <> 'new'")
    with op.batch_alter_table("session_request") as batch:
        batch.drop_column("kind")
