"""customer data: whether the app is installed, and staff members Slack deactivated

Revision ID: 0016
Revises: 0015

`installation_state` holds one row once Slack has told of an uninstall (`app_uninstalled`,
`tokens_revoked`): the clock sends nothing while it says so. `staff_member.deactivated_at`
marks a vendor contact whose Slack account was deactivated (`user_change`), so the App Home
can flag their accounts. Existing rows keep everything: no staff member is deactivated and
the app counts as installed, which is what they were.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("uninstalled_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("reinstalled_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("staff_member") as batch:
        batch.add_column(sa.Column("deactivated_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_member") as batch:
        batch.drop_column("deactivated_at")
    op.drop_table("installation_state")
