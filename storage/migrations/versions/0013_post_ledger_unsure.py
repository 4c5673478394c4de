"""post ledger: when a try may have reached Slack

Revision ID: 0013
Revises: 0012

A retried post looks in the channel's history (rate-limited hard by Slack) only when an
earlier try may have reached Slack: a timeout after the request was sent, a 5xx, or a clock
that died mid-send. Other failures (refused connections, Slack's own "no") need no look-up.
Existing failed rows keep the old, careful behaviour: they are looked up.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("post_ledger") as batch:
        batch.add_column(sa.Column("unsure_since", UTCDateTime(), nullable=True))
    # Rows failed before this column existed: their tries may have reached Slack.
    op.execute(
        "UPDATE post_ledger SET unsure_since = claimed_at "
        "WHERE state IN ('failed', 'claimed') AND claimed_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("post_ledger") as batch:
        batch.drop_column("unsure_since")
