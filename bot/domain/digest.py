"""The weekly digest for staff: when it is due and what it holds, as plain facts.

Each vendor contact gets one digest per ISO week of their own time zone (ledger key
`digest:<user>:<YYYY-Www>`), from Monday at the start of their working hours (`StaffMember`;
weekdays 09:00-17:00, the app's defaults, when they set none), inside those hours, on one of
their working days that is not a public holiday in the country of their zone. A digest not
sent on Monday (a holiday, a clock that was down) goes out on the next such day up to Friday;
a week with none left gets none, so no week ever has two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain.country import is_holiday
from bot.domain.entitlement import Balance, ContractTerms, minutes_tally, status_updates_tally
from bot.domain.packages import SessionType
from bot.domain.support import CaseFacts
from bot.domain.timeutil import add_days, zone

# Minutes or status updates whose window or term ends within this many days are "about to lapse".
LAPSE_DAYS = 30
# The last ISO weekday a week's digest may still go out (Friday).
LAST_WEEKDAY = 5
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class DigestHours:
    """When the digest may reach a person: their working hours (`StaffMember`), or these
    defaults (those of `StaffMember`), in their own zone."""

    start_minute: int = 9 * 60
    end_minute: int = 17 * 60
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays


def iso_week(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(user_id: str, week: str) -> str:
    return f"digest:{user_id}:{week}"


def _may_send_on(day: date, hours: DigestHours, country: str | None) -> bool:
    weekday = day.isoweekday()
    return weekday <= LAST_WEEKDAY and weekday in hours.days and not is_holiday(day, country)


def digest_due(now: datetime, tz_name: str, country: str | None, hours: DigestHours) -> bool:
    """Whether `now` is a moment the week's digest may go out (once: the ledger's key)."""
    local = now.astimezone(zone(tz_name))
    minute = local.hour * 60 + local.minute
    if not _may_send_on(local.date(), hours, country):
        return False
    return hours.start_minute <= minute < min(hours.end_minute, MINUTES_PER_DAY)


def next_digest_at(
    now: datetime,
    tz_name: str,
    country: str | None,
    hours: DigestHours,
    sent_this_week: bool,
) -> datetime | None:
    """The first moment from `now` the digest may go out: this week's, or the next week's
    once this week's was sent. None when the person's hours leave no moment in two weeks."""
    local = now.astimezone(zone(tz_name))
    day = local.date()
    if sent_this_week:
        day = add_days(day, 8 - day.isoweekday())  # next Monday
    for _ in range(14):
        if _may_send_on(day, hours, country) and hours.start_minute < hours.end_minute:
            opens = datetime.combine(day, time(0), tzinfo=zone(tz_name)) + timedelta(
                minutes=hours.start_minute
            )
            closes = datetime.combine(day, time(0), tzinfo=zone(tz_name)) + timedelta(
                minutes=min(hours.end_minute, MINUTES_PER_DAY)
            )
            if closes > now:
                return max(opens, now)
        day = add_days(day, 1)
    return None


def week_bounds(now: datetime, tz_name: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of the week of `now`, in the person's zone."""
    local = now.astimezone(zone(tz_name))
    monday = add_days(local.date(), 1 - local.date().isoweekday())
    start = datetime.combine(monday, time(0), tzinfo=zone(tz_name))
    end = datetime.combine(add_days(monday, 7), time(0), tzinfo=zone(tz_name))
    return start, end


@dataclass(frozen=True)
class DigestSession:
    number: int  # what people call it (#N in its account)
    session_type: SessionType
    starts_at: datetime
    minutes: int


@dataclass(frozen=True)
class Lapse:
    """Included minutes (or status updates) left whose window (term) ends soon."""

    left: int
    last_day: date  # the account-local last day they can be used
    status_updates: bool = False


def lapses(terms: ContractTerms, balance: Balance, now: datetime) -> list[Lapse]:
    """What the contract has left that lapses within `LAPSE_DAYS`: the tally's `left` (the
    same numbers as the usage card and the closed summaries), while its window or term is open."""
    today = now.astimezone(zone(terms.timezone)).date()
    found = []
    minutes = minutes_tally(balance, terms.window_closed(now))
    window_last = add_days(terms.window_end, -1)
    if not minutes.closed and minutes.left > 0 and (window_last - today).days < LAPSE_DAYS:
        found.append(Lapse(minutes.left, window_last))
    updates = status_updates_tally(balance, terms.term_closed(now))
    term_last = add_days(terms.term_end, -1)
    if not updates.closed and updates.left > 0 and (term_last - today).days < LAPSE_DAYS:
        found.append(Lapse(updates.left, term_last, status_updates=True))
    return found


@dataclass(frozen=True)
class AccountDigest:
    account_id: int
    company: str
    channel_id: str
    timezone: str
    this_week: tuple[DigestSession, ...] = ()
    to_log: tuple[DigestSession, ...] = ()
    lapsing: tuple[Lapse, ...] = ()
    open_cases: tuple[CaseFacts, ...] = ()
    unreachable_reason: str | None = None

    @property
    def quiet(self) -> bool:
        """Nothing to tell about it this week."""
        return not (
            self.this_week
            or self.to_log
            or self.lapsing
            or self.open_cases
            or self.unreachable_reason
        )


@dataclass(frozen=True)
class Digest:
    """One staff member's week: their accounts, those with something to tell first."""

    user_id: str
    timezone: str
    week: str
    accounts: tuple[AccountDigest, ...]

    @property
    def busy(self) -> list[AccountDigest]:
        return [a for a in self.accounts if not a.quiet]

    @property
    def quiet_count(self) -> int:
        return sum(1 for a in self.accounts if a.quiet)
