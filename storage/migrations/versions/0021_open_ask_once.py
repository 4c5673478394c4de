"""one open move or cancel request per session; cancels whose time counts as used

Revision ID: 0021
Revises: 0020

A partial unique index now keeps a session to one open move or cancel request (before, a
second ask was refused by a read, which two racing asks could both pass). Where a database
already holds more than one, the newest stays open and the older ones are declined.

The session state `late_cancelled` (a cancel asked late, whose time staff decided counts as
used) needs no schema change. Going back, the code before knows no such state: those sessions
become no-shows, which keep their time spent in the same way.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_ASK = "kind <> 'new' AND state IN ('open', 'proposed')"


def upgrade() -> None:
    op.execute(
        "UPDATE session_request SET state = 'declined' "
        f"WHERE {OPEN_ASK} AND EXISTS (SELECT 1 FROM session_request AS newer "
        "WHERE newer.session_id = session_request.session_id "
        "AND newer.kind <> 'new' AND newer.state IN ('open', 'proposed') "
        "AND newer.id > session_request.id)"
    )
    op.create_index(
        "ux_session_request_open_ask",
        "session_request",
        ["session_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_ASK),
        postgresql_where=sa.text(OPEN_ASK),
    )


def downgrade() -> None:
    op.execute("UPDATE onboarding_session SET state = 'no_show' WHERE state = 'late_cancelled'")
    op.drop_index("ux_session_request_open_ask", table_name="session_request")
