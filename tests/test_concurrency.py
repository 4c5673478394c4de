"""Concurrent bookings never spend more than is left, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

from conftest import CHANNEL, STAFF, RunningBot, text_of
from sqlalchemy import func
from sqlmodel import Session, select

from bot.domain.packages import SessionType
from bot.services.booking import Actor, BookingService, NeedsBillableConfirmation
from storage.models import Contract, OnboardingSession

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")


def spent_and_sum(service: BookingService) -> tuple[int, int]:
    """The contract's counter, and the included minutes its live sessions add up to."""
    with Session(service.engine) as db:
        contract = db.exec(select(Contract)).one()
        total = db.exec(
            select(func.coalesce(func.sum(OnboardingSession.included_minutes), 0)).where(
                OnboardingSession.state != "cancelled"
            )
        ).one()
        return contract.minutes_spent, int(total)


def test_24_threads_booking_at_once_spend_at_most_what_is_left(booking: BookingService) -> None:
    booking.link(ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme Oy")
    start = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
    barrier = threading.Barrier(24)

    def book(i: int) -> str:
        barrier.wait()
        try:
            booking.book(
                ACTOR, CHANNEL, SessionType.TRAINING, start + timedelta(hours=i), 45, False
            )
            return "booked"
        except NeedsBillableConfirmation:
            return "refused"

    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(book, range(24)))

    # 240 included minutes hold five 45-minute sessions (225); the sixth would go billable.
    assert outcomes.count("booked") == 5
    assert outcomes.count("refused") == 19
    assert spent_and_sum(booking) == (225, 225)


def test_threads_mixing_bookings_and_cancellations_stay_consistent(
    booking: BookingService,
) -> None:
    booking.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme Oy")
    start = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    first = [
        booking.book(ACTOR, CHANNEL, SessionType.KICKOFF, start, 30, False).session.id
        for _ in range(4)
    ]
    barrier = threading.Barrier(20)

    def work(i: int) -> None:
        barrier.wait()
        if i < 4:
            booking.cancel(ACTOR, CHANNEL, first[i])
            return
        with contextlib.suppress(NeedsBillableConfirmation):
            booking.book(ACTOR, CHANNEL, SessionType.ONBOARDING, start, 20, i % 2 == 0)

    with ThreadPoolExecutor(20) as pool:
        list(pool.map(work, range(20)))

    spent, total = spent_and_sum(booking)
    assert spent == total
    assert spent <= 120


def test_50_concurrent_http_bookings_spend_at_most_what_is_left(bot: RunningBot) -> None:
    bot.link("launch-kit", (date.today() - timedelta(days=5)).isoformat())
    day = (date.today() + timedelta(days=7)).isoformat()
    keys = [f"c{i}" for i in range(50)]
    barrier = threading.Barrier(50)

    def send(i: int) -> int:
        barrier.wait()
        reply = bot.sender.command(
            # Overlapping times, some before 09:00: `anyway`, this is about the quota.
            f"training {day} {8 + i // 6:02d}:{(i % 6) * 10:02d} 30m anyway",
            user_id=STAFF,
            channel_id=CHANNEL,
            response_url=bot.fake.response_url(keys[i]),
        )
        return reply.status

    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(send, range(50)))
    assert statuses == [200] * 50

    answers = [bot.fake.wait_for_responses(key, 1, timeout=30)[0].body for key in keys]
    booked = [a for a in answers if text_of(a).startswith("Booked")]
    refused = [a for a in answers if "billable" in text_of(a) and a not in booked]
    assert len(booked) == 8  # 240 / 30
    assert len(refused) == 42
    assert spent_and_sum(bot.booking) == (240, 240)
    assert len(bot.fake.wait_for_posts(CHANNEL, 8)) == 8
