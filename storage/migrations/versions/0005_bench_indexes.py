"""bench indexes

Revision ID: 0005
Revises: 0004

The usage card's "next session" query (one account's booked sessions from now on) had no index
matching all three of its conditions; SQLite, with no statistics, picked (status, starts_at) and
walked every booked future session of every account (bench/ack.py: half the web process's time
at 10,000 accounts).
"""

from typing import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_onboarding_session_account_status_start",
        "onboarding_session",
        ["account_id", "status", "starts_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_onboarding_session_account_status_start", table_name="onboarding_session")
