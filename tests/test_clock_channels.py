"""No channel delays another: a channel that rate-limits the bot or does not answer holds up
only its own posts; the others go out side by side, each channel still in order and paced, and
nothing is lost or doubled (the parked posts go out on a later sweep)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from test_clock_sweep import ACTOR, WEDNESDAY, Now, launch_kit, posted_keys

from bot.clock import Sweeper, clock_web_client
from bot.domain.packages import SessionType
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import BookingService

CHANNELS = ["C1", "C2", "C3", "C4"]
# Thursday 2027-03-04, 10:00 in Helsinki: each Launch Kit from 4 January has its 30-day window
# warning due (test_clock_sweep).
DUE = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def accounts(engine: Engine) -> BookingService:
    service = BookingService(engine, "Europe/Helsinki", now=Now(WEDNESDAY))
    for channel in CHANNELS:
        launch_kit(service, channel)
    return service


def _sweeper(engine: Engine, fake: FakeSlack, pace: float = 0) -> Sweeper:
    return Sweeper(engine, clock_web_client("xoxb-test", fake.api_url), pace_seconds=pace)


def _arrival_seconds(fake: FakeSlack, started: float) -> dict[str, float]:
    """When each channel's post was answered by the fake (seconds after the sweep began)."""
    return {call.args["channel"]: call.at - started for call in fake.posts()}


def test_a_channel_asking_to_wait_20_seconds_parks_without_delaying_the_others(
    accounts: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", 429, retry_after=20, channel="C2")
    started = time.monotonic()
    report = _sweeper(engine, fake_slack).sweep(DUE)
    took = time.monotonic() - started
    assert took < 2, took  # the sweep did not sleep through the 20 seconds
    arrived = _arrival_seconds(fake_slack, started)
    assert sorted(arrived) == ["C1", "C3", "C4"]
    assert max(arrived.values()) < 2
    assert len(report.failed) == 1
    # A later sweep (past Slack's 20 seconds and the ledger's first back-off, a minute) sends
    # the parked post, once.
    later = _sweeper(engine, fake_slack).sweep(DUE + timedelta(minutes=2))
    assert len(later.sent) == 1
    assert Counter(posted_keys(fake_slack)).most_common(1)[0][1] == 1
    assert sorted(call.args["channel"] for call in fake_slack.posts()) == CHANNELS


def test_a_channel_that_times_out_does_not_delay_the_others(
    accounts: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.slow("chat.postMessage", 12, channel="C3")  # past the client's 10 s timeout
    started = time.monotonic()
    _sweeper(engine, fake_slack).sweep(DUE)
    arrived = _arrival_seconds(fake_slack, started)
    others = {c: s for c, s in arrived.items() if c != "C3"}
    assert sorted(others) == ["C1", "C2", "C4"]
    assert max(others.values()) < 2, others


def test_each_channel_keeps_its_order_and_pace(engine: Engine, fake_slack: FakeSlack) -> None:
    service = BookingService(engine, "Europe/Helsinki", now=Now(WEDNESDAY))
    launch_kit(service, "C1")
    launch_kit(service, "C2")
    # A session in C1 starting within the hour: its reminder goes before C1's warning.
    service.book(ACTOR, "C1", SessionType.ONBOARDING, DUE + timedelta(minutes=30), 30, False)
    started = time.monotonic()
    _sweeper(engine, fake_slack, pace=0.5).sweep(DUE + timedelta(minutes=1))
    c1 = [call for call in fake_slack.posts() if call.args["channel"] == "C1"]
    keys = [call.args["metadata"]["event_payload"]["key"] for call in c1]
    assert keys[0].startswith("session:") and len(keys) == 2
    assert c1[1].at - c1[0].at >= 0.45  # paced: about one post a second per channel, here 0.5
    c2 = [call for call in fake_slack.posts() if call.args["channel"] == "C2"]
    assert c2[0].at - started < 0.45  # C2 did not wait for C1's pacing
