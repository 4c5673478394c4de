"""One customer's data: every row of an account, exported, and its personal data deleted.

Both walk the tables and columns from the models' metadata instead of a list kept by hand: a
table that names an account (a foreign key to `account.id`) is part of the account, and every
text column of such a table is cleared on delete unless it is listed below as kept (a code, a
state, a staff member's id). A column added later is therefore cleared by default, and a
table added later must either name its account or be listed in `NOT_PER_ACCOUNT` with why
(tests/test_customer_data.py fails otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, String, Table, delete, func, select, update
from sqlmodel import Session, SQLModel

import storage.models  # noqa: F401  (every table registered in the metadata)
from storage.models import Account, AuditEvent

EXPORT_FORMAT = "oura-customer-export/1"
# What a buyer's id (or their workspace's) becomes where a row must still name someone.
DELETED = "deleted"

# Tables that hold nothing of one customer's, and why.
NOT_PER_ACCOUNT = {
    "processed_event": "ids of Events API deliveries, kept an hour to act on each once",
    "seen_request": "signatures of requests, kept minutes to refuse replays",
    "report_job": "a staff member's request for the monthly report of all accounts",
    "staff_member": "the vendor's own staff: meeting link, working hours, deactivation",
    "installation_state": "whether Slack has the app installed",
}

# Tables whose rows only say who the customer's people are: removed whole on delete.
REMOVED = frozenset({"customer_team"})

# Text columns kept on delete: codes, states and the vendor's staff ids, none typed by the
# customer nor naming them. Any of them holding a buyer's id (or workspace id) still becomes
# `DELETED`. A text column not listed here is cleared.
KEPT: dict[str, frozenset[str]] = {
    "account": frozenset(
        {"timezone", "country", "language", "vendor_contact_id", "unreachable_reason"}
    ),
    "contract": frozenset({"package_id"}),
    "onboarding_session": frozenset(
        {"session_type", "state", "booked_by", "booked_by_team", "logged_by"}
    ),
    "audit_event": frozenset({"actor_user_id", "actor_team_id", "action"}),
    "post_ledger": frozenset(
        {"key", "kind", "state", "claimed_by", "channel_id", "ts", "last_error"}
    ),
    "session_request": frozenset(
        {"requested_by", "requested_by_team", "session_type", "preferred_times", "state"}
    ),
    "customer_order": frozenset({"recorded_by"}),
    "balance_message": frozenset({"channel_id", "ts"}),
    "support_case": frozenset(
        {"category", "opened_by", "opened_by_team", "state", "taken_by", "resolved_by"}
    ),
}

# Columns that always name the customer's people: `DELETED` (or NULL where allowed).
BUYER_COLUMNS: dict[str, frozenset[str]] = {
    "account": frozenset({"buyer_contact_id"}),
    "session_request": frozenset({"requested_by", "requested_by_team"}),
    "support_case": frozenset({"opened_by", "opened_by_team"}),
}

# Audit details keep only numbers, true/false and these keys' text (codes and times), so
# the trail still says what was booked, moved or logged, and for how many minutes.
AUDIT_DETAIL_KEYS = frozenset({"type", "starts_at", "package", "start", "category", "role"})


@dataclass(frozen=True)
class AccountTable:
    """A table with rows of one account, and the column that names the account."""

    table: Table
    account_column: Column[Any]

    @property
    def name(self) -> str:
        return self.table.name


def account_tables() -> list[AccountTable]:
    """Every table that holds rows of one account (the account's own row included), in the
    metadata's dependency order."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name == "account":
            found.append(AccountTable(table, table.c.id))
            continue
        for key in table.foreign_keys:
            if key.column.table.name == "account":
                found.append(AccountTable(table, key.parent))
                break
    return found


def unclassified_tables() -> list[str]:
    """Tables neither of an account nor listed as holding nothing of one (must be empty)."""
    linked = {t.name for t in account_tables()}
    return sorted(
        t.name
        for t in SQLModel.metadata.sorted_tables
        if t.name not in linked and t.name not in NOT_PER_ACCOUNT
    )


def find_accounts(db: Session, channel_or_company: str) -> list[Account]:
    """Accounts by channel id, or by company name (case-insensitively)."""
    wanted = channel_or_company.strip()
    return list(
        db.exec(  # type: ignore[call-overload]
            select(Account)
            .where(
                (Account.channel_id == wanted)  # type: ignore[arg-type]
                | (func.lower(Account.company) == wanted.lower())
            )
            .order_by(Account.id)  # type: ignore[arg-type]
        ).scalars()
    )


# -- export -------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def rows_of(db: Session, account_id: int) -> Iterator[tuple[AccountTable, list[dict[str, Any]]]]:
    """Each account table with that account's rows, as plain values (ISO dates and times)."""
    for where in account_tables():
        order = list(where.table.primary_key.columns)
        result = db.execute(
            select(where.table).where(where.account_column == account_id).order_by(*order)
        )
        rows = [{k: _plain(v) for k, v in row._mapping.items()} for row in result]
        yield where, rows


def export_account(db: Session, account: Account, now: datetime) -> dict[str, Any]:
    """Everything the app holds about one account, as one JSON-ready document."""
    assert account.id is not None
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "account_id": account.id,
        "tables": {where.name: rows for where, rows in rows_of(db, account.id)},
    }


# -- delete -------------------------------------------------------------------------------------


