"""plan existing contracts

Revision ID: 0008
Revises: 0007

Migration 0002 added `contract.next_post_at`, and sweeps read only contracts whose
`next_post_at` has come, but contracts that existed before it kept an empty one: no sweep ever
looked at them, so a database upgraded from the first migration got no automated posts. Each
contract with no `next_post_at` is now due at once: the next sweep looks at it, sends what is
due and plans its next look itself (`refresh_next_post_at`). A contract left empty because it
had nothing more to post is looked at once more, finds nothing, and is left empty again.
"""

from datetime import UTC, datetime
from typing import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

contract = sa.table("contract", sa.column("next_post_at", UTCDateTime()))


def upgrade() -> None:
    op.execute(
        contract.update()
        .where(contract.c.next_post_at.is_(None))
        .values(next_post_at=datetime.now(UTC))
    )


def downgrade() -> None:
    # Nothing to undo: a planned contract is valid at 0006 too, and which ones were empty
    # before is not worth keeping.
    pass
