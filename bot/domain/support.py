"""The support desk's rules (issue 7): case categories, the 30-day return window, and which
open cases are overdue. Plain functions on dates and an explicit `now`; no Slack, no database.

The return window, precisely: day 0 is the date the customer received the order (its receipt
date). A return or exchange is eligible while the account's local date is at most receipt + 30
days, so day 30 is the window's last day and still eligible; day 31 is not. The window closes
at the end of its last day, local midnight in the account's zone, and that last day is the
date shown to the customer ("the return window closed at the end of Tue 02 Mar 2027").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from bot.domain.country import is_business_day
from bot.domain.errors import InvalidCommand
from bot.domain.text import N_
from bot.domain.timeutil import add_days, zone

RETURN_WINDOW_DAYS = 30
# Return-window reminders in the channel: this many days before the window's last day.
RETURN_REMINDER_DAYS = (7, 1)
# An open case nobody has taken for this many business days is listed first.
OVERDUE_BUSINESS_DAYS = 2
MAX_RINGS = 100_000
MAX_REFERENCE = 80
MAX_DESCRIPTION = 2000


class CaseCategory(StrEnum):
    NEW_ORDER = "new-order"
    RETURN = "return"
    EXCHANGE = "exchange"
    PRODUCT_QUESTION = "product-question"
    TECHNICAL_ISSUE = "technical-issue"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

    @property
    def needs_order(self) -> bool:
        """Returns and exchanges are about one order, and only within its window."""
        return self in (CaseCategory.RETURN, CaseCategory.EXCHANGE)


# Labels, translated where they are shown (`_(category.label)`).
CATEGORY_LABELS = {
    # Translators: a support case category.
    CaseCategory.NEW_ORDER: N_("New order"),
    # Translators: a support case category (returning rings).
    CaseCategory.RETURN: N_("Return"),
    # Translators: a support case category (exchanging rings).
    CaseCategory.EXCHANGE: N_("Exchange"),
    # Translators: a support case category.
    CaseCategory.PRODUCT_QUESTION: N_("Product question"),
    # Translators: a support case category.
    CaseCategory.TECHNICAL_ISSUE: N_("Technical issue"),
}


class CaseState(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    RESOLVED = "resolved"


def case_ref(case_id: int) -> str:
    """The short id people quote: unique because the database id is."""
    return f"S-{case_id}"


# -- the return window --------------------------------------------------------------------------


def local_today(now: datetime, tz_name: str) -> date:
    return now.astimezone(zone(tz_name)).date()


def window_last_day(received_on: date) -> date:
    return add_days(received_on, RETURN_WINDOW_DAYS)


def window_closes_at(received_on: date, tz_name: str) -> datetime:
    """The instant the window closes: local midnight after its last day."""
    day_after = add_days(window_last_day(received_on), 1)
    return datetime.combine(day_after, time(0), tzinfo=zone(tz_name))


@dataclass(frozen=True)
class ReturnWindow:
    received_on: date
    today: date  # the account's local date when asked

    @property
    def day(self) -> int:
        """Days since receipt: 0 on the receipt date."""
        return (self.today - self.received_on).days

    @property
    def last_day(self) -> date:
        return window_last_day(self.received_on)

    @property
    def is_open(self) -> bool:
        return self.today <= self.last_day


def return_window(received_on: date, now: datetime, tz_name: str) -> ReturnWindow:
    return ReturnWindow(received_on, local_today(now, tz_name))


def check_order_details(received_on: date, rings: int, now: datetime, tz_name: str) -> None:
    """Raises InvalidCommand saying why when an order cannot be what was typed."""
    if not 1 <= rings <= MAX_RINGS:
        raise InvalidCommand(
            "The ring count must be a whole number from 1 to {most}.", most=MAX_RINGS
        )
    if received_on > local_today(now, tz_name):
        # Translators: {day} is the date typed, YYYY-MM-DD.
        raise InvalidCommand(
            "{day} is in the future: record an order once the customer has received it, with "
            "the date they received it.",
            day=received_on.isoformat(),
        )


# -- overdue cases ------------------------------------------------------------------------------


def add_business_days(moment: datetime, days: int, tz_name: str, country: str | None) -> datetime:
    """`days` business days (weekdays that are not public holidays in `country`) after
    `moment`, at the same local time (a start on a day off counts from the next business day's
    00:00). Local dates are used, so a DST change does not shift the day."""
    tz = zone(tz_name)
    local = moment.astimezone(tz)
    day, time_of_day = local.date(), local.time()
    if not is_business_day(day, country):
        while not is_business_day(day, country):
            day = add_days(day, 1)
        time_of_day = time(0)
    left = days
    while left > 0:
        day = add_days(day, 1)
        if is_business_day(day, country):
            left -= 1
    return datetime.combine(day, time_of_day, tzinfo=tz)


def is_overdue(
    created_at: datetime, taken: bool, now: datetime, tz_name: str, country: str | None
) -> bool:
    """Open, untaken, and older than two business days in the account's zone and country."""
    if taken:
        return False
    return now >= add_business_days(created_at, OVERDUE_BUSINESS_DAYS, tz_name, country)


@dataclass(frozen=True)
class CaseFacts:
    """What the staff views need of an open case."""

    id: int
    category: CaseCategory
    state: CaseState
    created_at: datetime
    taken_by: str | None
    outside_window: bool
    order_id: int | None

    @property
    def ref(self) -> str:
        return case_ref(self.id)


def order_cases(
    cases: Iterable[CaseFacts], now: datetime, tz_name: str, country: str | None
) -> list[CaseFacts]:
    """Overdue untaken cases first (oldest first), then the rest, oldest first."""
    return sorted(
        cases,
        key=lambda c: (
            not is_overdue(c.created_at, c.taken_by is not None, now, tz_name, country),
            c.created_at,
            c.id,
        ),
    )


def days_left_text(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def closing_reminder_day(received_on: date, days_before: int) -> date:
    return add_days(window_last_day(received_on), -days_before)
