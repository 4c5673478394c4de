"""Booking use cases against a real database: reserve, release, log actual minutes, audit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from conftest import CHANNEL, STAFF
from sqlmodel import Session, select

from bot.domain.errors import RuleViolation
from bot.domain.packages import SessionType
from bot.services.booking import Actor, BookingService, NeedsBillableConfirmation
from storage.models import AuditEvent

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")
NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
JAN_12 = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


@pytest.fixture
def service(booking: BookingService) -> BookingService:
    booking.now = lambda: NOW
    return booking


def audit(service: BookingService) -> list[tuple[str, dict]]:
    with Session(service.engine) as db:
        events = db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(e.action, json.loads(e.details)) for e in events]


def test_done_with_fewer_minutes_gives_the_rest_back(service: BookingService) -> None:
    service.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme")
    booked = service.book(ACTOR, CHANNEL, SessionType.TRAINING, JAN_12, 60, False)
    held = service.log_held(ACTOR, CHANNEL, booked.session.id, 35, False)
    assert held.session.minutes_held == 35
    assert held.contract.minutes_spent == 35
    usage = service.usage(CHANNEL, NOW)
    assert (usage.minutes_held, usage.minutes_reserved) == (35, 0)


def test_done_longer_than_what_is_left_needs_billable(service: BookingService) -> None:
    service.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme")
    service.book(ACTOR, CHANNEL, SessionType.TRAINING, JAN_12, 60, False)
    second = service.book(ACTOR, CHANNEL, SessionType.ONBOARDING, JAN_12, 45, False)
    service.book(ACTOR, CHANNEL, SessionType.KICKOFF, JAN_12, 15, False)
    # All 120 are spent; the 45-minute session ran the full hour.
    with pytest.raises(NeedsBillableConfirmation, match="billable"):
        service.log_held(ACTOR, CHANNEL, second.session.id, 60, False)
    assert service.usage(CHANNEL, NOW).balance.minutes_left == 0

    held = service.log_held(ACTOR, CHANNEL, second.session.id, 60, True)
    assert (held.session.included_minutes, held.session.billable_minutes) == (45, 15)
    assert held.contract.minutes_spent == 120
    assert [action for action, _ in audit(service)][-2:] == ["log_held", "billable_confirmed"]


def test_done_can_correct_a_logged_session(service: BookingService) -> None:
    service.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme")
    booked = service.book(ACTOR, CHANNEL, SessionType.TRAINING, JAN_12, 60, False)
    service.log_held(ACTOR, CHANNEL, booked.session.id, 50, False)
    corrected = service.log_held(ACTOR, CHANNEL, booked.session.id, 30, False)
    assert corrected.session.minutes_held == 30
    assert corrected.contract.minutes_spent == 30


def test_confirmed_billable_time_does_not_need_confirming_again(service: BookingService) -> None:
    service.link(ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme")
    late = datetime(2027, 4, 20, 10, 0, tzinfo=UTC)  # after day 90
    booked = service.book(ACTOR, CHANNEL, SessionType.KICKOFF, late, 60, True)
    assert booked.session.billable_minutes == 60
    held = service.log_held(ACTOR, CHANNEL, booked.session.id, 50, False)
    assert held.session.billable_minutes == 50


def test_moving_out_of_the_window_records_the_billable_confirmation(
    service: BookingService,
) -> None:
    service.link(ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme")
    booked = service.book(ACTOR, CHANNEL, SessionType.KICKOFF, JAN_12, 30, False)
    late = datetime(2027, 4, 20, 10, 0, tzinfo=UTC)
    moved = service.move(ACTOR, CHANNEL, booked.session.id, late, True)
    assert (moved.session.included_minutes, moved.session.billable_minutes) == (0, 30)
    assert moved.contract.minutes_spent == 0
    actions = [action for action, _ in audit(service)]
    assert actions == ["link", "book", "move", "billable_confirmed"]


def test_cancelled_and_held_sessions_cannot_be_moved(service: BookingService) -> None:
    service.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme")
    booked = service.book(ACTOR, CHANNEL, SessionType.KICKOFF, JAN_12, 30, False)
    service.cancel(ACTOR, CHANNEL, booked.session.id)
    with pytest.raises(RuleViolation, match="only booked sessions can be moved"):
        service.move(ACTOR, CHANNEL, booked.session.id, JAN_12, False)
    with pytest.raises(RuleViolation, match="was cancelled"):
        service.log_held(ACTOR, CHANNEL, booked.session.id, None, False)


def test_a_status_update_on_a_launch_kit_is_billable(service: BookingService) -> None:
    service.link(ACTOR, CHANNEL, "launch-kit", date(2027, 1, 4), "Acme")
    with pytest.raises(NeedsBillableConfirmation, match="no status updates are left"):
        service.book(ACTOR, CHANNEL, SessionType.STATUS_UPDATE, JAN_12, 30, False)
    booked = service.book(ACTOR, CHANNEL, SessionType.STATUS_UPDATE, JAN_12, 30, True)
    assert not booked.session.uses_status_update
    assert booked.session.billable_minutes == 30
    assert booked.contract.minutes_spent == 0


def test_every_change_is_audited_with_who_and_what(service: BookingService) -> None:
    service.link(ACTOR, CHANNEL, "premium", date(2027, 1, 4), "Acme")
    booked = service.book(ACTOR, CHANNEL, SessionType.KICKOFF, JAN_12, 30, False)
    service.cancel(ACTOR, CHANNEL, booked.session.id)
    service.set_timezone(ACTOR, CHANNEL, "America/Chicago")
    trail = audit(service)
    assert [action for action, _ in trail] == ["link", "book", "cancel", "timezone"]
    assert trail[1][1]["minutes"] == 30 and trail[1][1]["included_minutes"] == 30
    assert trail[2][1]["released"]["included_minutes"] == 30
    assert trail[3][1] == {"from": "Europe/Helsinki", "to": "America/Chicago"}
    with Session(service.engine) as db:
        first = db.exec(select(AuditEvent)).first()
        assert (first.actor_user_id, first.actor_team_id) == (STAFF, "T_VENDOR")
        assert first.at.tzinfo is not None
