"""`oura-bot remind` and `oura-bot clock` as programs, several at once on one database."""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from conftest import STAFF, RunningBot, text_of
from test_cli import OURA_BOT, env_with

from bot.clock import METADATA_EVENT
from bot.domain.packages import SessionType
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import Actor, BookingService

ACTOR = Actor(user_id=STAFF, team_id="T_VENDOR")


def sessions_starting_soon(booking: BookingService, accounts: int) -> list[str]:
    """Accounts each with a session, booked yesterday, 30 minutes from now: its 1-hour
    reminder is due now."""
    booking.now = lambda: datetime.now(UTC) - timedelta(days=1)
    soon = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    channels = []
    for i in range(accounts):
        channel = f"C_SOON{i}"
        booking.link(ACTOR, channel, "launch-kit", date.today() - timedelta(days=1), f"Co {i}")
        booking.book(ACTOR, channel, SessionType.KICKOFF, soon, 30, False)
        channels.append(channel)
    return channels


def channel_keys(fake: FakeSlack) -> list[str]:
    """The keys of the clock's posts in channels. Besides them, on a weekday in working hours,
    the vendor contact gets their weekly digest in a DM (bot/digest_clock.py)."""
    keys = []
    for call in fake.posts():
        if not str(call.args["channel"]).startswith("D_"):
            metadata = call.args.get("metadata") or {}
            assert metadata.get("event_type") == METADATA_EVENT
            keys.append(metadata["event_payload"]["key"])
    return keys


def digest_dms(fake: FakeSlack) -> list[str]:
    return [c.args["channel"] for c in fake.posts() if "Your week" in c.args.get("text", "")]


def clock_env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    return env_with(
        SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=fake.api_url, DATABASE_URL=database_url
    )


def test_two_remind_processes_at_once_post_each_reminder_once(
    booking: BookingService, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    channels = sessions_starting_soon(booking, 8)
    env = clock_env(fake_slack, database_url)
    processes = [
        subprocess.Popen(
            [OURA_BOT, "remind"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    counts = Counter(channel_keys(fake_slack))
    assert len(counts) == len(channels)
    assert set(counts.values()) == {1}
    assert all(":reminder-1h:" in key for key in counts)
    # Two clocks send the vendor contact one weekly digest at most (none outside their hours).
    assert digest_dms(fake_slack) in ([], [f"D_{STAFF}"])
    assert {c.args["channel"] for c in fake_slack.posts()} - {f"D_{STAFF}"} == set(channels)


def remind_dry_run(
    fake: FakeSlack, database_url: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OURA_BOT, "remind", "--dry-run"],
        cwd=cwd,
        env=clock_env(fake, database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_remind_dry_run_prints_and_posts_nothing(
    booking: BookingService, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    sessions_starting_soon(booking, 2)
    result = remind_dry_run(fake_slack, database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert sum(line.startswith("would post session-reminder in C_SOON") for line in lines) == 2
    assert "nothing posted" in lines[-1]
    assert fake_slack.posts() == []


def test_remind_dry_run_counts_one_post_in_the_singular(
    booking: BookingService, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    sessions_starting_soon(booking, 1)
    result = remind_dry_run(fake_slack, database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "oura-bot: dry run, 1 post due, nothing posted"


def test_clock_sweeps_at_start_up_and_stops_on_sigterm(
    booking: BookingService, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    sessions_starting_soon(booking, 1)
    process = subprocess.Popen(
        [OURA_BOT, "clock", "--every", "5"],
        cwd=tmp_path,
        env=clock_env(fake_slack, database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert "clock running" in process.stdout.readline()
        fake_slack.wait_for_posts("C_SOON0", 1, timeout=20)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
    assert len(channel_keys(fake_slack)) == 1


def test_preview_prints_a_packages_timeline(tmp_path: Path) -> None:
    result = subprocess.run(
        [OURA_BOT, "preview", "--package", "premium", "--start", "2027-01-04"],
        cwd=tmp_path,
        env=env_with(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Premium Success from 2027-01-04, 12 months, in Europe/Helsinki:"
    assert sum("status-update nudge" in line for line in lines) == 12
    assert sum("status-update last call" in line for line in lines) == 12
    assert "Mon 2027-01-04 09:00 EET  status-update nudge (period 1 of 12" in lines[1]
    assert "term closed summary" in lines[-1] and "2028-01-04" in lines[-1]
    bad = subprocess.run(
        [OURA_BOT, "preview", "--package", "gold", "--start", "2027-01-04"],
        cwd=tmp_path,
        env=env_with(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--package must be one of" in bad.stderr


def test_schedule_command_shows_the_posts_to_come(bot: RunningBot) -> None:
    bot.link("pro-lite", (date.today() + timedelta(days=3)).isoformat())
    reply = text_of(bot.command("schedule"))
    assert "Automated posts still to come" in reply
    assert reply.count("status-update nudge") == 4
    assert "term closed summary" in reply
