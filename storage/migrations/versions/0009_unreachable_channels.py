"""unreachable channels

Revision ID: 0009
Revises: 0008

Slack's permanent refusals (an archived or deleted channel, posting restricted) used to be
retried for as long as the post was due, about 24 times a day. The account now records that
its channel is unreachable, and since when, and the clock leaves it alone until a person fixes
it. Existing accounts start reachable.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("unreachable_reason", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("unreachable_since", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("unreachable_since")
        batch.drop_column("unreachable_reason")
