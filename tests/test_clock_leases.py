"""Claims and their leases: a post is claimed at the moment it is claimed, and no other clock
takes it over while its first send can still succeed, however long the sweep or slow Slack.
A clock killed mid-send leaves its post to be recovered, exactly once, after the lease."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import STAFF
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_cli import OURA_BOT
from test_clock_cli import channel_keys, clock_env, sessions_starting_soon
from test_clock_sweep import posted_keys
from test_pace_clock import skip_pace_warnings

from bot.clock import (
    RENEW_AFTER,
    BoundedRateLimitRetryHandler,
    Sweeper,
    clock_web_client,
    longest_send,
)
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService
from storage.ledger import CLAIM_LEASE
from storage.models import PostLedger

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")
# Thursday 2027-03-04, 10:00 in Helsinki: each Launch Kit started 2027-01-04 has its 30-day
# window warning due.
THURSDAY = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)


def ledger(engine: Engine) -> dict[str, PostLedger]:
    with Session(engine) as db:
        rows = db.exec(select(PostLedger).where(PostLedger.kind != "pace-warning")).all()
        return {row.key: row for row in rows}  # the skipped pace warnings left out


def test_the_lease_outlasts_the_longest_send_of_the_clocks_client() -> None:
    client = clock_web_client("xoxb-test", "http://127.0.0.1:9/api/")
    # 6 tries of up to 2 x 10 s, and 5 waits of up to 5 s (+1 s jitter) between them: a longer
    # Retry-After parks the channel instead (test_clock_channels).
    assert longest_send(client) == timedelta(seconds=150)
    assert longest_send(client) + RENEW_AFTER < CLAIM_LEASE
    slow = WebClient(
        timeout=60, retry_handlers=[BoundedRateLimitRetryHandler(5, 30)], base_url=client.base_url
    )
    with pytest.raises(ValueError, match="too long for the ledger's lease"):
        Sweeper(None, slow)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no bound on its waits"):
        Sweeper(None, WebClient(base_url=client.base_url))  # type: ignore[arg-type]


class Fast:
    """Time running `factor` times faster than the real clock, from `start`: a test of minutes
    of sweeping that lasts seconds. Shared by the clocks and the fake Slack."""

    def __init__(self, start: datetime, factor: float) -> None:
        self.start, self.factor, self.began = start, factor, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.began) * self.factor)


def test_two_clocks_a_slow_slack_and_a_sweep_longer_than_the_lease_post_each_once(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    service = BookingService(engine, "Europe/Helsinki", now=lambda: THURSDAY - timedelta(days=1))
    channels = [f"C{i}" for i in range(16)]
    for channel in channels:
        service.link(ACTOR, channel, "launch-kit", date(2027, 1, 4), f"Customer {channel}")
    skip_pace_warnings(engine)  # only the window warnings here
    # One real second is one lease (10 minutes); Slack takes 0.25 s (150 s) to answer a post,
    # so clock A alone needs 16 x 150 s = 40 minutes, four leases, to send them all.
    now = Fast(THURSDAY, CLAIM_LEASE.total_seconds())
    fake_slack.now = lambda: now().timestamp()
    fake_slack.slow("chat.postMessage", 0.25)
    client = clock_web_client("xoxb-test", fake_slack.api_url)
    # One channel at a time, so that one sweep outlasts the lease, as this test needs.
    clock_a = Sweeper(engine, client, "clock-a", pace_seconds=0, now=now, channels_at_once=1)
    clock_b = Sweeper(engine, client, "clock-b", pace_seconds=0, now=now, channels_at_once=1)
    a_done = threading.Event()
    a_took: list[timedelta] = []
    b_sent: list[str] = []

    def run_a() -> None:
        started = now()
        clock_a.sweep()
        a_took.append(now() - started)
        a_done.set()

    def run_b() -> None:
        # Clock B starts sweeping once A has been at it for more than a lease, and keeps at it.
        time.sleep(1.2)
        while not a_done.is_set():
            b_sent.extend(clock_b.sweep().sent)
            time.sleep(0.2)
        b_sent.extend(clock_b.sweep().sent)

    threads = [threading.Thread(target=run_a), threading.Thread(target=run_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert a_took and a_took[0] > CLAIM_LEASE  # the sweep outlasted the lease
    assert b_sent  # the second clock was at work while the first was still sending
    counts = Counter(posted_keys(fake_slack))
    assert counts == {f"contract:{i}:window-warning:30": 1 for i in range(1, 17)}  # 0 doubled
    assert {row.state for row in ledger(engine).values()} == {"sent"}  # 0 lost
    assert {call.args["channel"] for call in fake_slack.posts()} == set(channels)


def test_a_long_retry_after_is_not_slept_through_but_tried_after_it(
    engine: Engine, fake_slack: FakeSlack
) -> None:
    service = BookingService(engine, "Europe/Helsinki", now=lambda: THURSDAY - timedelta(days=1))
    service.link(ACTOR, "C1", "launch-kit", date(2027, 1, 4), "Acme")
    skip_pace_warnings(engine)  # only the window warning here
    fake_slack.fail("chat.postMessage", 429, retry_after=600)
    clock = Sweeper(engine, clock_web_client("xoxb-test", fake_slack.api_url), pace_seconds=0)
    started = time.monotonic()
    report = clock.sweep(THURSDAY)
    assert time.monotonic() - started < 5  # not 600 s asleep inside the sweep
    assert report.failed == ["contract:1:window-warning:30"]
    row = ledger(engine)["contract:1:window-warning:30"]
    assert row.next_attempt_at is not None
    assert row.next_attempt_at >= THURSDAY + timedelta(seconds=600)
    assert clock.sweep(THURSDAY + timedelta(minutes=5)).sent == []  # Slack asked for 10
    assert clock.sweep(THURSDAY + timedelta(minutes=11)).sent == ["contract:1:window-warning:30"]
    assert Counter(posted_keys(fake_slack)) == {"contract:1:window-warning:30": 1}


def test_a_remind_killed_mid_send_is_recovered_exactly_once_after_the_lease(
    booking: BookingService,
    engine: Engine,
    database_url: str,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    [channel] = sessions_starting_soon(booking, 1)
    fake_slack.slow("chat.postMessage", 3)
    env = clock_env(fake_slack, database_url)
    process = subprocess.Popen(
        [OURA_BOT, "remind"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, text=True
    )
    try:
        fake_slack.wait_for(
            lambda: fake_slack.arrivals("chat.postMessage") >= 1, timeout=30, message="a send"
        )
        os.kill(process.pid, signal.SIGKILL)  # while Slack is still answering
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    [post] = fake_slack.wait_for_posts(channel, 1, timeout=10)  # it reached the channel
    [(key, row)] = [(k, r) for k, r in ledger(engine).items() if r.state != "skipped"]
    assert ":reminder-1h:" in key
    assert (row.state, row.attempts) == ("claimed", 1)  # nothing recorded: the clock died

    # Another clock right away leaves the claim alone: its first send could still succeed.
    fake_slack.slow("chat.postMessage", 0)
    again = subprocess.run(
        [OURA_BOT, "remind"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 0, again.stderr
    assert "sent 0, recovered 0" in again.stdout
    assert ledger(engine)[key].state == "claimed"

    # Once the lease has run out, a clock looks in the channel first and finds the post.
    later = Sweeper(
        engine,
        clock_web_client("xoxb-test", fake_slack.api_url),
        pace_seconds=0,
        now=lambda: datetime.now(UTC) + CLAIM_LEASE + timedelta(minutes=1),
    )
    report = later.sweep()
    assert (report.recovered, report.sent) == ([key], [])
    # (The second `remind` may also have sent the weekly digest, a DM: not counted here.)
    assert Counter(channel_keys(fake_slack)) == {key: 1}
    row = ledger(engine)[key]
    assert (row.state, row.attempts, row.ts) == ("sent", 2, post.result["ts"])
