"""Per-account session numbers: people read and type #1, #2 … of their account; buttons and
metadata keep the global id (signed HTTP, SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

from conftest import STAFF, RunningBot, text_of
from sqlmodel import Session, select

from bot.domain.packages import SessionType
from bot.services.booking import Actor, BookingService
from storage.models import Contract, OnboardingSession

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")

BETA = "C_BETA"


def rows(bot: RunningBot) -> list[OnboardingSession]:
    with Session(bot.engine) as db:
        return list(db.exec(select(OnboardingSession).order_by(OnboardingSession.id)).all())


def test_each_account_counts_its_own_sessions_and_commands_take_the_number(
    bot: RunningBot,
) -> None:
    bot.link("premium", "2027-01-04")
    bot.link("premium", "2027-01-04", channel_id=BETA, company="Beta Oy")
    bot.command("kickoff 2027-02-01 10:00 30m")
    booked = bot.command("onboarding 2027-02-02 10:00 30m", channel_id=BETA)
    bot.command("training 2027-02-03 10:00 30m", channel_id=BETA)
    assert [(s.id, s.account_id, s.number) for s in rows(bot)] == [(1, 1, 1), (2, 2, 1), (3, 2, 2)]
    assert "*Onboarding* #1:" in text_of(booked)
    # The channel's post says #1; its buttons carry the session's id.
    first_post = bot.fake.wait_for_posts(BETA, 2)[0].args
    assert "*Onboarding* #1:" in text_of(first_post)
    buttons = [
        element
        for block in first_post["blocks"]
        if block.get("type") == "actions"
        for element in block["elements"]
    ]
    assert {b["value"] for b in buttons if b["action_id"] == "cancel_session"} == {"2"}

    listed = text_of(bot.command("list", channel_id=BETA))
    assert "*Onboarding* #1:" in listed and "*Software training* #2:" in listed
    assert "#3" not in listed

    # `cancel 2` in Beta's channel is Beta's #2 (id 3), not the session whose id is 2.
    cancelled = bot.command("cancel #2", channel_id=BETA)
    assert "Cancelled *Software training* #2:" in text_of(cancelled)
    assert [s.state for s in rows(bot)] == ["booked", "booked", "cancelled"]

    missing = bot.command("move 3 2027-02-05 10:00", channel_id=BETA)
    assert "There is no session #3 for *Beta Oy*" in text_of(missing)
    assert [s.starts_at.day for s in rows(bot)] == [1, 2, 3]

    # Cancelled numbers are not given again.
    bot.command("onboarding 2027-02-08 10:00 30m", channel_id=BETA)
    assert rows(bot)[-1].number == 3


def test_bookings_at_once_on_two_contracts_of_one_account_get_distinct_numbers(
    booking: BookingService,
) -> None:
    account, first = booking.link(ACTOR, "C_ACME", "premium", date(2027, 1, 4), "Acme Oy")
    with Session(booking.engine) as db:  # a renewal: the next year's contract
        db.add(
            Contract(
                account_id=account.id,
                package_id="premium",
                start=date(2028, 1, 4),
                term_months=12,
                included_minutes=120,
                status_updates=12,
            )
        )
        db.commit()
    barrier = threading.Barrier(8)
    starts = [datetime(2027 + i % 2, 2, 1, 8 + i, tzinfo=UTC) for i in range(8)]

    def book(starts_at: datetime) -> int:
        barrier.wait()
        change = booking.book(ACTOR, "C_ACME", SessionType.TRAINING, starts_at, 15, False)
        return change.session.number

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(book, starts))
    assert sorted(numbers) == list(range(1, 9))
    with Session(booking.engine) as db:
        contracts = {s.contract_id for s in db.exec(select(OnboardingSession)).all()}
    assert len(contracts) == 2 and first.id in contracts
