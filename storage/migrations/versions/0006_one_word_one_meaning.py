"""one word, one meaning

Revision ID: 0006
Revises: 0005

`status` meant four things (a session type, a session's state, a request's state, a case's
state). The three state columns are now called `state`, with their indexes, and the audit
trail's verb for logging a session as held is `log_held` (it was `done`, the typed word).
Renames keep every row: SQLite (3.25 and newer) and PostgreSQL both rename a column in place,
so no table is copied and no foreign key is touched.
"""

from typing import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE_TABLES = ("onboarding_session", "session_request", "support_case")
# (old name, new name, table, columns with the new column name)
INDEXES = (
    (
        "ix_onboarding_session_status_start",
        "ix_onboarding_session_state_start",
        "onboarding_session",
        ["state", "starts_at"],
    ),
    (
        "ix_onboarding_session_account_status_start",
        "ix_onboarding_session_account_state_start",
        "onboarding_session",
        ["account_id", "state", "starts_at"],
    ),
    (
        "ix_support_case_account_status",
        "ix_support_case_account_state",
        "support_case",
        ["account_id", "state"],
    ),
)


def _rename_columns(old: str, new: str) -> None:
    for table in STATE_TABLES:
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")


def upgrade() -> None:
    for old_index, _, table, _ in INDEXES:
        op.drop_index(old_index, table_name=table)
    _rename_columns("status", "state")
    for _, new_index, table, columns in INDEXES:
        op.create_index(new_index, table, columns, unique=False)
    op.execute("UPDATE audit_event SET action = 'log_held' WHERE action = 'done'")


def downgrade() -> None:
    op.execute("UPDATE audit_event SET action = 'done' WHERE action = 'log_held'")
    for _, new_index, table, _ in INDEXES:
        op.drop_index(new_index, table_name=table)
    _rename_columns("state", "status")
    for old_index, _, table, columns in INDEXES:
        op.create_index(
            old_index, table, [c.replace("state", "status") for c in columns], unique=False
        )
