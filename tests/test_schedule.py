"""The automated posts (SPEC §5): what is due when, as the planner sees it.

Pure planning: no clock, no database, no Slack. Every instant is an explicit aware datetime,
and every expected date below is written out by hand from a calendar, not computed with the
module's own helpers.

The reference contract starts on Monday 2027-01-04 for 12 months, so the term ends on
2028-01-04 (a Tuesday). Day 1 is 2027-01-04, so day 90 (the Launch Kit window's last day) is
Saturday 2027-04-03 and the window is closed from Sunday 2027-04-04.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.entitlement import Balance, ContractTerms
from bot.domain.packages import LAUNCH_KIT, PREMIUM, PRO_LITE, Package, SessionState, SessionType
from bot.domain.schedule import (
    ContractFacts,
    Post,
    PostKind,
    SessionFacts,
    next_business_moment,
    next_check,
    plan,
    status_periods,
    timeline,
    upcoming,
)

HELSINKI = "Europe/Helsinki"
NEW_YORK = "America/New_York"
KIRITIMATI = "Pacific/Kiritimati"
AUCKLAND = "Pacific/Auckland"
PAGO_PAGO = "Pacific/Pago_Pago"
START = date(2027, 1, 4)  # a Monday

NUDGE = PostKind.STATUS_NUDGE.value
LAST_CALL = PostKind.STATUS_LAST_CALL.value
WINDOW_WARNING = PostKind.WINDOW_WARNING.value
WINDOW_CLOSED = PostKind.WINDOW_CLOSED.value
TERM_WARNING = PostKind.TERM_WARNING.value
TERM_CLOSED = PostKind.TERM_CLOSED.value
PACE = PostKind.PACE_WARNING.value


# -- helpers ----------------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def at(tz: str, *args: int) -> datetime:
    """A wall-clock time in `tz` (aware)."""
    return datetime(*args, tzinfo=ZoneInfo(tz))


def contract(
    package: Package,
    tz: str = HELSINKI,
    *,
    start: date = START,
    months: int = 12,
    minutes_spent: int = 0,
    status_spent: int = 0,
    sessions: Iterable[SessionFacts] = (),
    contract_id: int = 1,
) -> ContractFacts:
    return ContractFacts(
        contract_id=contract_id,
        account_id=100 + contract_id,
        channel_id=f"C_ACME{contract_id}",
        company="Acme Oy",
        terms=ContractTerms(package=package, start=start, term_months=months, timezone=tz),
        balance=Balance(
            included_minutes=package.included_minutes,
            minutes_spent=minutes_spent,
            status_updates=package.status_updates,
            status_updates_spent=status_spent,
        ),
        sessions=tuple(sessions),
    )


def session(
    starts_at: datetime,
    *,
    id: int = 1,
    session_type: SessionType = SessionType.TRAINING,
    state: SessionState = SessionState.BOOKED,
    scheduled_at: datetime | None = None,
    minutes: int = 60,
) -> SessionFacts:
    return SessionFacts(
        id=id,
        session_type=session_type,
        starts_at=starts_at,
        minutes=minutes,
        state=state,
        scheduled_at=scheduled_at if scheduled_at is not None else starts_at - timedelta(days=10),
        number=id,
    )


def local_view(posts: Iterable[Post], tz: str) -> list[tuple[str, date, int]]:
    """(kind, local date, local hour) of each post's send time, as the channel sees it."""
    view = []
    for post in posts:
        local = post.send_at.astimezone(ZoneInfo(tz))
        assert (local.minute, local.second) == (0, 0), post
        view.append((post.kind.value, local.date(), local.hour))
    return view


def by_key(posts: Iterable[Post], suffix: str, contract_id: int = 1) -> Post:
    key = f"contract:{contract_id}:{suffix}"
    matches = [p for p in posts if p.key == key]
    assert len(matches) == 1, (key, [p.key for p in posts])
    return matches[0]


def sent(facts: ContractFacts, now: datetime, done: Iterable[str] = ()) -> list[str]:
    """Keys plan() would send at `now`, without the contract prefix; pace warnings left out
    (nothing is spent in these contracts, so they would warn: tests/test_pace.py covers them)."""
    prefix = f"contract:{facts.contract_id}:"
    return [
        p.key.removeprefix(prefix)
        for p in plan(facts, done, now).send
        if p.kind is not PostKind.PACE_WARNING
    ]


def all_keys(facts: ContractFacts) -> list[str]:
    return [p.key for p in timeline(facts)]


# -- 1. full timelines, one per package ------------------------------------------------------

LAUNCH_KIT_TIMELINE = [
    (WINDOW_WARNING, date(2027, 3, 4), 9),  # 30 days before day 90: Thu 4 Mar
    (WINDOW_WARNING, date(2027, 3, 22), 9),  # 14 days: Sat 20 Mar -> Mon 22 Mar
    (WINDOW_WARNING, date(2027, 3, 29), 9),  # 7 days: Sat 27 Mar -> Mon 29 Mar
    (WINDOW_WARNING, date(2027, 4, 2), 9),  # 1 day: Fri 2 Apr
    (WINDOW_CLOSED, date(2027, 4, 5), 9),  # window closed Sun 4 Apr -> Mon 5 Apr
    (PACE, date(2027, 2, 18), 9),  # day 45 of the 90-day window: Thu 18 Feb
    (PACE, date(2027, 3, 5), 9),  # day 60: Fri 5 Mar
    (TERM_CLOSED, date(2028, 1, 4), 9),  # Tue 4 Jan 2028
]

