"""What a contract entitles a customer to and how a session is paid for (SPEC §2, §3).

Pure domain: no Slack, no database, no clock. Every instant is passed in explicitly.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.entitlement import (
    Allocation,
    Balance,
    ContractTerms,
    allocate,
    billable_refusal,
    check_session_minutes,
    contract_covering,
    needs_confirmation,
)
from bot.domain.errors import InvalidCommand, OuraError, RuleViolation
from bot.domain.packages import (
    LAUNCH_KIT,
    MAX_SESSION_MINUTES,
    PACKAGES,
    PREMIUM,
    PRO_LITE,
    ContactRole,
    SessionType,
    package_by_id,
)
from bot.domain.timeutil import add_months, local_to_utc, zone

HELSINKI = "Europe/Helsinki"
NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"
AUCKLAND = "Pacific/Auckland"

MINUTE_SESSIONS = [SessionType.KICKOFF, SessionType.ONBOARDING, SessionType.TRAINING]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def terms(package=LAUNCH_KIT, start=date(2027, 1, 4), months=12, tz=HELSINKI) -> ContractTerms:
    return ContractTerms(package=package, start=start, term_months=months, timezone=tz)


def balance(
    included: int = 240, spent: int = 0, updates: int = 0, updates_spent: int = 0
) -> Balance:
    return Balance(
        included_minutes=included,
        minutes_spent=spent,
        status_updates=updates,
        status_updates_spent=updates_spent,
    )


def fresh_balance(package) -> Balance:
    return balance(package.included_minutes, 0, package.status_updates, 0)


# -- packages (SPEC §2 table) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("package_id", "name", "role", "minutes", "window_days", "updates"),
    [
        ("launch-kit", "Launch Kit", ContactRole.ACCOUNT_MANAGER, 240, 90, 0),
        ("pro-lite", "Pro Lite Success", ContactRole.CUSTOMER_SUCCESS_MANAGER, 120, None, 4),
        ("premium", "Premium Success", ContactRole.CUSTOMER_SUCCESS_MANAGER, 120, None, 12),
    ],
)
def test_package_entitlements_match_the_spec(package_id, name, role, minutes, window_days, updates):
    package = package_by_id(package_id)
    assert package is not None
    assert package.id == package_id
    assert package.name == name
    assert package.contact_role == role
    assert package.included_minutes == minutes
    assert package.window_days == window_days
    assert package.status_updates == updates


def test_there_are_exactly_the_three_packages():
    assert set(PACKAGES) == {"launch-kit", "pro-lite", "premium"}


def test_package_lookup_ignores_case_and_surrounding_space_and_rejects_unknown():
    assert package_by_id(" Premium ") is PREMIUM
    assert package_by_id("PRO-LITE") is PRO_LITE
    assert package_by_id("gold") is None


def test_only_status_updates_spend_a_status_update():
    assert SessionType.STATUS_UPDATE.uses_status_update
    for session_type in MINUTE_SESSIONS:
        assert not session_type.uses_status_update


def test_session_cap_is_sixty_minutes():
    assert MAX_SESSION_MINUTES == 60


# -- contract term and window ----------------------------------------------------------------


def test_term_is_twelve_months_and_ends_the_day_after():
    assert terms(PRO_LITE, date(2027, 1, 4)).term_end == date(2028, 1, 4)


def test_term_from_31_january_lands_on_31_january_next_year():
    assert terms(PREMIUM, date(2027, 1, 31)).term_end == date(2028, 1, 31)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 1, 31), 13, date(2028, 2, 29)),
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2027, 12, 15), 1, date(2028, 1, 15)),
        (date(2027, 1, 4), 0, date(2027, 1, 4)),
    ],
)
def test_term_end_clamps_to_the_end_of_a_short_month(start, months, end):
    assert add_months(start, months) == end
    assert terms(PREMIUM, start, months).term_end == end


def test_term_starting_on_leap_day_ends_on_28_february():
    assert terms(PRO_LITE, date(2028, 2, 29)).term_end == date(2029, 2, 28)
    assert terms(PRO_LITE, date(2028, 2, 29), months=48).term_end == date(2032, 2, 29)


def test_launch_kit_window_is_ninety_days_from_the_start():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4))
    assert contract.window_end == date(2027, 1, 4) + timedelta(days=90) == date(2027, 4, 4)
    assert contract.term_end == date(2028, 1, 4)


@pytest.mark.parametrize("package", [PRO_LITE, PREMIUM])
def test_other_packages_window_is_the_whole_term(package):
    contract = terms(package, date(2027, 1, 4))
    assert contract.window_end == contract.term_end == date(2028, 1, 4)


def test_launch_kit_window_never_outlasts_a_short_term():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4), months=2)
    assert contract.window_end == contract.term_end == date(2027, 3, 4)


def test_window_day_90_late_evening_in_helsinki_is_inside():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4), tz=HELSINKI)
    day_90 = date(2027, 1, 4) + timedelta(days=89)
    assert day_90 == date(2027, 4, 3)
    assert contract.in_window(local(HELSINKI, 2027, 4, 3, 23, 59))
    # Helsinki is on summer time (UTC+3) by then: 23:59 local is 20:59Z.
    assert contract.in_window(utc(2027, 4, 3, 20, 59, 59, 999999))


def test_window_day_91_midnight_in_helsinki_is_outside():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4), tz=HELSINKI)
    assert not contract.in_window(local(HELSINKI, 2027, 4, 4, 0, 0))
    # Local midnight at the start of day 91 is 21:00Z on the UTC date of day 90.
    assert not contract.in_window(utc(2027, 4, 3, 21, 0))
    assert not contract.in_window(utc(2027, 4, 3, 23, 0))


def test_window_starts_at_local_midnight_of_the_start_day_in_helsinki():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4), tz=HELSINKI)
    assert contract.in_window(utc(2027, 1, 3, 22, 0))  # 00:00 local on 4 Jan (UTC+2)
    assert not contract.in_window(utc(2027, 1, 3, 21, 59, 59))
    assert not contract.in_window(local(HELSINKI, 2027, 1, 3, 23, 59))


def test_window_in_los_angeles_follows_the_local_date_not_the_utc_date():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4), tz=LOS_ANGELES)
    # 4 Jan in UTC but still 3 Jan in Los Angeles: before the contract.
    assert not contract.in_window(utc(2027, 1, 4, 7, 59))
    assert contract.in_window(utc(2027, 1, 4, 8, 0))
    # 4 Apr in UTC but still 3 Apr (day 90) 23:59 in Los Angeles: inside.
    assert contract.in_window(utc(2027, 4, 4, 6, 59))
    assert not contract.in_window(utc(2027, 4, 4, 7, 0))


def test_window_in_auckland_follows_the_local_date_not_the_utc_date():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4), tz=AUCKLAND)
    # 3 Jan in UTC but already 4 Jan in Auckland (UTC+13): inside.
    assert contract.in_window(utc(2027, 1, 3, 11, 0))
    assert not contract.in_window(utc(2027, 1, 3, 10, 59))
    # 3 Apr 11:00Z is 00:00 on 4 Apr (day 91) in Auckland: outside.
    assert contract.in_window(utc(2027, 4, 3, 10, 59))
    assert not contract.in_window(utc(2027, 4, 3, 11, 0))


def test_term_boundaries_are_local_midnights():
    contract = terms(PRO_LITE, date(2027, 1, 4), tz=HELSINKI)
    assert contract.in_term(local(HELSINKI, 2028, 1, 3, 23, 59))
    assert not contract.in_term(local(HELSINKI, 2028, 1, 4, 0, 0))
    assert not contract.in_term(utc(2028, 1, 3, 22, 0))


def test_naive_moment_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        terms().in_window(datetime(2027, 2, 1, 12, 0))


def test_status_update_is_covered_for_the_whole_term_but_minutes_only_in_the_window():
    contract = terms(LAUNCH_KIT, date(2027, 1, 4), tz=HELSINKI)
    day_100 = local(HELSINKI, 2027, 4, 13, 10, 0)
    assert contract.covers_session(SessionType.STATUS_UPDATE, day_100)
    for session_type in MINUTE_SESSIONS:
        assert not contract.covers_session(session_type, day_100)
    day_10 = local(HELSINKI, 2027, 1, 13, 10, 0)
    for session_type in SessionType:
        assert contract.covers_session(session_type, day_10)


def test_nothing_is_covered_after_the_term():
    contract = terms(PREMIUM, date(2027, 1, 4), tz=HELSINKI)
    late = local(HELSINKI, 2028, 1, 4, 9, 0)
    for session_type in SessionType:
        assert not contract.covers_session(session_type, late)
    assert contract.covers_session(SessionType.TRAINING, local(HELSINKI, 2027, 12, 20, 9, 0))


# -- allocate ------------------------------------------------------------------------------


@pytest.mark.parametrize("session_type", MINUTE_SESSIONS)
def test_session_fully_included(session_type):
    allocation = allocate(session_type, 45, balance(240, 100), covered=True)
    assert allocation == Allocation(included_minutes=45, billable_minutes=0)
    assert not allocation.is_billable


def test_session_partly_included_splits_the_rest_as_billable():
    allocation = allocate(SessionType.TRAINING, 45, balance(120, 90), covered=True)
    assert allocation.included_minutes == 30
    assert allocation.billable_minutes == 15
    assert not allocation.uses_status_update
    assert allocation.is_billable


def test_session_with_nothing_left_is_all_billable():
    allocation = allocate(SessionType.ONBOARDING, 60, balance(240, 240), covered=True)
    assert allocation == Allocation(included_minutes=0, billable_minutes=60)


def test_overspent_balance_never_gives_negative_included_minutes():
    allocation = allocate(SessionType.ONBOARDING, 30, balance(120, 150), covered=True)
    assert allocation == Allocation(included_minutes=0, billable_minutes=30)


def test_session_outside_the_window_is_all_billable_even_with_minutes_left():
    allocation = allocate(SessionType.KICKOFF, 60, balance(240, 0), covered=False)
    assert allocation == Allocation(included_minutes=0, billable_minutes=60)


def test_status_update_with_updates_left_uses_one_and_no_minutes():
    allocation = allocate(SessionType.STATUS_UPDATE, 45, balance(120, 0, 4, 3), covered=True)
    assert allocation.uses_status_update
    assert allocation.included_minutes == 0
    assert allocation.billable_minutes == 0
    assert not allocation.is_billable


def test_status_update_without_updates_left_is_billable_minutes():
    allocation = allocate(SessionType.STATUS_UPDATE, 30, balance(120, 0, 4, 4), covered=True)
    assert allocation == Allocation(included_minutes=0, billable_minutes=30)


def test_launch_kit_status_update_is_billable_for_its_length():
    allocation = allocate(SessionType.STATUS_UPDATE, 45, fresh_balance(LAUNCH_KIT), covered=True)
    assert not allocation.uses_status_update
    assert allocation.included_minutes == 0
    assert allocation.billable_minutes == 45


def test_status_update_outside_the_term_is_billable():
    allocation = allocate(SessionType.STATUS_UPDATE, 60, fresh_balance(PREMIUM), covered=False)
    assert allocation == Allocation(billable_minutes=60)


@pytest.mark.parametrize("session_type", MINUTE_SESSIONS)
def test_sixty_minutes_is_accepted(session_type):
    allocation = allocate(session_type, 60, balance(240, 0), covered=True)
    assert allocation == Allocation(included_minutes=60, billable_minutes=0)
    assert check_session_minutes(60) == 60


def test_sixty_minute_status_update_is_accepted():
    allocation = allocate(SessionType.STATUS_UPDATE, 60, balance(120, 0, 4, 0), covered=True)
    assert allocation == Allocation(uses_status_update=True)


@pytest.mark.parametrize("session_type", list(SessionType))
@pytest.mark.parametrize("minutes", [61, 90, 120])
def test_more_than_sixty_minutes_is_refused_not_shortened(session_type, minutes):
    with pytest.raises(RuleViolation) as caught:
        allocate(session_type, minutes, balance(240, 0, 12, 0), covered=True)
    message = str(caught.value)
    assert "60" in message
    assert f"{minutes}m" in message


@pytest.mark.parametrize("minutes", [0, -15])
def test_zero_or_negative_minutes_is_refused_as_invalid(minutes):
    with pytest.raises(InvalidCommand) as caught:
        allocate(SessionType.KICKOFF, minutes, balance(), covered=True)
    assert not isinstance(caught.value, RuleViolation)
    assert "1 minute" in str(caught.value)


# -- balance, confirmation, refusal message ---------------------------------------------------


def test_minutes_and_status_updates_left():
    b = balance(120, 45, 4, 1)
    assert b.minutes_left == 75
    assert b.status_updates_left == 3


def test_release_gives_back_the_included_minutes_only():
    b = balance(120, 120)
    allocation = Allocation(included_minutes=30, billable_minutes=15)
    released = b.release(allocation)
    assert released.minutes_spent == 90
    assert released.minutes_left == 30
    assert released.status_updates_spent == 0
    assert released.included_minutes == 120


def test_release_gives_back_a_status_update():
    released = balance(120, 40, 4, 2).release(Allocation(uses_status_update=True))
    assert released.status_updates_left == 3
    assert released.minutes_spent == 40


def test_reserve_then_release_restores_the_balance():
    start = balance(240, 100, 0, 0)
    allocation = allocate(SessionType.TRAINING, 60, start, covered=True)
    reserved = replace(start, minutes_spent=start.minutes_spent + allocation.included_minutes)
    assert reserved.minutes_left == 80
    assert reserved.release(allocation) == start


def test_needs_confirmation_only_for_unconfirmed_billable_time():
    billable = Allocation(included_minutes=30, billable_minutes=15)
    assert needs_confirmation(billable, 0)
    assert needs_confirmation(billable, 14)
    assert not needs_confirmation(billable, 15)
    assert not needs_confirmation(billable, 60)
    assert not needs_confirmation(Allocation(included_minutes=60), 0)
    assert not needs_confirmation(Allocation(uses_status_update=True), 0)


def test_refusal_when_minutes_run_out_says_how_many_are_billable_and_left():
    b = balance(240, 210)
    allocation = allocate(SessionType.KICKOFF, 45, b, covered=True)
    message = str(billable_refusal(allocation, SessionType.KICKOFF, b, covered=True))
    assert "15 billable minutes" in message
    assert "30 of 240" in message
    assert "`billable`" in message


def test_refusal_in_the_booking_form_says_to_tick_its_checkbox():
    b = balance(240, 210)
    allocation = allocate(SessionType.KICKOFF, 45, b, covered=True)
    message = str(billable_refusal(allocation, SessionType.KICKOFF, b, covered=True, in_form=True))
    assert "15 billable minutes" in message and "30 of 240" in message
    assert "Tick “Confirm billable extra time”" in message
    assert "`billable`" not in message


def test_refusal_outside_the_window_says_so():
    b = fresh_balance(LAUNCH_KIT)
    allocation = allocate(SessionType.TRAINING, 60, b, covered=False)
    message = str(billable_refusal(allocation, SessionType.TRAINING, b, covered=False))
    assert "60 billable minutes" in message
    assert "outside the window" in message
    assert "`billable`" in message


def test_refusal_without_status_updates_says_none_are_left():
    b = balance(120, 0, 4, 4)
    allocation = allocate(SessionType.STATUS_UPDATE, 30, b, covered=True)
    message = str(billable_refusal(allocation, SessionType.STATUS_UPDATE, b, covered=True))
    assert "30 billable minutes" in message
    assert "no status updates are left" in message
    assert "4 included" in message
    assert "`billable`" in message


def test_refusal_for_status_update_after_the_term_says_outside_the_term():
    b = fresh_balance(PRO_LITE)
    allocation = allocate(SessionType.STATUS_UPDATE, 60, b, covered=False)
    message = str(billable_refusal(allocation, SessionType.STATUS_UPDATE, b, covered=False))
    assert "60 billable minutes" in message
    assert "outside the contract term" in message
    assert "`billable`" in message


# -- which contract a session belongs to ------------------------------------------------------


FIRST = terms(LAUNCH_KIT, date(2026, 1, 5), tz=HELSINKI)  # until 2027-01-05
SECOND = terms(PRO_LITE, date(2027, 3, 1), tz=HELSINKI)  # until 2028-03-01


def test_contract_covering_picks_the_contract_whose_term_covers_the_moment():
    contracts = [FIRST, SECOND]
    assert contract_covering(contracts, local(HELSINKI, 2026, 6, 1, 10, 0)) == 0
    assert contract_covering(contracts, local(HELSINKI, 2027, 6, 1, 10, 0)) == 1
    # Order of the list does not matter.
    assert contract_covering([SECOND, FIRST], local(HELSINKI, 2026, 6, 1, 10, 0)) == 1


def test_contract_covering_in_a_gap_picks_the_latest_started():
    moment = local(HELSINKI, 2027, 2, 1, 10, 0)
    assert contract_covering([FIRST, SECOND], moment) == 0
    assert contract_covering([SECOND, FIRST], moment) == 1


def test_contract_covering_after_all_terms_picks_the_latest_started():
    moment = local(HELSINKI, 2029, 1, 1, 10, 0)
    assert contract_covering([FIRST, SECOND], moment) == 1
    assert contract_covering([SECOND, FIRST], moment) == 0


def test_contract_covering_before_all_terms_picks_the_earliest():
    moment = local(HELSINKI, 2025, 12, 1, 10, 0)
    assert contract_covering([FIRST, SECOND], moment) == 0
    assert contract_covering([SECOND, FIRST], moment) == 1


def test_contract_covering_with_no_contracts_is_none():
    assert contract_covering([], utc(2027, 1, 1)) is None


# -- time zones ----------------------------------------------------------------------------


def test_new_york_afternoon_before_the_dst_change_is_est():
    assert local_to_utc(date(2027, 3, 12), time(14, 0), NEW_YORK) == utc(2027, 3, 12, 19, 0)


def test_new_york_afternoon_after_the_dst_change_is_edt():
    assert local_to_utc(date(2027, 3, 15), time(14, 0), NEW_YORK) == utc(2027, 3, 15, 18, 0)


def test_local_to_utc_returns_an_aware_utc_instant():
    instant = local_to_utc(date(2027, 6, 1), time(9, 30), HELSINKI)
    assert instant.utcoffset() == timedelta(0)
    assert instant == utc(2027, 6, 1, 6, 30)


def test_skipped_local_time_is_refused_naming_the_time():
    with pytest.raises(InvalidCommand) as caught:
        local_to_utc(date(2027, 3, 14), time(2, 30), NEW_YORK)
    message = str(caught.value)
    assert "02:30" in message
    assert "2027-03-14" in message
    assert NEW_YORK in message


def test_times_around_the_skipped_hour_are_accepted():
    assert local_to_utc(date(2027, 3, 14), time(1, 59), NEW_YORK) == utc(2027, 3, 14, 6, 59)
    assert local_to_utc(date(2027, 3, 14), time(3, 0), NEW_YORK) == utc(2027, 3, 14, 7, 0)


def test_ambiguous_local_time_is_the_first_occurrence():
    # 01:30 happens twice on 2027-11-07 in New York; the first is still EDT (UTC-4).
    assert local_to_utc(date(2027, 11, 7), time(1, 30), NEW_YORK) == utc(2027, 11, 7, 5, 30)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Helsinki", "", "../../etc/passwd"])
def test_unknown_zone_is_refused_with_the_iana_form(name):
    with pytest.raises(InvalidCommand) as caught:
        zone(name)
    message = str(caught.value)
    assert "IANA" in message
    assert "Europe/Helsinki" in message
    with pytest.raises(InvalidCommand):
        local_to_utc(date(2027, 1, 4), time(9, 0), name)


def test_known_zone_is_accepted():
    assert zone(AUCKLAND) == ZoneInfo(AUCKLAND)


# -- properties ----------------------------------------------------------------------------


balances = st.builds(
    balance,
    included=st.integers(0, 600),
    spent=st.integers(0, 700),
    updates=st.integers(0, 12),
    updates_spent=st.integers(0, 14),
)


@given(
    session_type=st.sampled_from(MINUTE_SESSIONS),
    minutes=st.integers(1, 60),
    b=balances,
    covered=st.booleans(),
)
def test_minutes_are_split_into_included_and_billable(session_type, minutes, b, covered):
    allocation = allocate(session_type, minutes, b, covered)
    assert allocation.included_minutes + allocation.billable_minutes == minutes
    assert 0 <= allocation.included_minutes <= max(b.minutes_left, 0)
    assert allocation.billable_minutes >= 0
    assert not allocation.uses_status_update
    if not covered:
        assert allocation.included_minutes == 0


@given(minutes=st.integers(1, 60), b=balances, covered=st.booleans())
def test_status_update_is_either_one_update_or_all_billable(minutes, b, covered):
    allocation = allocate(SessionType.STATUS_UPDATE, minutes, b, covered)
    assert allocation.included_minutes == 0
    if covered and b.status_updates_left > 0:
        assert allocation == Allocation(uses_status_update=True)
    else:
        assert allocation == Allocation(billable_minutes=minutes)


@given(
    bookings=st.lists(
        st.tuples(st.sampled_from(list(SessionType)), st.integers(1, 60)), max_size=20
    ),
    package=st.sampled_from(list(PACKAGES.values())),
)
def test_bookings_together_never_spend_more_than_is_included(bookings, package):
    b = fresh_balance(package)
    for session_type, minutes in bookings:
        allocation = allocate(session_type, minutes, b, covered=True)
        b = replace(
            b,
            minutes_spent=b.minutes_spent + allocation.included_minutes,
            status_updates_spent=b.status_updates_spent + int(allocation.uses_status_update),
        )
        assert 0 <= b.minutes_left <= package.included_minutes
        assert 0 <= b.status_updates_left <= package.status_updates


@given(minutes=st.integers(61, 10_000) | st.integers(-10_000, 0))
def test_out_of_range_minutes_are_always_refused(minutes):
    with pytest.raises(OuraError):
        check_session_minutes(minutes)


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    months=st.integers(0, 240),
)
def test_add_months_never_raises_and_keeps_the_day_when_it_can(day, months):
    result = add_months(day, months)
    index = day.month - 1 + months
    assert (result.year, result.month) == (day.year + index // 12, index % 12 + 1)
    last = calendar.monthrange(result.year, result.month)[1]
    if day.day <= last:
        assert result.day == day.day
    else:
        assert result.day == last
    assert result >= day
