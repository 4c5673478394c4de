"""a customer is known by all its ids

Revision ID: 0007
Revises: 0006

An account kept one Slack id for its customer (`account.customer_team_id`), the first one
Slack gave. On Enterprise Grid that is often the customer's organization (`E…`), never equal
to the workspace (`T…`) of the person who clicks, so Grid customers could use no button. Every
id the customer is known by, workspaces and organizations alike, is now a `customer_team` row
(one per account and id). Each stored id moves there (source `migrated`), and the column goes:
one place says who the customer is. SQLite (3.35 and newer) and PostgreSQL both drop a column
in place, so no table is copied and no foreign key is touched.
"""

from datetime import UTC, datetime
from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _customer_team_table() -> sa.Table:
    return sa.table(
        "customer_team",
        sa.column("account_id", sa.Integer()),
        sa.column("team_id", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("source", sa.String()),
        sa.column("updated_at", UTCDateTime()),
    )


def upgrade() -> None:
    op.create_table(
        "customer_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "team_id", name="uq_customer_team_account_team"),
    )
    stored = op.get_bind().execute(
        sa.text(
            "SELECT id, customer_team_id FROM account "
            "WHERE customer_team_id IS NOT NULL AND customer_team_id <> '' ORDER BY id"
        )
    )
    now = datetime.now(UTC)
    rows = [
        {
            "account_id": account_id,
            "team_id": team_id,
            "kind": "organization" if team_id.startswith("E") else "workspace",
            "source": "migrated",
            "updated_at": now,
        }
        for account_id, team_id in stored
    ]
    if rows:
        op.bulk_insert(_customer_team_table(), rows)
    op.execute("ALTER TABLE account DROP COLUMN customer_team_id")


def downgrade() -> None:
    # The column held one id: a workspace when there is one (it was compared with the
    # clicker's workspace), else an organization; the oldest row of that kind.
    op.execute("ALTER TABLE account ADD COLUMN customer_team_id VARCHAR(32)")
    op.execute(
        "UPDATE account SET customer_team_id = ("
        "SELECT c.team_id FROM customer_team c WHERE c.account_id = account.id "
        "ORDER BY CASE c.kind WHEN 'workspace' THEN 0 ELSE 1 END, c.id LIMIT 1)"
    )
    op.drop_table("customer_team")