PRO_LITE_TIMELINE = [
    # Quarters start 4 Jan, 4 Apr (Sun), 4 Jul (Sun), 4 Oct.
    (NUDGE, date(2027, 1, 4), 9),
    (NUDGE, date(2027, 4, 5), 9),
    (NUDGE, date(2027, 7, 5), 9),
    (NUDGE, date(2027, 10, 4), 9),
    # 14 days before each quarter ends: Sun 21 Mar, Sun 20 Jun, Mon 20 Sep, Tue 21 Dec.
    (LAST_CALL, date(2027, 3, 22), 9),
    (LAST_CALL, date(2027, 6, 21), 9),
    (LAST_CALL, date(2027, 9, 20), 9),
    (LAST_CALL, date(2027, 12, 21), 9),
    # 30 days before 4 Jan 2028 is Sun 5 Dec; 7 days before is Tue 28 Dec.
    (TERM_WARNING, date(2027, 12, 6), 9),
    (TERM_WARNING, date(2027, 12, 28), 9),
    # Half the 365-day term is day 182, Mon 5 Jul; two thirds day 243, Sat 4 Sep -> Mon.
    (PACE, date(2027, 7, 5), 9),
    (PACE, date(2027, 9, 6), 9),
    (TERM_CLOSED, date(2028, 1, 4), 9),
]

PREMIUM_TIMELINE = [
    # Months start on the 4th; weekend starts move to Monday.
    (NUDGE, date(2027, 1, 4), 9),  # Mon
    (NUDGE, date(2027, 2, 4), 9),  # Thu
    (NUDGE, date(2027, 3, 4), 9),  # Thu
    (NUDGE, date(2027, 4, 5), 9),  # Sun 4 Apr -> Mon
    (NUDGE, date(2027, 5, 4), 9),  # Tue
    (NUDGE, date(2027, 6, 4), 9),  # Fri
    (NUDGE, date(2027, 7, 5), 9),  # Sun 4 Jul -> Mon
    (NUDGE, date(2027, 8, 4), 9),  # Wed
    (NUDGE, date(2027, 9, 6), 9),  # Sat 4 Sep -> Mon
    (NUDGE, date(2027, 10, 4), 9),  # Mon
    (NUDGE, date(2027, 11, 4), 9),  # Thu
    (NUDGE, date(2027, 12, 6), 9),  # Sat 4 Dec -> Mon
    # 14 days before each month's end (the next month's 4th).
    (LAST_CALL, date(2027, 1, 21), 9),  # Thu
    (LAST_CALL, date(2027, 2, 18), 9),  # Thu
    (LAST_CALL, date(2027, 3, 22), 9),  # Sun 21 Mar -> Mon
    (LAST_CALL, date(2027, 4, 20), 9),  # Tue
    (LAST_CALL, date(2027, 5, 21), 9),  # Fri
    (LAST_CALL, date(2027, 6, 21), 9),  # Sun 20 Jun -> Mon
    (LAST_CALL, date(2027, 7, 21), 9),  # Wed
    (LAST_CALL, date(2027, 8, 23), 9),  # Sat 21 Aug -> Mon
    (LAST_CALL, date(2027, 9, 20), 9),  # Mon
    (LAST_CALL, date(2027, 10, 21), 9),  # Thu
    (LAST_CALL, date(2027, 11, 22), 9),  # Sat 20 Nov -> Mon
    (LAST_CALL, date(2027, 12, 21), 9),  # Tue
    (TERM_WARNING, date(2027, 12, 6), 9),
    (TERM_WARNING, date(2027, 12, 28), 9),
    # Half the 365-day term is day 182, Mon 5 Jul; two thirds day 243, Sat 4 Sep -> Mon.
    (PACE, date(2027, 7, 5), 9),
    (PACE, date(2027, 9, 6), 9),
    (TERM_CLOSED, date(2028, 1, 4), 9),
]


def test_reference_calendar_facts() -> None:
    """The hand-written expectations rest on these calendar facts."""
    assert START.weekday() == 0
    assert START + timedelta(days=89) == date(2027, 4, 3)  # day 90
    assert date(2027, 4, 3).weekday() == 5
    for expected in (LAUNCH_KIT_TIMELINE, PRO_LITE_TIMELINE, PREMIUM_TIMELINE):
        assert all(day.weekday() < 5 for _, day, _ in expected)


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        pytest.param(LAUNCH_KIT, LAUNCH_KIT_TIMELINE, id="launch-kit"),
        pytest.param(PRO_LITE, PRO_LITE_TIMELINE, id="pro-lite"),
        pytest.param(PREMIUM, PREMIUM_TIMELINE, id="premium"),
    ],
)
def test_full_timeline_over_a_twelve_month_term(
    package: Package, expected: list[tuple[str, date, int]]
) -> None:
    posts = timeline(contract(package, HELSINKI))
    assert sorted(local_view(posts, HELSINKI)) == sorted(expected)
    # In the order they go out.
    assert [p.send_at for p in posts] == sorted(p.send_at for p in posts)
    assert all(p.channel_id == "C_ACME1" and p.contract_id == 1 for p in posts)


def test_launch_kit_window_warnings_say_how_many_days_are_left() -> None:
    posts = [p for p in timeline(contract(LAUNCH_KIT)) if p.kind is PostKind.WINDOW_WARNING]
    assert [p.days_before for p in posts] == [30, 14, 7, 1]
    # Due on the calendar day itself, even when it is posted on the Monday after.
    due = [p.due_at.astimezone(ZoneInfo(HELSINKI)).date() for p in posts]
    assert due == [date(2027, 3, 4), date(2027, 3, 20), date(2027, 3, 27), date(2027, 4, 2)]


