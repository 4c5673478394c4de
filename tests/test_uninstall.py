"""Uninstall (issue 18): Slack's `app_uninstalled` and `tokens_revoked`, signed to the served
app, stop the clock until Slack accepts the bot token again; `user_change` with `deleted`
flags a vendor contact's accounts as having no contact on the App Home."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime

import pytest
from conftest import STAFF, STAFF_NY, VENDOR_TEAM, RunningBot, text_of
from slackfixtures import Person, app_uninstalled, event_callback, tokens_revoked, user_change_event
from sqlalchemy import text
from sqlmodel import Session
from test_home import checked, clicked

from bot.blocks.ids import HOME_ALL
from bot.clock import Sweeper, clock_web_client
from bot.services.booking import Actor, BookingService
from storage.installation import uninstalled_since
from storage.models import InstallationState, StaffMember

VENDOR = Person(STAFF, VENDOR_TEAM)
# Wednesday 2027-03-03 in Helsinki business hours; a launch kit from 2027-01-04 has its
# 30-day window warning due the next day (tests/test_clock_sweep.py).
WEDNESDAY = datetime(2027, 3, 3, 8, 0, tzinfo=UTC)
THURSDAY = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)


def linked(bot: RunningBot, channel: str = "C1") -> None:
    booking = BookingService(bot.engine, "Europe/Helsinki", now=lambda: WEDNESDAY)
    booking.link(
        Actor(STAFF, VENDOR_TEAM), channel, "launch-kit", date(2027, 1, 4), f"Customer {channel}"
    )


def send_event(bot: RunningBot, body: str, **options: object) -> None:
    reply = bot.sender.send(body, "application/json", **options)  # type: ignore[arg-type]
    assert reply.status == 200, (reply.status, reply.body)


def state(bot: RunningBot) -> InstallationState | None:
    with Session(bot.engine) as db:
        return db.get(InstallationState, 1)


def clock(bot: RunningBot) -> Sweeper:
    return Sweeper(bot.engine, clock_web_client("xoxb-test", bot.fake.api_url), pace_seconds=0)


def test_after_app_uninstalled_a_sweep_sends_nothing_and_a_reinstall_resumes(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    linked(bot)
    send_event(bot, app_uninstalled(team=VENDOR))
    bot.fake.wait_for(lambda: uninstalled_since(bot.engine), message="the uninstall recorded")
    row = state(bot)
    assert row is not None and row.reason == "app_uninstalled"

    # Slack revoked the token: auth.test refuses it, so the clock stays stopped.
    bot.fake.fail("auth.test", 200, times=2, error="invalid_auth")
    sweeper = clock(bot)
    with caplog.at_level(logging.WARNING, logger="oura.clock"):
        first, second = sweeper.sweep(THURSDAY), sweeper.sweep(THURSDAY)
    assert first.sent == second.sent == []
    assert bot.fake.posts() == []
    said = [r.getMessage() for r in caplog.records if r.name == "oura.clock"]
    assert len(said) == 1 and "sends nothing" in said[0]  # said once, not every sweep

    # Installed again: Slack accepts the token, the next sweep says so and posts.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="oura.clock"):
        resumed = sweeper.sweep(THURSDAY)
    # Everything due while it was stopped: the window warning, and the pace warning of a
    # contract that has booked nothing by half its window.
    assert sorted(resumed.sent) == ["contract:1:pace:half", "contract:1:window-warning:30"]
    assert [call.args["channel"] for call in bot.fake.posts()] == ["C1", "C1"]
    assert uninstalled_since(bot.engine) is None
    row = state(bot)
    assert row is not None and row.reinstalled_at is not None
    assert any("posts resume" in r.getMessage() for r in caplog.records)


def test_tokens_revoked_stops_the_clock_only_for_the_bot_token_and_acts_once(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    linked(bot)
    with caplog.at_level(logging.WARNING, logger="oura.installation"):
        # A user token revoked (the app uses none): nothing changes, nothing is recorded.
        send_event(bot, tokens_revoked(team=VENDOR, bot=[], oauth=["U_SOMEONE"]))
        body = tokens_revoked(team=VENDOR, bot=["U_OURA_BOT"], oauth=[])
        sent_at = int(time.time())
        send_event(bot, body, timestamp=sent_at)
        # Slack's retry of the same delivery, signed afresh.
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        send_event(bot, body, timestamp=sent_at + 3, headers=retry)
        bot.fake.wait_for(lambda: uninstalled_since(bot.engine), message="the revocation")
        bot.fake.wait_for(
            lambda: _processed(bot) == 1 or None, message="the delivery marked as handled"
        )
    row = state(bot)
    assert row is not None and row.reason == "tokens_revoked"
    assert len([r for r in caplog.records if r.name == "oura.installation"]) == 1

    bot.fake.fail("auth.test", 200, times=1, error="token_revoked")
    assert clock(bot).sweep(THURSDAY).sent == []
    assert bot.fake.posts() == []


def _processed(bot: RunningBot) -> int:
    with bot.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM processed_event")).scalar() or 0)


def user_change(bot: RunningBot, person: Person, deleted: bool) -> None:
    event = user_change_event(person, deleted=deleted)
    send_event(bot, event_callback("event_callback.channel_shared.json", event, team=VENDOR))


def deactivated(bot: RunningBot, user_id: str) -> bool | None:
    with Session(bot.engine) as db:
        row = db.get(StaffMember, user_id)
        return None if row is None else row.deactivated_at is not None


def test_a_deactivated_vendor_contact_shows_no_contact_on_the_app_home(bot: RunningBot) -> None:
    linked(bot, "C1")
    BookingService(bot.engine, "Europe/Helsinki", now=lambda: WEDNESDAY).link(
        Actor(STAFF_NY, VENDOR_TEAM), "C2", "launch-kit", date(2027, 1, 4), "Other customer"
    )
    user_change(bot, VENDOR, deleted=True)
    bot.fake.wait_for(lambda: deactivated(bot, STAFF), message="the deactivation")

    view = checked(clicked(bot, HOME_ALL, "all:1", user_id=STAFF_NY))
    cards = [text_of({"blocks": [block]}) for block in view["blocks"]]
    [staff_card] = [c for c in cards if "Customer C1" in c]
    [other_card] = [c for c in cards if "Other customer" in c]
    assert "*no contact*" in staff_card and "/oura-book contact vendor" in staff_card
    assert "no contact" not in other_card

    # Slack reactivates the account: the flag goes.
    user_change(bot, VENDOR, deleted=False)
    bot.fake.wait_for(lambda: deactivated(bot, STAFF) is False, message="the reactivation")
    view = checked(clicked(bot, HOME_ALL, "all:1", user_id=STAFF_NY))
    assert "no contact" not in text_of(view)

    # Someone the app does not know as staff (a profile edit, a buyer): nothing is stored.
    user_change(bot, Person("U_STRANGER", VENDOR_TEAM), deleted=True)
    user_change(bot, Person(STAFF_NY, VENDOR_TEAM), deleted=False)
    bot.fake.wait_for(lambda: _processed(bot) >= 4 or None, message="all four handled")
    assert deactivated(bot, "U_STRANGER") is None


def test_requested_reports_wait_while_uninstalled_and_go_out_after(bot: RunningBot) -> None:
    from test_report_jobs import ask, worker

    from bot.jobs import send_reports

    ask(bot.engine)
    send_event(bot, app_uninstalled(team=VENDOR))
    bot.fake.wait_for(lambda: uninstalled_since(bot.engine), message="the uninstall recorded")
    reports = worker(bot.engine, bot.fake, "clock")
    send_reports(bot.engine, reports)
    assert bot.fake.uploaded_files() == []

    assert clock(bot).sweep(THURSDAY).sent == []  # Slack accepts the token: reinstalled
    assert uninstalled_since(bot.engine) is None
    send_reports(bot.engine, reports)
    assert len(bot.fake.uploaded_files()) == 1
