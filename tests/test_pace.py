"""The pace projection and the pace warnings' place in the timeline (pure: no clock, no
database). The rule (bot/domain/pace.py): spent so far over the elapsed share of the window
gives the projected use by its end; the lapse is what is left of the included minutes then,
floored at 0; a warning is worth posting when a quarter or more would lapse.

Reference contracts start on Monday 2027-01-04 (Europe/Helsinki). The Launch Kit's window is 90
days (to 2027-04-04): its half is day 45, Thursday 2027-02-18, its two thirds day 60, Friday
2027-03-05. Pro Lite and Premium use the term, 365 days to 2028-01-04: half is day 182, Monday
2027-07-05; two thirds day 243, Saturday 2027-09-04, so the post waits for Monday 2027-09-06."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.pace import Checkpoint, checkpoint_day, project
from bot.domain.packages import LAUNCH_KIT, PREMIUM, PRO_LITE, Package
from bot.domain.schedule import ContractFacts, PostKind, moot_reason, plan, timeline, upcoming
from bot.domain.usage_warnings import usage_crossed

HELSINKI = "Europe/Helsinki"
START = date(2027, 1, 4)


def balance(included: int, spent: int) -> Balance:
    return Balance(included, spent, 0, 0)


def facts(package: Package, spent: int = 0) -> ContractFacts:
    terms = ContractTerms(package=package, start=START, term_months=12, timezone=HELSINKI)
    return ContractFacts(
        contract_id=7,
        account_id=70,
        channel_id="C_ACME",
        company="Acme Oy",
        terms=terms,
        balance=Balance(package.included_minutes, spent, package.status_updates, 0),
    )


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(HELSINKI)).astimezone(UTC)


def pace_posts(contract: ContractFacts) -> list[tuple[str, date]]:
    """(key, local send day) of the pace warnings that the projection lets through, as the
    clock would see each one on its send day."""
    return [
        (post.key, post.send_at.astimezone(ZoneInfo(HELSINKI)).date())
        for post in timeline(contract)
        if post.kind is PostKind.PACE_WARNING and moot_reason(post, contract, post.send_at) is None
    ]


# -- the rule, by example ---------------------------------------------------------------------


def test_launch_kit_example_from_the_issue() -> None:
    # 60 of 240 spent by day 45 of 90: at this pace 120 are used and 120 lapse.
    end = START + timedelta(days=90)
    found = project(balance(240, 60), START, end, START + timedelta(days=45))
    assert found is not None
    assert (found.projected, found.lapse, found.worth_warning) == (120, 120, True)


def test_launch_kit_on_pace_is_no_warning() -> None:
    end = START + timedelta(days=90)
    found = project(balance(240, 120), START, end, START + timedelta(days=45))
    assert found is not None and (found.lapse, found.worth_warning) == (0, False)


def test_exactly_a_quarter_warns_and_just_under_does_not() -> None:
    end = START + timedelta(days=90)
    two_thirds = START + timedelta(days=60)
    # 120 spent by day 60: 180 projected, 60 of 240 lapse, exactly a quarter.
    quarter = project(balance(240, 120), START, end, two_thirds)
    assert quarter is not None and (quarter.lapse, quarter.worth_warning) == (60, True)
    under = project(balance(240, 121), START, end, two_thirds)
    assert under is not None and under.lapse == 58 and not under.worth_warning


def test_term_packages_project_over_the_term() -> None:
    end = date(2028, 1, 4)
    half = checkpoint_day(START, end, Checkpoint.HALF)
    assert half == date(2027, 7, 5)
    found = project(balance(120, 30), START, end, half)
    # 30 * 365 / 182 = 60.16…, rounded up: 61 projected, 59 lapse.
    assert found is not None and (found.projected, found.lapse) == (61, 59)


def test_no_projection_on_the_first_day() -> None:
    assert project(balance(240, 0), START, START + timedelta(days=90), START) is None


# -- the rule, as properties ------------------------------------------------------------------

windows = st.integers(min_value=2, max_value=800)


@given(
    included=st.integers(min_value=1, max_value=2000),
    spent_share=st.floats(min_value=0, max_value=1),
    total=windows,
    day=st.integers(min_value=1, max_value=800),
)
def test_lapse_is_within_what_is_left_and_never_negative(
    included: int, spent_share: float, total: int, day: int
) -> None:
    spent = int(included * spent_share)
    found = project(
        balance(included, spent), START, START + timedelta(days=total), START + timedelta(days=day)
    )
    assert found is not None
    assert 0 <= found.lapse <= included - spent
    assert found.projected >= spent  # what is spent is never projected away


@given(
    included=st.integers(min_value=1, max_value=2000),
    spent=st.integers(min_value=0, max_value=2000),
    total=windows,
    data=st.data(),
)
def test_more_spent_never_projects_more_lapse(
    included: int, spent: int, total: int, data: st.DataObject
) -> None:
    spent = min(spent, included)
    more = data.draw(st.integers(min_value=spent, max_value=included))
    day = START + timedelta(days=data.draw(st.integers(min_value=1, max_value=total)))
    end = START + timedelta(days=total)
    low, high = (
        project(balance(included, spent), START, end, day),
        project(balance(included, more), START, end, day),
    )
    assert low is not None and high is not None
    assert high.lapse <= low.lapse


@given(included=st.integers(min_value=1, max_value=2000), total=windows, data=st.data())
def test_at_the_end_of_the_window_the_lapse_is_what_is_left(
    included: int, total: int, data: st.DataObject
) -> None:
    spent = data.draw(st.integers(min_value=0, max_value=included))
    end = START + timedelta(days=total)
    found = project(balance(included, spent), START, end, end)
    assert found is not None and found.lapse == included - spent


@given(total=windows)
def test_checkpoints_fall_inside_the_window_in_order(total: int) -> None:
    end = START + timedelta(days=total)
    half, two_thirds = (checkpoint_day(START, end, c) for c in Checkpoint)
    assert START < half <= two_thirds < end


@given(included=st.integers(min_value=0, max_value=2000), data=st.data())
def test_usage_thresholds(included: int, data: st.DataObject) -> None:
    spent = data.draw(st.integers(min_value=0, max_value=included))
    crossed = usage_crossed(balance(included, spent))
    assert (80 in crossed) == (included > 0 and spent * 5 >= included * 4)
    assert (100 in crossed) == (included > 0 and spent == included)


# -- the timeline -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "half", "two_thirds"),
    [
        (LAUNCH_KIT, date(2027, 2, 18), date(2027, 3, 5)),
        (PRO_LITE, date(2027, 7, 5), date(2027, 9, 6)),
        (PREMIUM, date(2027, 7, 5), date(2027, 9, 6)),
    ],
)
def test_nothing_spent_warns_at_both_checkpoints(
    package: Package, half: date, two_thirds: date
) -> None:
    assert pace_posts(facts(package)) == [
        ("contract:7:pace:half", half),
        ("contract:7:pace:two-thirds", two_thirds),
    ]


@pytest.mark.parametrize("package", [LAUNCH_KIT, PRO_LITE, PREMIUM])
def test_a_contract_on_pace_gets_none(package: Package) -> None:
    # Three quarters spent by the half: on pace at both checkpoints.
    assert pace_posts(facts(package, spent=package.included_minutes * 3 // 4)) == []


def test_behind_at_two_thirds_only() -> None:
    # 120 of 240 by the half is on pace; the same 120 by day 60 leaves a quarter to lapse.
    assert pace_posts(facts(LAUNCH_KIT, spent=120)) == [
        ("contract:7:pace:two-thirds", date(2027, 3, 5))
    ]


def test_each_is_sent_once_and_a_late_clock_sends_only_the_latest() -> None:
    contract = facts(LAUNCH_KIT)
    half_day = morning(date(2027, 2, 18)) + timedelta(hours=1)
    [post] = [p for p in plan(contract, [], half_day).send if p.kind is PostKind.PACE_WARNING]
    assert post.key == "contract:7:pace:half"
    assert not [
        p for p in plan(contract, [post.key], half_day).send if p.kind is PostKind.PACE_WARNING
    ]
    # The clock was down until after the two-thirds day: one warning, the half one skipped.
    late = morning(date(2027, 3, 8)) + timedelta(hours=1)
    due = plan(contract, [], late)
    assert [p.key for p in due.send if p.kind is PostKind.PACE_WARNING] == [
        "contract:7:pace:two-thirds"
    ]
    assert "contract:7:pace:half" in [p.key for p in due.superseded]


def test_schedule_shows_them_only_while_the_projection_says_so() -> None:
    now = morning(date(2027, 1, 20))
    keys = [p.key for p in upcoming(facts(PRO_LITE), [], now) if p.kind is PostKind.PACE_WARNING]
    assert keys == ["contract:7:pace:half", "contract:7:pace:two-thirds"]
    on_pace = upcoming(facts(PRO_LITE, spent=90), [], now)
    assert not [p for p in on_pace if p.kind is PostKind.PACE_WARNING]
