"""The support desk's rules, without Slack or a database: the 30-day return window and which
open cases are overdue (untaken for over two business days in the account's zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.errors import InvalidCommand
from bot.domain.support import (
    CaseCategory,
    CaseFacts,
    CaseState,
    add_business_days,
    check_order_details,
    is_overdue,
    order_cases,
    return_window,
    window_closes_at,
)

HELSINKI = "Europe/Helsinki"
RECEIVED = date(2027, 2, 1)


def at_local_noon(day: date, tz: str = HELSINKI) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZoneInfo(tz)).astimezone(UTC)


# -- the 30-day window -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "eligible"),
    [(0, True), (1, True), (29, True), (30, True), (31, False), (45, False)],
)
def test_day_0_is_the_receipt_date_and_day_30_is_the_last_eligible_day(
    day: int, eligible: bool
) -> None:
    window = return_window(RECEIVED, at_local_noon(RECEIVED + timedelta(days=day)), HELSINKI)
    assert window.day == day
    assert window.is_open is eligible
    assert window.last_day == date(2027, 3, 3)  # 1 Feb + 30 days


def test_the_day_is_counted_in_the_accounts_zone_not_utc() -> None:
    # 23:30 UTC on day 30 is already day 31 (01:30) in Helsinki: closed there.
    late = datetime(2027, 3, 3, 23, 30, tzinfo=UTC)
    assert not return_window(RECEIVED, late, HELSINKI).is_open
    # ...but still day 30 (18:30) in New York.
    assert return_window(RECEIVED, late, "America/New_York").is_open


def test_the_window_closes_at_local_midnight_after_its_last_day_across_a_dst_change() -> None:
    # Received 26 Feb 2027: last day 28 Mar, the day Helsinki moves to summer time (UTC+3).
    closes = window_closes_at(date(2027, 2, 26), HELSINKI)
    assert closes.astimezone(UTC) == datetime(2027, 3, 28, 21, 0, tzinfo=UTC)
    just_before = closes.astimezone(UTC) - timedelta(seconds=1)
    assert return_window(date(2027, 2, 26), just_before, HELSINKI).is_open
    assert not return_window(date(2027, 2, 26), closes, HELSINKI).is_open


def test_an_order_cannot_be_received_in_the_future_or_have_no_rings() -> None:
    now = at_local_noon(date(2027, 2, 1))
    check_order_details(date(2027, 2, 1), 1, now, HELSINKI)
    with pytest.raises(InvalidCommand, match="in the future"):
        check_order_details(date(2027, 2, 2), 5, now, HELSINKI)
    with pytest.raises(InvalidCommand, match="ring count"):
        check_order_details(date(2027, 1, 2), 0, now, HELSINKI)


def test_only_returns_and_exchanges_need_an_order() -> None:
    assert {c for c in CaseCategory if c.needs_order} == {
        CaseCategory.RETURN,
        CaseCategory.EXCHANGE,
    }


# -- overdue cases -----------------------------------------------------------------------------


def test_two_business_days_skip_the_weekend() -> None:
    thursday = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki
    assert add_business_days(thursday, 2, HELSINKI, "FI") == datetime(2027, 3, 8, 8, 0, tzinfo=UTC)
    saturday = datetime(2027, 3, 6, 8, 0, tzinfo=UTC)  # counts from Monday 00:00
    assert add_business_days(saturday, 2, HELSINKI, "FI") == datetime(2027, 3, 9, 22, 0, tzinfo=UTC)


def test_a_case_is_overdue_only_when_untaken_for_over_two_business_days() -> None:
    friday = datetime(2027, 3, 5, 8, 0, tzinfo=UTC)
    tuesday_before = datetime(2027, 3, 9, 7, 59, tzinfo=UTC)
    tuesday = datetime(2027, 3, 9, 8, 0, tzinfo=UTC)
    assert not is_overdue(friday, False, tuesday_before, HELSINKI, "FI")
    assert is_overdue(friday, False, tuesday, HELSINKI, "FI")
    assert not is_overdue(friday, True, tuesday, HELSINKI, "FI")


def _case(case_id: int, created: datetime, taken_by: str | None = None) -> CaseFacts:
    return CaseFacts(
        id=case_id,
        category=CaseCategory.PRODUCT_QUESTION,
        state=CaseState.TAKEN if taken_by else CaseState.OPEN,
        created_at=created,
        taken_by=taken_by,
        outside_window=False,
        order_id=None,
    )


def test_overdue_untaken_cases_are_listed_first_then_by_age() -> None:
    now = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)  # Wednesday
    old_taken = _case(1, now - timedelta(days=9), taken_by="U_STAFF")
    old_untaken = _case(2, now - timedelta(days=5))
    recent = _case(3, now - timedelta(hours=3))
    older_untaken = _case(4, now - timedelta(days=8))
    ordered = order_cases([old_taken, old_untaken, recent, older_untaken], now, HELSINKI, "FI")
    assert [c.ref for c in ordered] == ["S-4", "S-2", "S-1", "S-3"]
