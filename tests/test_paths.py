"""Paths read only what they show: `list` of a long history, the App Home's next sessions and
the usage card's one transaction give the same answers as reading everything would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bot.blocks.base import LIST_LIMIT
from bot.blocks.sessions import session_list
from bot.domain.support import CaseCategory, CaseState
from bot.services.booking import Actor, BookingService
from bot.services.home import HomeService
from bot.services.support import SupportDesk
from storage.engine import read_session
from storage.models import Contract, OnboardingSession, SupportCase
from storage.overview import account_overview

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
ACTOR = Actor(user_id=STAFF, team_id=VENDOR_TEAM)
SESSION_ID = re.compile(r"#(\d+):")


def link(booking: BookingService, channel: str = CHANNEL, company: str = "Acme Oy") -> int:
    account, _contract = booking.link(ACTOR, channel, "premium", date(2027, 1, 4), company)
    assert account.id is not None
    return account.id


def add_sessions(engine: Engine, account_id: int, rows: list[tuple[datetime, str]]) -> None:
    """Sessions of (start, state) for the account's contract, in the order given (ids rise)."""
    with Session(engine) as db:
        contract_id = db.exec(select(Contract.id).where(Contract.account_id == account_id)).one()
        for number, (starts_at, state) in enumerate(rows, start=1):
            db.add(
                OnboardingSession(
                    account_id=account_id,
                    contract_id=contract_id,
                    session_type="training",
                    starts_at=starts_at,
                    number=number,
                    minutes_booked=30,
                    minutes_held=30 if state == "held" else None,
                    billable_minutes=30 if state == "held" else 0,
                    state=state,
                    booked_by=STAFF,
                    booked_by_team=VENDOR_TEAM,
                )
            )
        db.commit()