def _buyer_ids(db: Session, account: Account) -> tuple[set[str], set[str]]:
    """The ids of the account's people (users) and of their workspaces and organizations."""
    users: set[str] = {account.buyer_contact_id} if account.buyer_contact_id else set()
    teams: set[str] = set()
    tables = {t.name: t.table for t in account_tables()}
    for table_name, columns in BUYER_COLUMNS.items():
        if table_name == "account":
            continue
        table = tables[table_name]
        for column_name in columns:
            column = table.c[column_name]
            values = db.execute(
                select(column).where(table.c.account_id == account.id).distinct()
            ).scalars()
            (teams if column_name.endswith("_team") else users).update(v for v in values if v)
    teams.update(
        db.execute(
            select(tables["customer_team"].c.team_id).where(
                tables["customer_team"].c.account_id == account.id
            )
        ).scalars()
    )
    return users - {DELETED}, teams - {DELETED}


def scrub_details(details: str, buyers: Collection[str] = ()) -> str:
    """An audit row's details without typed text nor names: numbers, true/false, and the
    text of a few keys that hold codes and times, never one of `buyers` (their ids)."""
    try:
        data = json.loads(details or "{}")
    except ValueError:
        return "{}"

    def keep(value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in ((k, keep(v, k)) for k, v in value.items()) if v is not None}
        if isinstance(value, bool | int | float):
            return value
        if isinstance(value, str) and key in AUDIT_DETAIL_KEYS and value not in buyers:
            return value
        return None

    kept = keep(data, None)
    return json.dumps(kept if isinstance(kept, dict) else {}, sort_keys=True)


def is_text(column: Column[Any]) -> bool:
    """Whether a column holds text (SQLModel's `str` fields are AutoString, a decorator)."""
    kind = column.type
    return isinstance(kind, String) or isinstance(getattr(kind, "impl", None), String)


def delete_personal_data(db: Session, account: Account, by: str, now: datetime) -> dict[str, int]:
    """Remove one account's personal data from every table, in the caller's transaction:
    buyers' ids and their workspaces' become `DELETED`, typed text is emptied, audit details
    are scrubbed, customer teams are removed. Counts, minutes, states and times stay (what
    billing needs), as do staff ids. The company becomes "Deleted customer #<id>" and the
    channel is released (the clock looks at the account's contracts no more). Then one audit
    row records who deleted it and when, and how many rows of each table changed, without
    the content. Returns those counts."""
    assert account.id is not None
    users, teams = _buyer_ids(db, account)
    buyer_values = users | teams
    changed: dict[str, int] = {}
    for where in account_tables():
        table, mine = where.table, where.account_column == account.id
        if where.name in REMOVED:
            changed[where.name] = db.execute(delete(table).where(mine)).rowcount or 0
            continue
        keys = list(table.primary_key.columns)
        rows = db.execute(select(table).where(mine)).all()
        count = 0
        for row in rows:
            values = _scrubbed(where.name, table, row._mapping, buyer_values, account.id)
            if values:
                key = [column == row._mapping[column.name] for column in keys]
                db.execute(update(table).where(*key).values(**values))
                count += 1
        changed[where.name] = count
    db.execute(
        update(table_of("contract"))
        .where(table_of("contract").c.account_id == account.id)
        .values(next_post_at=None)
    )
    # Nor edits its living balance.
    db.execute(
        update(table_of("balance_message"))
        .where(table_of("balance_message").c.account_id == account.id)
        .values(refresh_at=None)
    )
    db.add(
        AuditEvent(
            at=now,
            actor_user_id=by[:32],
            actor_team_id="cli",  # not for people: the console, which has no Slack team
            action="customer_delete",
            account_id=account.id,
            details=json.dumps({"rows_changed": changed}, sort_keys=True),
        )
    )
    db.flush()
    return changed


def table_of(name: str) -> Table:
    return SQLModel.metadata.tables[name]


# Columns with a rule of their own on delete (`_scrubbed`).
SPECIAL = {("account", "company"), ("account", "channel_id"), ("audit_event", "details")}


def cleared_columns(where: AccountTable) -> list[str]:
    """The text columns a delete empties: every one not kept, not a buyer's id, not a key and
    without a rule of its own. A column added later is among them unless listed in `KEPT`."""
    kept = KEPT.get(where.name, frozenset()) | BUYER_COLUMNS.get(where.name, frozenset())
    return [
        column.name
        for column in where.table.columns
        if is_text(column)
        and not column.primary_key
        and not column.foreign_keys
        and column.name not in kept
        and (where.name, column.name) not in SPECIAL
    ]


def _scrubbed(
    name: str, table: Table, row: Any, buyers: set[str], account_id: int
) -> dict[str, Any]:
    """The new values of one row's columns that must change (none: the row stays)."""
    values: dict[str, Any] = {}
    kept = KEPT.get(name, frozenset())
    always = BUYER_COLUMNS.get(name, frozenset())
    if name == "audit_event" and {row["actor_user_id"], row["actor_team_id"]} & buyers:
        # A buyer acted: neither their id nor their workspace's stays.
        always = always | {"actor_user_id", "actor_team_id"}
    for column in table.columns:
        if not is_text(column) or column.primary_key or column.foreign_keys:
            continue
        value = row[column.name]
        if value is None:
            continue
        if name == "account" and column.name == "company":
            new: Any = f"Deleted customer #{account_id}"  # not for people: a stored label
        elif name == "account" and column.name == "channel_id":
            new = f"deleted-{account_id}"  # not for people: frees the channel for a new link
        elif name == "audit_event" and column.name == "details":
            new = scrub_details(value, buyers)
        elif column.name in always or (column.name in kept and value in buyers):
            new = None if column.nullable else DELETED
        elif column.name in kept:
            continue
        else:
            new = None if column.nullable else ""
        if new != value:
            values[column.name] = new
    return values