def test_launch_kit_has_no_status_nudges_or_term_warnings() -> None:
    kinds = {p.kind for p in timeline(contract(LAUNCH_KIT))}
    assert kinds == {
        PostKind.WINDOW_WARNING,
        PostKind.WINDOW_CLOSED,
        PostKind.TERM_CLOSED,
        PostKind.PACE_WARNING,
    }


def test_nudges_and_last_calls_belong_to_their_period() -> None:
    posts = timeline(contract(PRO_LITE))
    nudge_2 = by_key(posts, "status-nudge:2")
    last_call_2 = by_key(posts, "status-last-call:2")
    assert nudge_2.period == last_call_2.period
    assert nudge_2.period is not None
    assert (nudge_2.period.start, nudge_2.period.end) == (date(2027, 4, 4), date(2027, 7, 4))


# -- 2. daylight saving time --------------------------------------------------------------------


def test_premium_in_new_york_stays_at_nine_local_across_us_dst() -> None:
    posts = timeline(contract(PREMIUM, NEW_YORK))
    assert sorted(local_view(posts, NEW_YORK)) == sorted(PREMIUM_TIMELINE)
    # EST (UTC-5) before 14 Mar 2027, EDT (UTC-4) until 7 Nov 2027, then EST again.
    assert by_key(posts, "status-nudge:3").send_at == utc(2027, 3, 4, 14)
    assert by_key(posts, "status-last-call:3").send_at == utc(2027, 3, 22, 13)
    assert by_key(posts, "status-nudge:4").send_at == utc(2027, 4, 5, 13)
    assert by_key(posts, "status-nudge:11").send_at == utc(2027, 11, 4, 13)
    assert by_key(posts, "status-last-call:11").send_at == utc(2027, 11, 22, 14)
    assert by_key(posts, "term-closed").send_at == utc(2028, 1, 4, 14)


def test_pro_lite_in_helsinki_stays_at_nine_local_across_eu_dst() -> None:
    posts = timeline(contract(PRO_LITE, HELSINKI))
    # EET (UTC+2) before 28 Mar 2027, EEST (UTC+3) until 31 Oct 2027, then EET again.
    assert by_key(posts, "status-nudge:1").send_at == utc(2027, 1, 4, 7)
    # Mon 22 Mar is after the US change but before the EU one: still 07:00 UTC here.
    assert by_key(posts, "status-last-call:1").send_at == utc(2027, 3, 22, 7)
    assert by_key(posts, "status-nudge:2").send_at == utc(2027, 4, 5, 6)
    assert by_key(posts, "status-nudge:4").send_at == utc(2027, 10, 4, 6)
    assert by_key(posts, "status-last-call:4").send_at == utc(2027, 12, 21, 7)
    assert by_key(posts, "term-warning:30").send_at == utc(2027, 12, 6, 7)
    assert sorted(local_view(posts, HELSINKI)) == sorted(PRO_LITE_TIMELINE)


def test_business_hours_follow_the_local_clock_after_the_dst_change() -> None:
    facts = contract(PREMIUM, NEW_YORK)
    done = [k for k in all_keys(facts) if "status-nudge:3" in k]
    # Mon 22 Mar 2027 is EDT: 09:00 local is 13:00 UTC, not 14:00.
    assert sent(facts, utc(2027, 3, 22, 12, 59), done) == []
    assert sent(facts, utc(2027, 3, 22, 13, 0), done) == ["status-last-call:3"]
    # 17:00 EDT is 21:00 UTC: closed, although 21:00 UTC was still 16:00 in winter.
    assert sent(facts, utc(2027, 3, 22, 21, 0), done) == []


# -- 3. zones far from UTC ---------------------------------------------------------------------


def test_kiritimati_posts_on_the_local_weekday_not_the_utc_one() -> None:
    facts = contract(PREMIUM, KIRITIMATI)  # UTC+14 all year
    posts = timeline(facts)
    nudge_2 = by_key(posts, "status-nudge:2")
    # Thu 4 Feb 09:00 local is still Wed 3 Feb 19:00 in UTC.
    assert nudge_2.send_at == utc(2027, 2, 3, 19)
    assert nudge_2.send_at.astimezone(ZoneInfo(KIRITIMATI)).weekday() == 3
    # The 4th period starts Sun 4 Apr locally -> Mon 5 Apr 09:00 local = Sun 4 Apr 19:00 UTC.
    nudge_4 = by_key(posts, "status-nudge:4")
    assert nudge_4.send_at == utc(2027, 4, 4, 19)
    local = nudge_4.send_at.astimezone(ZoneInfo(KIRITIMATI))
    assert (local.date(), local.hour, local.weekday()) == (date(2027, 4, 5), 9, 0)
    # It goes out then (a Sunday in UTC), and not on the local Sunday morning before.
    assert "status-nudge:4" not in sent(facts, utc(2027, 4, 3, 20))  # Sun 4 Apr 10:00 local
    assert "status-nudge:4" in sent(facts, utc(2027, 4, 4, 19))


def test_auckland_first_nudge_is_monday_morning_local_sunday_utc() -> None:
    facts = contract(PRO_LITE, AUCKLAND)  # NZDT, UTC+13, in January
    posts = timeline(facts)
    assert by_key(posts, "status-nudge:1").send_at == utc(2027, 1, 3, 20)
    assert sent(facts, utc(2027, 1, 3, 20)) == ["status-nudge:1"]
    assert sent(facts, utc(2027, 1, 3, 19, 59)) == []
    # NZ DST ends Sun 4 Apr 2027: from then it is NZST, UTC+12.
    assert by_key(posts, "status-nudge:2").send_at == utc(2027, 4, 4, 21)
    assert sorted(local_view(posts, AUCKLAND)) == sorted(PRO_LITE_TIMELINE)


