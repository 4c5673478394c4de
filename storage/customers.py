"""The Slack workspaces and organizations an account's customer is known by (`customer_team`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.domain.identity import kind_of
from storage.engine import insert_into
from storage.models import CustomerTeam


def customer_teams(db: Session, account_id: int) -> list[CustomerTeam]:
    """The account's customer ids, organizations first, then workspaces, each by id."""
    rows = db.exec(select(CustomerTeam).where(CustomerTeam.account_id == account_id)).all()
    return sorted(rows, key=lambda row: (row.kind != "organization", row.team_id))


def customer_ids(db: Session, account_id: int) -> frozenset[str]:
    rows = db.exec(select(CustomerTeam.team_id).where(CustomerTeam.account_id == account_id))
    return frozenset(rows.all())


def record_customer_ids(
    db: Session, account_id: int, ids: Iterable[str], source: str, now: datetime
) -> None:
    """Keep each id as one of the account's customer's, saying who told us last and when:
    an id already kept is updated, never duplicated (one row per account and id)."""
    rows = [_row(account_id, team_id, source, now) for team_id in sorted(set(ids))]
    if not rows:
        return
    statement = insert_into(db.get_bind(), CustomerTeam).values(rows)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["account_id", "team_id"],
            set_={
                "kind": statement.excluded.kind,
                "source": statement.excluded.source,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


def replace_customer_ids(
    db: Session, account_id: int, ids: Iterable[str], source: str, now: datetime
) -> None:
    """The customer is known by exactly these ids from now on (a correction by staff)."""
    keep = set(ids)
    db.execute(
        delete(CustomerTeam).where(
            col(CustomerTeam.account_id) == account_id, col(CustomerTeam.team_id).not_in(keep)
        )
    )
    record_customer_ids(db, account_id, keep, source, now)


def _row(account_id: int, team_id: str, source: str, now: datetime) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "team_id": team_id,
        "kind": kind_of(team_id).value,
        "source": source,
        "updated_at": now,
    }
