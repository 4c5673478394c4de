"""session log: per-account session numbers, notes and attendance, who logged, the post's ts

Revision ID: 0017
Revises: 0016

People call sessions #1, #2 … per account; the global id stays internal (buttons, metadata).
Existing sessions are numbered per account in start order (then id), the order `list` shows
them in. A session also gets a staff-only note and attendee list, who logged its outcome and
when, and the ts of its booking post in the channel (None for sessions announced before).
The new state `no_show` needs no schema change (the state is a string); going back, a no-show
becomes a session held for its booked length.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("onboarding_session") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("attendees", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("logged_by", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("logged_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("post_ts", sa.String(length=32), nullable=True))
    # Both databases have window functions (SQLite since 3.25).
    op.execute(
        "UPDATE onboarding_session SET number = ("
        " SELECT numbered.n FROM ("
        "  SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY starts_at, id) AS n"
        "  FROM onboarding_session) AS numbered"
        " WHERE numbered.id = onboarding_session.id)"
    )
    # Sessions held before: logged at their last update, by someone the row does not say.
    op.execute("UPDATE onboarding_session SET logged_at = updated_at WHERE state = 'held'")
    with op.batch_alter_table("onboarding_session") as batch:
        batch.create_unique_constraint(
            "uq_onboarding_session_account_number", ["account_id", "number"]
        )


def downgrade() -> None:
    # The code before knows no `no_show`: such a session reads as held for its booked length
    # (how it is paid for is kept as it is).
    op.execute(
        "UPDATE onboarding_session SET state = 'held', minutes_held = minutes_booked "
        "WHERE state = 'no_show'"
    )
    with op.batch_alter_table("onboarding_session") as batch:
        batch.drop_constraint("uq_onboarding_session_account_number", type_="unique")
        batch.drop_column("post_ts")
        batch.drop_column("logged_at")
        batch.drop_column("logged_by")
        batch.drop_column("attendees")
        batch.drop_column("note")
        batch.drop_column("number")