def test_pago_pago_business_hours_are_local() -> None:
    facts = contract(PREMIUM, PAGO_PAGO)  # UTC-11
    posts = timeline(facts)
    assert sorted(local_view(posts, PAGO_PAGO)) == sorted(PREMIUM_TIMELINE)
    # Period 9 starts Sat 4 Sep locally -> Mon 6 Sep 09:00 local = Mon 6 Sep 20:00 UTC.
    assert by_key(posts, "status-nudge:9").send_at == utc(2027, 9, 6, 20)
    # Mon 6 Sep 10:00 UTC is still Sun 5 Sep 23:00 there: nothing goes out.
    assert sent(facts, utc(2027, 9, 6, 10)) == []
    # Sat 5 Jun 03:30 UTC is Fri 4 Jun 16:30 there: the day's nudge still goes out.
    assert sent(facts, utc(2027, 6, 5, 3, 30)) == ["status-nudge:6"]
    # Sat 5 Jun 04:00 UTC is Fri 17:00 there: closed for the weekend.
    assert sent(facts, utc(2027, 6, 5, 4, 0)) == []


# -- 4. business hours -----------------------------------------------------------------------


def _pro_lite_with_early_monday_session() -> ContractFacts:
    # A session at Mon 11 Jan 2027 08:30 Helsinki, booked long before.
    return contract(
        PRO_LITE,
        sessions=[session(at(HELSINKI, 2027, 1, 11, 8, 30), scheduled_at=at(HELSINKI, 2027, 1, 2))],
    )


REMINDER_24H = f"session:1:reminder-24h:{int(utc(2027, 1, 11, 6, 30).timestamp())}"
REMINDER_1H = f"session:1:reminder-1h:{int(utc(2027, 1, 11, 6, 30).timestamp())}"


@pytest.mark.parametrize(
    ("now", "done", "expected"),
    [
        # The quarter's nudge was due Mon 4 Jan; the clock was down until the weekend.
        pytest.param(at(HELSINKI, 2027, 1, 9, 12), [], [], id="saturday-noon"),
        pytest.param(at(HELSINKI, 2027, 1, 10, 8, 30), [], [REMINDER_24H], id="sunday-reminder"),
        pytest.param(
            at(HELSINKI, 2027, 1, 11, 7, 30), [REMINDER_24H], [REMINDER_1H], id="monday-0730"
        ),
        pytest.param(
            at(HELSINKI, 2027, 1, 11, 8, 59), [REMINDER_24H, REMINDER_1H], [], id="monday-0859"
        ),
        pytest.param(
            at(HELSINKI, 2027, 1, 11, 9, 0),
            [REMINDER_24H, REMINDER_1H],
            ["status-nudge:1"],
            id="monday-0900",
        ),
        pytest.param(
            at(HELSINKI, 2027, 1, 11, 16, 59),
            [REMINDER_24H, REMINDER_1H],
            ["status-nudge:1"],
            id="monday-1659",
        ),
        pytest.param(
            at(HELSINKI, 2027, 1, 11, 17, 0), [REMINDER_24H, REMINDER_1H], [], id="monday-1700"
        ),
    ],
)
def test_posts_wait_for_weekday_business_hours_but_reminders_do_not(
    now: datetime, done: list[str], expected: list[str]
) -> None:
    assert sent(_pro_lite_with_early_monday_session(), now, done) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(at(HELSINKI, 2027, 1, 8, 17, 30), at(HELSINKI, 2027, 1, 11, 9), id="fri-1730"),
        pytest.param(at(HELSINKI, 2027, 1, 9, 11), at(HELSINKI, 2027, 1, 11, 9), id="saturday"),
        pytest.param(at(HELSINKI, 2027, 1, 10, 23), at(HELSINKI, 2027, 1, 11, 9), id="sun-night"),
        pytest.param(at(HELSINKI, 2027, 1, 11, 6), at(HELSINKI, 2027, 1, 11, 9), id="mon-early"),
        pytest.param(at(HELSINKI, 2027, 1, 12, 17), at(HELSINKI, 2027, 1, 13, 9), id="tue-1700"),
        pytest.param(
            at(HELSINKI, 2027, 1, 13, 10, 15), at(HELSINKI, 2027, 1, 13, 10, 15), id="in-hours"
        ),
        pytest.param(
            at(HELSINKI, 2027, 1, 8, 16, 59), at(HELSINKI, 2027, 1, 8, 16, 59), id="fri-1659"
        ),
    ],
)
def test_next_business_moment(moment: datetime, expected: datetime) -> None:
    assert next_business_moment(moment, HELSINKI, "FI") == expected


def test_next_business_moment_over_the_dst_weekend_is_nine_local() -> None:
    # Fri 12 Mar 2027 17:30 EST -> Mon 15 Mar 09:00 EDT (13:00 UTC, not 14:00).
    friday = at(NEW_YORK, 2027, 3, 12, 17, 30)
    assert next_business_moment(friday, NEW_YORK, "US") == utc(2027, 3, 15, 13)


def test_next_business_moment_uses_the_account_zone_not_utc() -> None:
    # Fri 17:30 in Helsinki is 15:30 UTC, but for a New York account it is Fri 10:30: open.
    moment = at(HELSINKI, 2027, 1, 8, 17, 30)
    assert next_business_moment(moment, NEW_YORK, "US") == moment


# -- 5. session reminders -------------------------------------------------------------------


