"""A channel Slack refuses for good (archived, deleted, posting restricted) stops the clock
there at once: no retries, the vendor contact told once, the App Home and the staff usage card
say so, and the account is not due again until a person fixes the channel."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from conftest import CHANNEL, STAFF, VENDOR_TEAM, RunningBot, text_of
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_clock_sweep import ACTOR, WEDNESDAY, Now, launch_kit

from bot.blocks.home import account_section
from bot.clock import Sweeper, clock_web_client
from bot.domain.packages import SessionType
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import BookingService
from storage.engine import read_session, write_session
from storage.facts import due_contract_ids, mark_unreachable
from storage.models import Account, PostLedger
from storage.overview import account_overview

# Thursday 2027-03-04 10:00 in Helsinki: each Launch Kit from 4 January has a warning due.
DUE = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)


def _sweep(engine: Engine, fake: FakeSlack, at: datetime) -> None:
    Sweeper(engine, clock_web_client("xoxb-test", fake.api_url), pace_seconds=0).sweep(at)


def _tries_in(fake: FakeSlack, channel: str) -> int:
    """Posts the clock tried in a channel, answered or refused."""
    calls = fake.calls_to("chat.postMessage") + [
        f for f in fake.faults if f.method == "chat.postMessage"
    ]
    return sum(1 for call in calls if call.args.get("channel") == channel)


def _account(engine: Engine, channel: str) -> Account:
    with Session(engine) as db:
        return db.exec(select(Account).where(Account.channel_id == channel)).one()


def test_an_archived_channel_stops_the_clock_there_and_no_other(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    service = BookingService(engine, "Europe/Helsinki", now=Now(WEDNESDAY))
    launch_kit(service, "C1")
    launch_kit(service, "C2")
    fake_slack.fail("chat.postMessage", 200, error="is_archived", channel="C1")

    _sweep(engine, fake_slack, DUE)

    assert [call.args["channel"] for call in fake_slack.posts("C2")] == ["C2"]
    archived = _account(engine, "C1")
    assert archived.unreachable_reason == "is_archived"
    with Session(engine) as db:
        states = {row.key: row.state for row in db.exec(select(PostLedger)).all()}
    assert states["contract:1:window-warning:30"] == "undeliverable"
    [dm] = fake_slack.posts(f"D_{STAFF}")
    assert "archived" in dm.args["text"] and "/oura-book reconnect" in dm.args["text"]

    # A day later, a booking in the archived channel: still nothing is tried there, nobody is
    # told again, and the contract is not among those due.
    service.book(ACTOR, "C1", SessionType.KICKOFF, DUE + timedelta(days=1, hours=1), 30, False)
    tries = _tries_in(fake_slack, "C1")
    _sweep(engine, fake_slack, DUE + timedelta(days=1))
    assert _tries_in(fake_slack, "C1") == tries
    assert len(fake_slack.posts(f"D_{STAFF}")) == 1
    with read_session(engine) as db:
        assert archived.id not in due_contract_ids(db, DUE + timedelta(days=30), 100)


def test_a_message_slack_will_never_take_is_given_up_without_closing_the_channel(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    service = BookingService(engine, "Europe/Helsinki", now=Now(WEDNESDAY))
    launch_kit(service, "C1")
    fake_slack.fail("chat.postMessage", 200, error="msg_too_long", channel="C1")
    _sweep(engine, fake_slack, DUE)
    assert _account(engine, "C1").unreachable_reason is None
    tries = _tries_in(fake_slack, "C1")
    _sweep(engine, fake_slack, DUE + timedelta(hours=2))  # not retried: it never could be
    assert _tries_in(fake_slack, "C1") == tries
    assert not fake_slack.posts(f"D_{STAFF}")


def _mark(bot: RunningBot, reason: str = "is_archived") -> None:
    account = bot.booking.account_for_channel(CHANNEL)
    assert account is not None and account.id is not None
    with write_session(bot.engine) as db:
        mark_unreachable(db, account.id, reason, datetime.now(UTC))


def test_staff_see_it_and_reconnect_when_the_channel_is_fixed(bot: RunningBot) -> None:
    bot.link("premium")
    _mark(bot)
    card = text_of(bot.command("usage"))
    assert "The clock can't post here" in card and "the channel is archived" in card
    with read_session(bot.engine) as db:
        [summary], _ = account_overview(
            db, vendor_contact_id=STAFF, offset=0, limit=10, now=datetime.now(UTC)
        )
    assert "can't post in the channel" in str(account_section(summary).to_dict())

    assert "Reconnected" in text_of(bot.command("reconnect"))
    assert _account(bot.engine, CHANNEL).unreachable_reason is None
    assert "can't post here" not in text_of(bot.command("usage"))
    assert "nothing to reconnect" in text_of(bot.command("reconnect"))


def test_unarchiving_the_channel_brings_the_clock_back(bot: RunningBot) -> None:
    bot.link("premium")
    _mark(bot)
    envelope = {
        "token": "legacy-verification-token",
        "team_id": VENDOR_TEAM,
        "api_app_id": "A_OURA",
        # The Events API reference's channel_unarchive event.
        "event": {"type": "channel_unarchive", "channel": CHANNEL, "user": STAFF},
        "type": "event_callback",
        "event_id": "Ev_UNARCHIVE_1",
        "event_time": int(time.time()),
    }
    reply = bot.sender.send(json.dumps(envelope), "application/json")
    assert reply.status == 200
    deadline = time.monotonic() + 5
    while _account(bot.engine, CHANNEL).unreachable_reason and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _account(bot.engine, CHANNEL).unreachable_reason is None
