"""staff busy-time index

Revision ID: 0018
Revises: 0017

A staff member's free slots and a booking's clash check read their busy time: the booked
sessions of the accounts they are vendor contact of (`ix_account_contact_company`, then
`ix_onboarding_session_account_state_start`) and the booked sessions they booked themselves.
This index hands over the second half for one person and a time range, without a scan of
every booked session in that range. No rows change.
"""

from typing import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_onboarding_session_booked_by_state_start",
        "onboarding_session",
        ["booked_by", "state", "starts_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_onboarding_session_booked_by_state_start", table_name="onboarding_session")