def long_history(now: datetime = NOW) -> list[tuple[datetime, str]]:
    """150 sessions: 60 booked ahead, 10 booked in the past and not logged, 50 held, 30
    cancelled (ahead), inserted out of start order; the booked ahead and the cancelled in pairs
    at the same moment (the first booked first)."""
    rows = []
    for i in range(60):
        rows.append((now + timedelta(days=1 + i // 2), "booked"))
    for i in range(10):
        rows.append((now - timedelta(days=1 + i), "booked"))
    for i in range(50):
        rows.append((now - timedelta(days=20 + i, hours=i % 2), "held"))
    for i in range(30):
        rows.append((now + timedelta(days=15 - i // 2, hours=2), "cancelled"))
    return rows[::3] + rows[1::3] + rows[2::3]


def expected_listing(
    sessions: list[OnboardingSession], now: datetime = NOW
) -> tuple[list[int], list[int], int, int]:
    """What `list` must show, from every session of the account sorted here."""
    ahead = [s for s in sessions if s.state == "booked" and s.starts_at >= now]
    others = [s for s in sessions if s not in ahead]
    ahead.sort(key=lambda s: (s.starts_at, s.id))
    others.sort(key=lambda s: (s.starts_at, s.id), reverse=True)
    return (
        [s.id for s in ahead[:LIST_LIMIT] if s.id],
        [s.id for s in others[:LIST_LIMIT] if s.id],
        len(ahead),
        len(others),
    )


def test_list_of_a_long_history_shows_the_first_ahead_and_the_latest_others(
    booking: BookingService, engine: Engine
) -> None:
    account_id = link(booking)
    add_sessions(engine, account_id, long_history())
    ahead, others, ahead_count, others_count = expected_listing(booking.sessions(CHANNEL)[1])
    assert (ahead_count, others_count) == (60, 90)

    message = session_list(booking.session_listing(CHANNEL, NOW, LIST_LIMIT), NOW)

    assert message.text == "Acme Oy: 150 sessions, 60 upcoming, 90 past or cancelled"
    shown = text_of(message.as_kwargs())
    upcoming_part, _, past_part = shown.partition("Past and cancelled")
    assert [int(i) for i in SESSION_ID.findall(upcoming_part)] == ahead
    assert [int(i) for i in SESSION_ID.findall(past_part)] == others
    assert "…and 20 more" in upcoming_part and "…and 50 more" in past_part
    # The latest 40 of the others: all 30 cancelled (ahead) and the 10 not logged.
    # (those not logged two business days after their end are flagged so)
    assert past_part.count("not logged") == 10 and past_part.count(", cancelled") == 30


def test_list_of_a_short_history_says_none_and_no_more(
    booking: BookingService, engine: Engine
) -> None:
    account_id = link(booking)
    add_sessions(engine, account_id, [(NOW - timedelta(days=2), "held")])
    message = session_list(booking.session_listing(CHANNEL, NOW, LIST_LIMIT), NOW)
    assert message.text == "Acme Oy: 1 session, 0 upcoming, 1 past or cancelled"
    shown = text_of(message.as_kwargs())
    assert "none" in shown.partition("Past and cancelled")[0]
    assert "more" not in shown


def test_list_command_of_a_long_history(bot: RunningBot) -> None:
    now = datetime.now(UTC)
    bot.link("premium", (now.date() - timedelta(days=30)).isoformat())
    account = bot.booking.account_for_channel(CHANNEL)
    assert account is not None and account.id is not None
    add_sessions(bot.engine, account.id, long_history(now))
    ahead, others, _, _ = expected_listing(bot.booking.sessions(CHANNEL)[1], now)

    listing = text_of(bot.command("list"))

    assert "Acme Oy: 150 sessions, 60 upcoming, 90 past or cancelled" in listing
    upcoming_part, _, past_part = listing.partition("Past and cancelled")
    assert [int(i) for i in SESSION_ID.findall(upcoming_part)] == ahead
    assert [int(i) for i in SESSION_ID.findall(past_part)] == others
    assert "…and 20 more" in upcoming_part and "…and 50 more" in past_part


# -- the App Home's next session ------------------------------------------------------------


def test_next_session_is_the_first_booked_ahead_and_a_tie_goes_to_the_first_booked(
    booking: BookingService, engine: Engine
) -> None:
    busy = link(booking, "C_BUSY", "Busy")
    quiet = link(booking, "C_QUIET", "Quiet")
    soon = NOW + timedelta(days=2)
    add_sessions(
        engine,
        busy,
        [
            (NOW + timedelta(days=9), "booked"),
            (NOW + timedelta(days=1), "cancelled"),  # sooner, but cancelled
            (NOW - timedelta(hours=1), "booked"),  # booked, but started already
            (soon, "booked"),  # the first booked of the two at `soon`
            (soon, "booked"),
        ],
    )
    add_sessions(engine, quiet, [(NOW + timedelta(days=1), "cancelled")])
    with Session(engine) as db:
        at_soon = db.exec(
            select(OnboardingSession.id).where(
                OnboardingSession.account_id == busy, OnboardingSession.starts_at == soon
            )
        ).all()
    first_at_soon = min(i or 0 for i in at_soon)
    with read_session(engine) as db:
        page, total = account_overview(db, vendor_contact_id=STAFF, offset=0, limit=20, now=NOW)
    assert total == 2 and [s.company for s in page] == ["Busy", "Quiet"]
    busy_row, quiet_row = page
    assert busy_row.next_session is not None
    assert (busy_row.next_session.id, busy_row.next_session.starts_at) == (first_at_soon, soon)
    assert quiet_row.next_session is None


# -- the usage card: one read transaction ---------------------------------------------------


@contextmanager
def counted(engine: Engine) -> Iterator[dict[str, int]]:
    """Transactions begun, and statements that read the account table, meanwhile."""
    counts = {"transactions": 0, "account reads": 0}

    def on_begin(_connection: Any) -> None:
        counts["transactions"] += 1

    def on_statement(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if re.search(r"FROM account\b", statement):
            counts["account reads"] += 1

    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield counts
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "before_cursor_execute", on_statement)


def open_cases(engine: Engine, account_id: int) -> list[int]:
    """An overdue untaken case, an older taken one and a resolved one; the open ones' ids,
    overdue untaken first (before the older one)."""
    cases = [
        (CaseState.TAKEN, STAFF, 12),
        (CaseState.OPEN, None, 4),
        (CaseState.RESOLVED, STAFF, 3),
    ]
    with Session(engine) as db:
        rows = [
            SupportCase(
                account_id=account_id,
                category=CaseCategory.TECHNICAL_ISSUE.value,
                opened_by="U_BUYER",
                opened_by_team="T_CUSTOMER",
                state=state.value,
                taken_by=taken_by,
                created_at=NOW - timedelta(days=days_ago),
            )
            for state, taken_by, days_ago in cases
        ]
        db.add_all(rows)
        db.commit()
        return [rows[1].id or 0, rows[0].id or 0]


def test_usage_card_is_one_read_transaction_with_its_open_cases(engine: Engine) -> None:
    booking = BookingService(engine, "Europe/Helsinki", now=lambda: NOW)
    account_id = link(booking)
    add_sessions(engine, account_id, [(NOW + timedelta(days=3), "booked")])
    wanted_cases = open_cases(engine, account_id)

    with counted(engine) as by_channel:
        usage = booking.usage(CHANNEL, NOW)
    with counted(engine) as by_id:
        shown = HomeService(booking).account_usage(account_id)

    assert by_channel == {"transactions": 1, "account reads": 1}
    assert by_id == {"transactions": 1, "account reads": 1}
    assert [c.id for c in usage.open_cases] == wanted_cases
    assert [c.id for c in shown.cases] == wanted_cases
    assert [c.id for c in SupportDesk(booking).open_cases(account_id, NOW)] == wanted_cases
    assert usage.account.id == shown.usage.account.id == account_id
    assert usage.next_session is not None and usage.next_session.starts_at > NOW