def test_reminders_24h_and_1h_before_at_any_hour() -> None:
    starts = at(HELSINKI, 2027, 1, 11, 7)  # Monday 07:00, before business hours
    facts = contract(LAUNCH_KIT, sessions=[session(starts, scheduled_at=at(HELSINKI, 2027, 1, 5))])
    reminders = [p for p in timeline(facts) if p.is_reminder]
    assert [p.send_at for p in reminders] == [
        at(HELSINKI, 2027, 1, 10, 7),  # Sunday 07:00
        at(HELSINKI, 2027, 1, 11, 6),  # Monday 06:00
    ]
    key_24h, key_1h = (p.key for p in reminders)
    # Sunday 07:00 local is outside business hours; the reminder goes out anyway.
    assert sent(facts, at(HELSINKI, 2027, 1, 10, 7)) == [key_24h]
    assert sent(facts, at(HELSINKI, 2027, 1, 10, 6, 59)) == []
    assert sent(facts, at(HELSINKI, 2027, 1, 11, 6), [key_24h]) == [key_1h]
    assert all(p.session is not None and p.session.id == 1 for p in reminders)


@pytest.mark.parametrize("state", [SessionState.CANCELLED, SessionState.HELD])
def test_cancelled_or_held_sessions_get_no_reminders(state: SessionState) -> None:
    starts = at(HELSINKI, 2027, 1, 12, 14)
    facts = contract(LAUNCH_KIT, sessions=[session(starts, state=state)])
    assert not [p for p in timeline(facts) if p.is_reminder]
    assert sent(facts, at(HELSINKI, 2027, 1, 11, 14)) == []
    assert sent(facts, at(HELSINKI, 2027, 1, 12, 13, 30)) == []


def test_moved_session_is_reminded_afresh_under_new_keys() -> None:
    original = session(at(HELSINKI, 2027, 1, 12, 14), scheduled_at=at(HELSINKI, 2027, 1, 4, 10))
    before = contract(LAUNCH_KIT, sessions=[original])
    old_keys = [p.key for p in timeline(before) if p.is_reminder]
    assert sent(before, at(HELSINKI, 2027, 1, 11, 14)) == [old_keys[0]]

    # Moved on Mon 11 Jan 15:00 to Thu 14 Jan 10:00; the old 24h reminder already went out.
    moved = session(at(HELSINKI, 2027, 1, 14, 10), scheduled_at=at(HELSINKI, 2027, 1, 11, 15))
    after = contract(LAUNCH_KIT, sessions=[moved])
    new_keys = [p.key for p in timeline(after) if p.is_reminder]
    assert len(new_keys) == 2
    assert not set(new_keys) & set(old_keys)
    done = [old_keys[0]]
    assert sent(after, at(HELSINKI, 2027, 1, 12, 13, 30), done) == []  # the old time: nothing
    assert sent(after, at(HELSINKI, 2027, 1, 13, 10), done) == [new_keys[0]]
    assert sent(after, at(HELSINKI, 2027, 1, 14, 9), [*done, new_keys[0]]) == [new_keys[1]]


def test_session_booked_after_the_24h_mark_gets_only_the_1h_reminder() -> None:
    starts = at(HELSINKI, 2027, 1, 12, 15)
    booked = at(HELSINKI, 2027, 1, 12, 10)  # five hours ahead
    facts = contract(LAUNCH_KIT, sessions=[session(starts, scheduled_at=booked)])
    assert sent(facts, at(HELSINKI, 2027, 1, 12, 10, 1)) == []
    key_1h = [p.key for p in timeline(facts) if p.is_reminder][1]
    assert "reminder-1h" in key_1h
    assert sent(facts, at(HELSINKI, 2027, 1, 12, 14)) == [key_1h]
    assert [p.key for p in upcoming(facts, [], booked) if p.is_reminder] == [key_1h]


def test_session_booked_just_before_the_24h_mark_gets_both() -> None:
    starts = at(HELSINKI, 2027, 1, 13, 15)
    booked = at(HELSINKI, 2027, 1, 12, 14, 59)
    facts = contract(LAUNCH_KIT, sessions=[session(starts, scheduled_at=booked)])
    key_24h, key_1h = (p.key for p in timeline(facts) if p.is_reminder)
    assert sent(facts, at(HELSINKI, 2027, 1, 12, 15)) == [key_24h]
    assert sent(facts, at(HELSINKI, 2027, 1, 13, 14), [key_24h]) == [key_1h]


def test_no_reminder_once_the_session_has_started() -> None:
    starts = at(HELSINKI, 2027, 1, 12, 14)
    facts = contract(LAUNCH_KIT, sessions=[session(starts)])
    assert sent(facts, starts) == []
    assert sent(facts, starts + timedelta(minutes=5)) == []
    assert sent(facts, starts + timedelta(hours=3)) == []
    check = next_check(facts, [], starts + timedelta(minutes=5))
    assert check is not None and check > starts


def test_clock_down_until_just_before_the_session_sends_only_the_1h_reminder() -> None:
    starts = at(HELSINKI, 2027, 1, 12, 14)
    facts = contract(LAUNCH_KIT, sessions=[session(starts)])
    key_24h, key_1h = (p.key for p in timeline(facts) if p.is_reminder)
    result = plan(facts, [], at(HELSINKI, 2027, 1, 12, 13, 30))
    assert [p.key for p in result.send] == [key_1h]
    assert [p.key for p in result.superseded] == [key_24h]


# -- 6. moot rules ---------------------------------------------------------------------------


def _status_update(starts: datetime, state: SessionState = SessionState.BOOKED, id: int = 7):
    return session(
        starts,
        id=id,
        session_type=SessionType.STATUS_UPDATE,
        state=state,
        scheduled_at=at(HELSINKI, 2027, 1, 20, 10),
    )


