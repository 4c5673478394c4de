"""`oura-bot export sessions|audit`: a month's sessions or audit trail as CSV, one row per
database row. The header keys are column names for spreadsheets, the same in every language.
A month is the month's days in each account's own time zone, as in the usage report."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from bot.domain.report import _cell as cell  # the report's guard against formulas

SESSION_COLUMNS = (
    "session_id",
    "account_id",
    "company",
    "channel_id",
    "contract_id",
    "type",
    "starts_at",
    "starts_local",
    "minutes_booked",
    "minutes_held",
    "included_minutes",
    "billable_minutes",
    "billable_confirmed_minutes",
    "uses_status_update",
    "state",
    "attendees",
    "note",
    "booked_by",
    "logged_by",
)
AUDIT_COLUMNS = (
    "event_id",
    "at",
    "account_id",
    "company",
    "channel_id",
    "session_id",
    "action",
    "actor_user_id",
    "actor_team_id",
    "details",
)


def write_rows(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: TextIO) -> int:
    """The CSV written to `out`, header first; the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
        count += 1
    return count
