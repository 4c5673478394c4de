"""The monthly usage report (staff only): rows computed from plain facts, written as CSV.

What "for a month" means here: the month's days in each account's own time zone. The
"in month" columns count sessions (not cancelled) whose start falls in those days; the
"to date" and "left" columns count every session that started before the month ended, so they
say where the contract stood at the month's end. Minutes left are 0 once the window for them
closed (they lapsed), and status updates left are 0 once the term ended. A contract is listed
when its term overlaps the month. The billing estimate (only when OURA_HOURLY_RATE is set)
prices the month's billable minutes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TextIO

from bot.domain.entitlement import Balance, ContractTerms, minutes_tally, status_updates_tally
from bot.domain.packages import SessionState, package_by_id
from bot.domain.timeutil import FIRST_YEAR, LAST_YEAR, add_months, local_midnight_utc, zone

_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)

# The CSV's header row: column keys for staff spreadsheets, not sentences. They stay the
# same in every language, so formulas and imports that name a column keep working.
COLUMNS = (
    "month",
    "account_id",
    "company",
    "channel_id",
    "contract_id",
    "package",
    "contract_start",
    "contract_end",
    "included_minutes",
    "included_minutes_used_in_month",
    "included_minutes_used_to_date",
    "included_minutes_left",
    "billable_minutes_in_month",
    "status_updates",
    "status_updates_used_in_month",
    "status_updates_used_to_date",
    "status_updates_left",
    "sessions_held_in_month",
    # Once the window (minutes) or the term (status updates) closed, what was left lapsed:
    # the closed summary's numbers (bot.domain.entitlement.Tally).
    "included_minutes_lapsed",
    "status_updates_lapsed",
)
ESTIMATE_COLUMN = "billing_estimate_in_month"


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first_day(self) -> date:
        return add_months(self.first_day, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> Month:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12 or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise ValueError(f"must be a month in the form YYYY-MM, e.g. 2027-01 (got {text!r})")
    return Month(int(match[1]), int(match[2]))


def month_of(moment: datetime, timezone: str) -> Month:
    local = moment.astimezone(zone(timezone))
    return Month(local.year, local.month)


@dataclass(frozen=True)
class SessionFact:
    starts_at: datetime  # aware, UTC
    state: str
    included_minutes: int
    billable_minutes: int
    uses_status_update: bool


@dataclass(frozen=True)
class ContractFact:
    account_id: int
    company: str
    channel_id: str
    timezone: str
    contract_id: int
    package_id: str
    start: date
    term_months: int
    included_minutes: int
    status_updates: int
    sessions: tuple[SessionFact, ...]


@dataclass(frozen=True)
class ReportRow:
    month: Month
    account_id: int
    company: str
    channel_id: str
    contract_id: int
    package: str
    contract_start: date
    contract_end: date  # the term's last day
    included_minutes: int
    included_minutes_used_in_month: int
    included_minutes_used_to_date: int
    included_minutes_left: int
    billable_minutes_in_month: int
    status_updates: int
    status_updates_used_in_month: int
    status_updates_used_to_date: int
    status_updates_left: int
    sessions_held_in_month: int
    billing_estimate_in_month: Decimal | None
    included_minutes_lapsed: int = 0
    status_updates_lapsed: int = 0


def report_row(fact: ContractFact, month: Month, hourly_rate: Decimal | None) -> ReportRow | None:
    """The contract's row for the month, or None when its term does not overlap the month."""
    package = package_by_id(fact.package_id)
    if package is None:
        raise ValueError(f"contract {fact.contract_id} has an unknown package {fact.package_id!r}")
    terms = ContractTerms(package, fact.start, fact.term_months, fact.timezone)
    if fact.start >= month.next_first_day or terms.term_end <= month.first_day:
        return None
    begins = local_midnight_utc(month.first_day, fact.timezone)
    ends = local_midnight_utc(month.next_first_day, fact.timezone)
    live = [s for s in fact.sessions if s.state != SessionState.CANCELLED]
    in_month = [s for s in live if begins <= s.starts_at < ends]
    to_date = [s for s in live if s.starts_at < ends]
    minutes_to_date = sum(s.included_minutes for s in to_date)
    updates_to_date = sum(1 for s in to_date if s.uses_status_update)
    window_closed = terms.window_end <= month.next_first_day
    term_closed = terms.term_end <= month.next_first_day
    at_month_end = Balance(
        fact.included_minutes, minutes_to_date, fact.status_updates, updates_to_date
    )
    minutes = minutes_tally(at_month_end, window_closed)
    updates = status_updates_tally(at_month_end, term_closed)
    billable = sum(s.billable_minutes for s in in_month)
    estimate = None
    if hourly_rate is not None:
        estimate = (hourly_rate * billable / 60).quantize(Decimal("0.01"))
    return ReportRow(
        month=month,
        account_id=fact.account_id,
        company=fact.company,
        channel_id=fact.channel_id,
        contract_id=fact.contract_id,
        package=package.id,
        contract_start=fact.start,
        contract_end=terms.term_end - timedelta(days=1),
        included_minutes=fact.included_minutes,
        included_minutes_used_in_month=sum(s.included_minutes for s in in_month),
        included_minutes_used_to_date=minutes_to_date,
        included_minutes_left=0 if minutes.closed else minutes.left,
        billable_minutes_in_month=billable,
        status_updates=fact.status_updates,
        status_updates_used_in_month=sum(1 for s in in_month if s.uses_status_update),
        status_updates_used_to_date=updates_to_date,
        status_updates_left=0 if updates.closed else updates.left,
        sessions_held_in_month=sum(1 for s in in_month if s.state == SessionState.HELD),
        billing_estimate_in_month=estimate,
        included_minutes_lapsed=minutes.lapsed,
        status_updates_lapsed=updates.lapsed,
    )


def report_rows(
    facts: Iterable[ContractFact], month: Month, hourly_rate: Decimal | None
) -> list[ReportRow]:
    rows = (report_row(fact, month, hourly_rate) for fact in facts)
    return sorted(
        (row for row in rows if row is not None), key=lambda r: (r.account_id, r.contract_id)
    )


def write_csv(rows: Iterable[ReportRow], out: TextIO, with_estimate: bool) -> int:
    """The CSV written to `out` row by row (rows may be a generator); the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, ESTIMATE_COLUMN) if with_estimate else COLUMNS)
    count = 0
    for row in rows:
        values = [_cell(getattr(row, column)) for column in COLUMNS]
        if with_estimate:
            values.append(_cell(row.billing_estimate_in_month))
        writer.writerow(values)
        count += 1
    return count


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # A company name must not run as a formula when the file is opened in a spreadsheet.
        return "'" + value
    return str(value)
