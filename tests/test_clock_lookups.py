"""Session reminders go first, and a retried post looks in the channel's history (which Slack
rations hard) only when an earlier try may have reached Slack, a bounded number of times a
sweep; the posts beyond that wait, untried, and nothing is posted twice."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from test_clock_sweep import ACTOR, WEDNESDAY, Now, launch_kit, ledger, posted_keys

import bot.clock
from bot.clock import Sweeper, clock_web_client
from bot.clock_pool import ChannelPool
from bot.domain.packages import SessionType
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import BookingService

# Thursday 2027-03-04, 10:00 in Helsinki: each Launch Kit from 4 January has its 30-day window
# warning due (test_clock_sweep).
DUE = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)


def _sweeper(engine: Engine, url: str, **options: int) -> Sweeper:
    return Sweeper(engine, clock_web_client("xoxb-test", url), pace_seconds=0, **options)


def _closed_port_url() -> str:
    """A Slack that refuses the connection: the request never leaves this machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


@pytest.fixture
def service(engine: Engine) -> BookingService:
    return BookingService(engine, "Europe/Helsinki", now=Now(WEDNESDAY))


def _history_calls(fake: FakeSlack) -> int:
    return len(fake.calls_to("conversations.history"))


def test_a_refused_connection_is_retried_without_looking_in_the_history(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    launch_kit(service, "C1")
    first = _sweeper(engine, _closed_port_url()).sweep(DUE)
    assert len(first.failed) == 1
    later = _sweeper(engine, fake_slack.api_url).sweep(DUE + timedelta(minutes=2))
    assert later.sent == ["contract:1:window-warning:30"]
    assert _history_calls(fake_slack) == 0
    assert Counter(posted_keys(fake_slack)) == {"contract:1:window-warning:30": 1}


def test_slacks_own_no_needs_no_look_but_a_5xx_does(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    launch_kit(service, "C1")
    launch_kit(service, "C2")
    fake_slack.fail("chat.postMessage", 429, retry_after=60, channel="C1")  # Slack did not act
    fake_slack.fail("chat.postMessage", 503, channel="C2")  # Slack may have posted
    clock = _sweeper(engine, fake_slack.api_url)
    assert len(clock.sweep(DUE).failed) == 2
    assert len(clock.sweep(DUE + timedelta(minutes=3)).sent) == 2
    looked_in = [call.args["channel"] for call in fake_slack.calls_to("conversations.history")]
    assert looked_in == ["C2"]
    assert sorted(Counter(posted_keys(fake_slack)).values()) == [1, 1]


def test_look_ups_are_capped_per_sweep_and_the_rest_wait_untried(
    service: BookingService, engine: Engine, fake_slack: FakeSlack
) -> None:
    channels = ["C1", "C2", "C3"]
    for channel in channels:
        launch_kit(service, channel)
    fake_slack.fail("chat.postMessage", 500, times=3)
    clock = _sweeper(engine, fake_slack.api_url, lookups_per_sweep=1)
    assert len(clock.sweep(DUE).failed) == 3
    second = clock.sweep(DUE + timedelta(minutes=2))
    assert (len(second.sent), len(second.waiting)) == (1, 2)
    assert _history_calls(fake_slack) == 1
    for key in second.waiting:  # given back as they were: unsure, one try counted
        row = ledger(engine)[key]
        assert (row.state, row.attempts) == ("failed", 1)
        assert row.unsure_since is not None
    sent = second.sent
    for minutes in (3, 4):
        sent += clock.sweep(DUE + timedelta(minutes=minutes)).sent
    assert len(sent) == 3
    assert _history_calls(fake_slack) == 3  # each retried post was looked for first
    assert Counter(posted_keys(fake_slack)) == {key: 1 for key in sent}
    assert {row.state for row in ledger(engine).values()} == {"sent"}


def test_a_reminder_goes_before_other_pages_of_posts(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.clock, "BATCH", 2)  # pages of two contracts
    channels = ["C1", "C2", "C3", "C4", "C5"]
    for channel in channels:
        launch_kit(service, channel)
    # C5's contract comes last in the due order; its session starts in half an hour.
    service.book(ACTOR, "C5", SessionType.ONBOARDING, DUE + timedelta(minutes=30), 30, False)
    report = _sweeper(engine, fake_slack.api_url, channels_at_once=1).sweep(
        DUE + timedelta(minutes=1)
    )
    keys = posted_keys(fake_slack)
    assert ":reminder-1h:" in keys[0], keys
    assert len(keys) == 6 == len(set(keys)) == len(report.sent)


def test_the_pool_starts_a_reminders_channel_before_channels_already_waiting() -> None:
    pool = ChannelPool(workers=1, waiting=10)
    started: list[str] = []
    busy = threading.Event()
    go = threading.Event()

    def hold() -> None:
        busy.set()
        go.wait(10)

    pool.submit(False, hold)
    assert busy.wait(10)
    for name in ("nudge-1", "nudge-2"):
        pool.submit(False, lambda name=name: started.append(name))
    pool.submit(True, lambda: started.append("reminder"))
    go.set()
    pool.close()
    assert started == ["reminder", "nudge-1", "nudge-2"]


def test_a_sweep_stops_starting_posts_when_slack_stops_answering(
    service: BookingService, engine: Engine, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.clock, "SLACK_DOWN_AFTER", 3)
    channels = [f"C{i}" for i in range(1, 9)]
    for channel in channels:
        launch_kit(service, channel)
    fake_slack.fail("chat.postMessage", 503, times=100)  # Slack takes posts and never answers
    clock = _sweeper(engine, fake_slack.api_url, channels_at_once=1)
    first = clock.sweep(DUE)
    # Three unanswered tries, each to be looked up later; the other five were never started.
    assert len(first.failed) == 3
    assert len(ledger(engine)) == 3
    fake_slack.reset()
    later = clock.sweep(DUE + timedelta(minutes=2))
    assert len(later.sent) == 8
    assert _history_calls(fake_slack) == 3
    assert Counter(posted_keys(fake_slack)) == {key: 1 for key in later.sent}