def test_booked_status_update_silences_only_its_own_period() -> None:
    # Quarter 2 is [4 Apr, 4 Jul); its status update is on Mon 10 May.
    facts = contract(
        PRO_LITE, status_spent=1, sessions=[_status_update(at(HELSINKI, 2027, 5, 10, 10))]
    )
    assert sent(facts, at(HELSINKI, 2027, 4, 5, 10)) == []
    assert sent(facts, at(HELSINKI, 2027, 6, 21, 10)) == []
    assert sent(facts, at(HELSINKI, 2027, 7, 5, 10)) == ["status-nudge:3"]
    assert sent(facts, at(HELSINKI, 2027, 9, 20, 10), ["contract:1:status-nudge:3"]) == [
        "status-last-call:3"
    ]


def test_held_status_update_also_counts_for_its_period() -> None:
    facts = contract(
        PRO_LITE,
        status_spent=1,
        sessions=[_status_update(at(HELSINKI, 2027, 4, 12, 10), SessionState.HELD)],
    )
    assert sent(facts, at(HELSINKI, 2027, 6, 21, 10), ["contract:1:status-nudge:2"]) == []


def test_cancelled_status_update_brings_the_nudge_back() -> None:
    cancelled = _status_update(at(HELSINKI, 2027, 5, 10, 10), SessionState.CANCELLED)
    facts = contract(PRO_LITE, status_spent=0, sessions=[cancelled])
    assert sent(facts, at(HELSINKI, 2027, 4, 5, 10)) == ["status-nudge:2"]
    assert sent(facts, at(HELSINKI, 2027, 6, 21, 10), ["contract:1:status-nudge:2"]) == [
        "status-last-call:2"
    ]


def test_status_update_on_the_next_periods_first_day_does_not_count_for_this_one() -> None:
    # 4 Jul 00:30 Helsinki is quarter 3; the last call for quarter 2 still goes out.
    facts = contract(
        PRO_LITE, status_spent=1, sessions=[_status_update(at(HELSINKI, 2027, 7, 4, 0, 30))]
    )
    assert sent(facts, at(HELSINKI, 2027, 6, 21, 10), ["contract:1:status-nudge:2"]) == [
        "status-last-call:2"
    ]
    assert sent(facts, at(HELSINKI, 2027, 7, 5, 10)) == []
    # ... while 3 Jul 23:30 Helsinki is quarter 2 (although 20:30 UTC).
    facts = contract(
        PRO_LITE, status_spent=1, sessions=[_status_update(at(HELSINKI, 2027, 7, 3, 23, 30))]
    )
    assert sent(facts, at(HELSINKI, 2027, 6, 21, 10), ["contract:1:status-nudge:2"]) == []
    assert sent(facts, at(HELSINKI, 2027, 7, 5, 10)) == ["status-nudge:3"]


@pytest.mark.parametrize("package", [PRO_LITE, PREMIUM], ids=["pro-lite", "premium"])
def test_no_status_updates_left_means_no_nudges(package: Package) -> None:
    facts = contract(package, status_spent=package.status_updates)
    for post in timeline(facts):
        if post.kind in (PostKind.STATUS_NUDGE, PostKind.STATUS_LAST_CALL):
            due = plan(facts, [], post.send_at).send
            assert not [p for p in due if p.period is not None], post.key
    assert not [p for p in upcoming(facts, [], at(HELSINKI, 2027, 1, 1)) if p.period]


def test_launch_kit_without_minutes_gets_no_window_warning_but_gets_the_summary() -> None:
    facts = contract(LAUNCH_KIT, minutes_spent=240)
    for post in timeline(facts):
        if post.kind is PostKind.WINDOW_WARNING:
            assert plan(facts, [], post.send_at).send == [], post.key
    assert sent(facts, at(HELSINKI, 2027, 4, 5, 9)) == ["window-closed"]
    assert sent(facts, at(HELSINKI, 2028, 1, 4, 9), ["contract:1:window-closed"]) == ["term-closed"]


def test_launch_kit_with_minutes_left_is_warned() -> None:
    facts = contract(LAUNCH_KIT, minutes_spent=180)
    assert sent(facts, at(HELSINKI, 2027, 3, 4, 9)) == ["window-warning:30"]
    warning = by_key(plan(facts, [], at(HELSINKI, 2027, 3, 4, 9)).send, "window-warning:30")
    assert warning.days_before == 30


@pytest.mark.parametrize(
    ("minutes_spent", "status_spent", "warned"),
    [
        pytest.param(120, 4, False, id="nothing-left"),
        pytest.param(60, 4, True, id="minutes-left"),
        pytest.param(120, 3, True, id="status-update-left"),
        pytest.param(0, 0, True, id="everything-left"),
    ],
)
def test_term_warnings_only_while_something_is_left(
    minutes_spent: int, status_spent: int, warned: bool
) -> None:
    facts = contract(PRO_LITE, minutes_spent=minutes_spent, status_spent=status_spent)
    for now, key in [
        (at(HELSINKI, 2027, 12, 6, 10), "term-warning:30"),
        (at(HELSINKI, 2027, 12, 28, 10), "term-warning:7"),
    ]:
        warnings = [p.key for p in plan(facts, [], now).send if p.kind is PostKind.TERM_WARNING]
        assert warnings == ([f"contract:1:{key}"] if warned else [])
    # The closing summary goes out either way.
    closing = [p.kind for p in plan(facts, [], at(HELSINKI, 2028, 1, 4, 10)).send]
    assert closing == [PostKind.TERM_CLOSED]


def test_upcoming_shows_what_will_actually_go_out() -> None:
    facts = contract(LAUNCH_KIT, minutes_spent=240)
    shown = [p.kind for p in upcoming(facts, [], at(HELSINKI, 2027, 2, 1, 10))]
    assert shown == [PostKind.WINDOW_CLOSED, PostKind.TERM_CLOSED]
    done = ["contract:1:window-closed"]
    assert [p.kind for p in upcoming(facts, done, at(HELSINKI, 2027, 4, 6))] == [
        PostKind.TERM_CLOSED
    ]


