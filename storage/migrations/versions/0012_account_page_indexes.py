"""account page indexes

Revision ID: 0012
Revises: 0011

The App Home reads a page of accounts by company name (case-insensitively), then id: one staff
member's (`vendor_contact_id`) or everyone's. With no index on either, each page and its count
scanned and sorted the whole account table (405-461 ms at 100,000 accounts on SQLite, with the
next-session query); these hand the page over in order and count one staff member's accounts
from the index alone.
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_account_contact_company",
        "account",
        ["vendor_contact_id", sa.text("lower(company)"), "id"],
        unique=False,
    )
    op.create_index(
        "ix_account_company", "account", [sa.text("lower(company)"), "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_account_company", table_name="account")
    op.drop_index("ix_account_contact_company", table_name="account")
