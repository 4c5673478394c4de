"""meetings: a session's join link, agenda line and invite sequence; staff members' settings

Revision ID: 0015
Revises: 0014

Every booking becomes a real meeting: it carries its own join link (or uses the vendor
contact's personal one), a line staff add to the type's agenda, and the SEQUENCE its invite
was last sent with. `staff_member` holds what a staff member sets once: a personal join link,
working hours and the hash of their calendar feed's token. Existing sessions start at
sequence 0 with no link and no extra agenda line, which is what they were.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("onboarding_session") as batch:
        batch.add_column(sa.Column("join_url", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column("agenda_note", sa.String(length=300), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "staff_member",
        sa.Column("user_id", sa.String(length=32), primary_key=True),
        sa.Column("meeting_url", sa.String(length=500), nullable=True),
        sa.Column("work_start_minute", sa.Integer(), nullable=False, server_default="540"),
        sa.Column("work_end_minute", sa.Integer(), nullable=False, server_default="1020"),
        sa.Column("work_days", sa.String(length=7), nullable=False, server_default="12345"),
        sa.Column("feed_token_hash", sa.String(length=64), nullable=True, unique=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_member")
    with op.batch_alter_table("onboarding_session") as batch:
        batch.drop_column("sequence")
        batch.drop_column("agenda_note")
        batch.drop_column("join_url")