# -- 7. exactly once -------------------------------------------------------------------------


def test_plan_leaves_out_what_is_already_done() -> None:
    facts = contract(PRO_LITE)
    monday = at(HELSINKI, 2027, 1, 4, 10)
    assert sent(facts, monday) == ["status-nudge:1"]
    assert sent(facts, monday, ["contract:1:status-nudge:1"]) == []
    assert sent(facts, monday + timedelta(days=1), ["contract:1:status-nudge:1"]) == []


def test_clock_down_from_day_55_to_day_85_sends_only_the_latest_window_warning() -> None:
    facts = contract(LAUNCH_KIT)
    assert START + timedelta(days=54) == date(2027, 2, 27)  # day 55
    assert sent(facts, at(HELSINKI, 2027, 2, 27, 12)) == []
    day_85 = at(HELSINKI, 2027, 3, 29, 10)  # Monday
    assert START + timedelta(days=84) == day_85.date()
    result = plan(facts, [], day_85)
    # Nothing spent: the pace warnings are a series too, the two-thirds one the latest.
    assert [p.key for p in result.send] == [
        "contract:1:pace:two-thirds",
        "contract:1:window-warning:7",
    ]
    assert sorted(p.key for p in result.superseded) == [
        "contract:1:pace:half",
        "contract:1:window-warning:14",
        "contract:1:window-warning:30",
    ]
    # Once those are recorded, the next sweep sends nothing more that day.
    done = [p.key for p in result.send + result.superseded]
    assert plan(facts, done, day_85 + timedelta(hours=1)).send == []
    assert sent(facts, at(HELSINKI, 2027, 4, 2, 9), done) == ["window-warning:1"]


def test_missed_nudge_is_superseded_by_the_periods_last_call() -> None:
    result = plan(contract(PRO_LITE), [], at(HELSINKI, 2027, 3, 22, 10))
    assert [p.key for p in result.send] == ["contract:1:status-last-call:1"]
    assert [p.key for p in result.superseded] == ["contract:1:status-nudge:1"]


def test_clock_down_across_the_window_end_sends_only_the_summary() -> None:
    result = plan(contract(LAUNCH_KIT), [], at(HELSINKI, 2027, 4, 6, 10))
    assert [p.key for p in result.send] == ["contract:1:window-closed"]
    assert result.superseded == []


def test_keys_are_stable_and_distinct_across_contracts() -> None:
    sessions = [session(at(HELSINKI, 2027, 1, 12, 14), id=5)]
    one = all_keys(contract(PREMIUM, sessions=sessions))
    assert one == all_keys(contract(PREMIUM, sessions=sessions))
    assert len(set(one)) == len(one)
    # Spending or booking does not rename the posts (the ledger is keyed on them).
    busy = contract(
        PREMIUM,
        minutes_spent=90,
        status_spent=3,
        sessions=[*sessions, _status_update(at(HELSINKI, 2027, 2, 10, 10))],
    )
    assert set(one) <= set(all_keys(busy))
    other = all_keys(
        contract(PREMIUM, contract_id=2, sessions=[session(at(HELSINKI, 2027, 1, 12, 14), id=6)])
    )
    assert not set(one) & set(other)
    renewal = all_keys(contract(PREMIUM, start=date(2028, 1, 4), contract_id=3))
    assert not set(one) & set(renewal)


# -- 8. next_check ---------------------------------------------------------------------------


def test_next_check_is_the_next_send_time() -> None:
    facts = contract(PRO_LITE)
    done = ["contract:1:status-nudge:1"]
    assert next_check(facts, done, at(HELSINKI, 2027, 1, 5, 10)) == at(HELSINKI, 2027, 3, 22, 9)


def test_next_check_skips_done_posts() -> None:
    facts = contract(PRO_LITE)
    done = ["contract:1:status-nudge:1", "contract:1:status-last-call:1"]
    assert next_check(facts, done, at(HELSINKI, 2027, 1, 5, 10)) == at(HELSINKI, 2027, 4, 5, 9)


def test_next_check_for_a_due_post_at_the_weekend_is_monday_morning() -> None:
    facts = contract(PRO_LITE)
    assert next_check(facts, [], at(HELSINKI, 2027, 1, 9, 10)) == at(HELSINKI, 2027, 1, 11, 9)
    # ... and right now when it is already business hours.
    tuesday = at(HELSINKI, 2027, 1, 5, 11)
    assert next_check(facts, [], tuesday) == tuesday


def test_next_check_for_a_due_reminder_is_now_even_at_night() -> None:
    starts = at(HELSINKI, 2027, 1, 10, 23)  # Sunday 23:00
    facts = contract(LAUNCH_KIT, sessions=[session(starts)])
    now = at(HELSINKI, 2027, 1, 10, 22, 10)
    key_24h = next(p.key for p in timeline(facts) if p.is_reminder)
    assert next_check(facts, [key_24h], now) == now


def test_next_check_does_not_keep_returning_a_moot_past_post() -> None:
    facts = contract(LAUNCH_KIT, minutes_spent=240)
    now = at(HELSINKI, 2027, 3, 5, 10)  # the 30-day warning was due yesterday, but is moot
    check = next_check(facts, [], now)
    assert check is not None and check > now
    assert check == at(HELSINKI, 2027, 3, 22, 9)


