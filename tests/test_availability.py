"""Working hours, free slots and clashes (bot/domain/availability.py): the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import commands
from bot.domain.availability import (
    BadHours,
    Busy,
    WorkingHours,
    clashes,
    days_code,
    free_slots,
    outside_hours,
    parse_days,
    parse_working_hours,
)
from bot.domain.errors import InvalidCommand

HELSINKI = "Europe/Helsinki"
ZONES = ("Europe/Helsinki", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe", "UTC")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", {1, 2, 3, 4, 5}),
        ("mon,wed,fri", {1, 3, 5}),
        ("1-5", {1, 2, 3, 4, 5}),
        ("ma-pe", {1, 2, 3, 4, 5}),
        ("ma,ke,pe", {1, 3, 5}),
        ("to", {4}),  # torstai
        ("fri-mon", {5, 6, 7, 1}),  # a range may wrap the week
        ("Monday,TUE", {1, 2}),
        ("mon-wed,fri", {1, 2, 3, 5}),
    ],
)
def test_days_are_read_in_english_finnish_and_numbers(days: str, expected: set[int]) -> None:
    assert parse_days(days) == frozenset(expected)


def test_hours_default_to_weekdays_and_are_written_back_as_typed() -> None:
    hours = parse_working_hours("8:30-16:00", [])
    assert hours == WorkingHours(8 * 60 + 30, 16 * 60, frozenset({1, 2, 3, 4, 5}))
    assert hours.code() == "08:30-16:00 mon-fri"
    assert parse_working_hours("10:00-24:00", ["mon", "wed"]).code() == "10:00-24:00 mon,wed"
    assert days_code({1, 2, 3, 5, 6}) == "mon-wed,fri,sat"


@pytest.mark.parametrize(
    ("range_token", "days", "said"),
    [
        ("9-17", [], "`9-17` is not working hours in the form HH:MM-HH:MM."),
        ("25:00-26:00", [], "is not working hours"),
        ("17:00-09:00", [], "the end is not after the start"),
        ("09:00-09:00", [], "the end is not after the start"),
        ("09:00-17:00", ["funday"], "`funday` is not a day"),
        ("09:00-17:00", ["8"], "`8` is not a day"),
    ],
)
def test_bad_hours_say_what_is_wrong(range_token: str, days: list[str], said: str) -> None:
    with pytest.raises(BadHours) as refused:
        parse_working_hours(range_token, days)
    assert said in str(refused.value)


# -- outside hours and clashes -----------------------------------------------------------------


def test_outside_hours_reads_the_persons_own_wall_clock() -> None:
    hours = WorkingHours()  # 09:00-17:00 mon-fri
    # Tue 12 Jan 2027: Helsinki is UTC+2.
    assert not outside_hours(utc(2027, 1, 12, 7), utc(2027, 1, 12, 8), hours, HELSINKI)
    assert outside_hours(utc(2027, 1, 12, 6, 30), utc(2027, 1, 12, 7, 30), hours, HELSINKI)
    assert not outside_hours(utc(2027, 1, 12, 14), utc(2027, 1, 12, 15), hours, HELSINKI)
    assert outside_hours(utc(2027, 1, 12, 14, 30), utc(2027, 1, 12, 15, 30), hours, HELSINKI)
    # Saturday, and a Finnish public holiday when the country is given (Epiphany).
    assert outside_hours(utc(2027, 1, 16, 8), utc(2027, 1, 16, 9), hours, HELSINKI)
    assert not outside_hours(utc(2027, 1, 6, 8), utc(2027, 1, 6, 9), hours, HELSINKI)
    assert outside_hours(utc(2027, 1, 6, 8), utc(2027, 1, 6, 9), hours, HELSINKI, "FI")
    # Hours to midnight: a session ending at 24:00 is inside.
    late = WorkingHours(20 * 60, 24 * 60, frozenset(range(1, 8)))
    assert not outside_hours(utc(2027, 1, 12, 21), utc(2027, 1, 12, 22), late, HELSINKI)
    assert outside_hours(utc(2027, 1, 12, 21, 30), utc(2027, 1, 12, 22, 30), late, HELSINKI)


def test_clashes_overlap_but_touching_ends_do_not() -> None:
    busy = [Busy(utc(2027, 1, 12, 8), utc(2027, 1, 12, 9), 1, "kickoff", "Acme")]
    assert clashes(utc(2027, 1, 12, 8, 30), utc(2027, 1, 12, 9, 30), busy) == busy
    assert clashes(utc(2027, 1, 12, 9), utc(2027, 1, 12, 10), busy) == []
    assert clashes(utc(2027, 1, 12, 7), utc(2027, 1, 12, 8), busy) == []
    assert clashes(utc(2027, 1, 12, 7), utc(2027, 1, 12, 10), busy) == busy


# -- free slots --------------------------------------------------------------------------------


def test_free_slots_skip_busy_time_nights_weekends_and_holidays() -> None:
    hours = WorkingHours()
    busy = [Busy(utc(2027, 1, 8, 7), utc(2027, 1, 8, 8, 30))]  # Fri 09:00-10:30 Helsinki
    # Thursday 16:10 Helsinki: nothing more that day; Friday from 10:30; then Monday.
    now = utc(2027, 1, 7, 14, 10)
    slots = free_slots(hours, HELSINKI, busy, now, length=60, count=14)
    local = [s.astimezone(ZoneInfo(HELSINKI)).strftime("%a %H:%M") for s in slots]
    assert local[:3] == ["Fri 10:30", "Fri 11:00", "Fri 11:30"]
    assert local[12:14] == ["Mon 09:00", "Mon 09:30"]  # Fri ends 16:00-17:00
    # Epiphany (Wed 6 Jan 2027) is skipped when the country is known.
    on_holiday = free_slots(hours, HELSINKI, [], utc(2027, 1, 5, 15), count=1, country="FI")
    assert on_holiday == [utc(2027, 1, 7, 7)]


def test_free_slots_keep_their_wall_clock_hours_over_a_dst_change() -> None:
    hours = WorkingHours(9 * 60, 10 * 60, frozenset(range(1, 8)))
    # Europe: clocks go forward on Sunday 28 Mar 2027.
    slots = free_slots(hours, HELSINKI, [], utc(2027, 3, 27, 0), count=2, length=60)
    assert slots == [utc(2027, 3, 27, 7), utc(2027, 3, 28, 6)]  # 09:00 EET, then 09:00 EEST


def test_a_wall_clock_time_skipped_by_dst_is_not_offered() -> None:
    # New York, 14 Mar 2027: 02:00-03:00 does not exist.
    hours = WorkingHours(2 * 60, 4 * 60, frozenset(range(1, 8)))
    slots = free_slots(hours, "America/New_York", [], utc(2027, 3, 14, 0), count=3, length=30)
    local = [s.astimezone(ZoneInfo("America/New_York")) for s in slots]
    assert all(not (2 <= moment.hour < 3) for moment in local[:2])
    assert all(s.astimezone(ZoneInfo("America/New_York")).day == 14 for s in slots[:2])


# -- properties --------------------------------------------------------------------------------

minutes_of_day = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    start = draw(st.integers(min_value=0, max_value=23 * 60))
    end = draw(st.integers(min_value=start + 30, max_value=24 * 60))
    days = draw(st.frozensets(st.integers(min_value=1, max_value=7), min_size=1))
    return WorkingHours(start, end, days)


moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)


@st.composite
def busy_list(draw: st.DrawFn, around: datetime) -> list[Busy]:
    items = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        start = around + timedelta(minutes=draw(st.integers(min_value=-120, max_value=14 * 1440)))
        length = draw(st.integers(min_value=1, max_value=60))
        items.append(Busy(start, start + timedelta(minutes=length)))
    return items


@settings(max_examples=150, deadline=None)
@given(
    hours=working_hours(),
    tz_name=st.sampled_from(ZONES),
    now=moments,
    length=st.sampled_from((15, 30, 45, 60)),
    data=st.data(),
)
def test_free_slots_are_free_inside_hours_sorted_and_ahead(
    hours: WorkingHours, tz_name: str, now: datetime, length: int, data: st.DataObject
) -> None:
    busy = data.draw(busy_list(now))
    slots = free_slots(hours, tz_name, busy, now, length=length, count=10)
    assert slots == sorted(set(slots))
    assert len(slots) <= 10
    for start in slots:
        end = start + timedelta(minutes=length)
        assert start >= now
        assert not clashes(start, end, busy)
        assert not outside_hours(start, end, hours, tz_name)


# -- the command forms ----------------------------------------------------------------------------


def test_anyway_confirms_a_clash_in_the_booking_and_move_forms() -> None:
    book = commands.parse("kickoff 2027-01-12 10:00 anyway 30m billable")
    assert isinstance(book, commands.Book)
    assert (book.minutes, book.billable, book.anyway) == (30, True, True)
    move = commands.parse("move 4 2027-01-12 10:00 anyway")
    assert isinstance(move, commands.Move) and move.anyway and not move.billable
    assert not commands.parse("kickoff 2027-01-12 10:00").anyway  # type: ignore[union-attr]
    for text in ("kickoff 2027-01-12 10:00 anyway anyway", "done 4 anyway"):
        with pytest.raises(InvalidCommand, match="I did not understand `anyway`"):
            commands.parse(text)


def test_hours_alone_shows_them_and_with_a_range_sets_them() -> None:
    assert commands.parse("hours") == commands.WorkingHoursCommand(None)
    assert commands.parse("hours 07:00-15:00 mon-thu") == commands.WorkingHoursCommand(
        WorkingHours(7 * 60, 15 * 60, frozenset({1, 2, 3, 4}))
    )
    with pytest.raises(InvalidCommand) as refused:
        commands.parse("hours 7-15")
    assert "Use `/oura-book hours &lt;HH:MM&gt;-&lt;HH:MM&gt; [days]`." in str(refused.value)