def test_next_check_is_none_after_the_term_closed_summary() -> None:
    facts = contract(LAUNCH_KIT)
    done = ["contract:1:term-closed"]
    assert next_check(facts, done, at(HELSINKI, 2028, 1, 4, 9, 1)) is None
    assert next_check(facts, done, at(HELSINKI, 2028, 6, 1)) is None
    # Not before the summary is done.
    assert next_check(facts, [], at(HELSINKI, 2028, 1, 1)) == at(HELSINKI, 2028, 1, 4, 9)


def test_next_check_is_none_once_even_a_missed_summary_is_stale() -> None:
    assert next_check(contract(PREMIUM), [], at(HELSINKI, 2028, 2, 1)) is None


# -- 9. status periods ------------------------------------------------------------------------


def test_eighteen_month_premium_has_twelve_even_periods() -> None:
    terms = ContractTerms(package=PREMIUM, start=START, term_months=18, timezone=HELSINKI)
    periods = status_periods(terms)
    assert [p.index for p in periods] == list(range(1, 13))
    assert all(p.count == 12 for p in periods)
    assert periods[0].start == START
    assert periods[-1].end == date(2028, 7, 4)
    assert all(a.end == b.start for a, b in itertools.pairwise(periods))
    # 547 days (2028 is a leap year) in twelve: 45 or 46 days each.
    assert (date(2028, 7, 4) - START).days == 547
    assert {(p.end - p.start).days for p in periods} <= {45, 46}
    assert sum((p.end - p.start).days for p in periods) == 547
    assert (periods[0].start, periods[0].end) == (date(2027, 1, 4), date(2027, 2, 18))


def test_eighteen_month_premium_timeline_has_twelve_nudges() -> None:
    posts = timeline(contract(PREMIUM, months=18))
    assert len([p for p in posts if p.kind is PostKind.STATUS_NUDGE]) == 12
    assert len([p for p in posts if p.kind is PostKind.STATUS_LAST_CALL]) == 12
    term_closed = by_key(posts, "term-closed")
    assert term_closed.send_at == at(HELSINKI, 2028, 7, 4, 9)  # a Tuesday


def test_twenty_four_month_pro_lite_has_half_year_periods() -> None:
    terms = ContractTerms(package=PRO_LITE, start=START, term_months=24, timezone=HELSINKI)
    assert [(p.start, p.end) for p in status_periods(terms)] == [
        (date(2027, 1, 4), date(2027, 7, 4)),
        (date(2027, 7, 4), date(2028, 1, 4)),
        (date(2028, 1, 4), date(2028, 7, 4)),
        (date(2028, 7, 4), date(2029, 1, 4)),
    ]


def test_monthly_periods_from_the_31st_follow_the_calendar() -> None:
    terms = ContractTerms(
        package=PREMIUM, start=date(2027, 1, 31), term_months=12, timezone=HELSINKI
    )
    periods = status_periods(terms)
    assert [p.start for p in periods[:4]] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert periods[-1].end == date(2028, 1, 31)


def test_launch_kit_has_no_status_periods() -> None:
    terms = ContractTerms(package=LAUNCH_KIT, start=START, term_months=12, timezone=HELSINKI)
    assert status_periods(terms) == []


# -- zones where midnight itself is skipped ----------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "start", "boundary"),
    [
        # Chile: clocks go 00:00 -> 01:00 on Sun 5 Sep 2027; quarter 3 starts that day.
        pytest.param("America/Santiago", date(2027, 3, 5), date(2027, 9, 5), id="santiago"),
        # Cuba: 00:00 -> 01:00 on Sun 14 Mar 2027; quarter 2 starts that day.
        pytest.param("America/Havana", date(2026, 12, 14), date(2027, 3, 14), id="havana"),
    ],
)
def test_period_starting_on_a_day_without_midnight(tz: str, start: date, boundary: date) -> None:
    facts = contract(PRO_LITE, tz, start=start)
    posts = timeline(facts)
    nudges = [p for p in posts if p.kind is PostKind.STATUS_NUDGE]
    assert len(nudges) == 4
    # The boundary is a Sunday: the nudge goes out on Monday at 09:00 local.
    monday = boundary + timedelta(days=1)
    assert any(p.send_at == at(tz, monday.year, monday.month, monday.day, 9) for p in nudges), (
        nudges
    )


# -- every post can actually go out ----------------------------------------------------------

STARTS = [date(2027, 1, 4) + timedelta(days=n) for n in range(7)]  # Mon 4 .. Sun 10 Jan


@pytest.mark.parametrize(
    ("package", "start"),
    [
        pytest.param(
            package,
            start,
            id=f"{package.id}-{start:%a}",
        )
        for package in (LAUNCH_KIT, PRO_LITE, PREMIUM)
        for start in STARTS
    ],
)
def test_every_post_is_sent_before_it_lapses(package: Package, start: date) -> None:
    facts = contract(package, start=start)
    for post in timeline(facts):
        assert post.expires_at is None or post.send_at < post.expires_at, post.key
        # With everything still left, each post goes out at its send time.
        assert post.key in [p.key for p in plan(facts, [], post.send_at).send], post.key


def test_last_window_warning_comes_on_friday_when_day_90_is_a_sunday() -> None:
    # Day 90 of a Launch Kit starting Tue 5 Jan 2027 is Sun 4 Apr: waiting for Monday would
    # be too late, so the 1-day warning goes out on Friday morning instead.
    facts = contract(LAUNCH_KIT, start=date(2027, 1, 5))
    [last] = [p for p in timeline(facts) if p.key.endswith("window-warning:1")]
    assert last.send_at == at(HELSINKI, 2027, 4, 2, 9)
    due = plan(facts, [], last.send_at).send
    assert [p.key for p in due if p.kind is not PostKind.PACE_WARNING] == [last.key]
