"""`oura-bot try` (and `oura-bot run` with no Slack credentials): the sandbox, driven through a
pseudo-terminal as a new user would drive it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_cli import OURA_BOT, env_with

PROMPT = "@#demo-launch-kit> "


class Terminal:
    """A program on a pseudo-terminal: type lines, read what it shows until a marker."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env_with(), stdin=slave, stdout=slave, stderr=slave, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, marker: str, timeout: float = 30) -> str:
        """Everything shown from now until `marker` (inclusive)."""
        deadline = time.monotonic() + timeout
        while marker not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {marker!r} after {timeout}s; the screen:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the program ended
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"ended before {marker!r}; the screen:\n{self.seen}")
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        shown, _, self.seen = self.seen.partition(marker)
        return shown + marker

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def close(self) -> int:
        try:
            return self.process.wait(timeout=10)
        finally:
            self.process.kill()
            os.close(self.master)


@pytest.fixture
def sandbox(tmp_path: Path) -> Terminal:
    terminal = Terminal([sys.executable, "-m", "bot.cli", "try"], tmp_path)
    yield terminal
    terminal.process.kill()


def test_try_books_a_kickoff_and_shows_it_in_usage(sandbox: Terminal, tmp_path: Path) -> None:
    first = sandbox.read_until(PROMPT)
    assert "Connect a real Slack workspace" in first  # how to leave the sandbox for Slack
    for company in ("Demo Launch Oy", "Demo Pro Lite Ltd", "Demo Premium AB"):
        assert f"{company}" in first and "(created now)" in first

    day = (datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=2)).date()
    sandbox.type(f"/oura-book kickoff {day.isoformat()} 10:00")
    booked = sandbox.read_until(PROMPT)
    assert "Booked for Demo Launch Oy: *Kickoff* #1" in booked  # the post in the channel
    assert "180 of 240 included minutes left" in booked  # the reply to the typist
    assert "[2] Show usage" in booked

    sandbox.type("/oura-book usage")
    usage = sandbox.read_until(PROMPT)
    assert "Included minutes*: 60 used of 240, *180 left*" in usage
    assert f"Next session: *Kickoff* #1: {day:%a %d %b %Y} 10:00" in usage

    # Clicking a button is typing its number; a buyer clicking gets the same usage card.
    sandbox.type(":as buyer")
    sandbox.read_until("bea.buyer" + PROMPT)
    sandbox.type("2")
    clicked = sandbox.read_until("bea.buyer" + PROMPT)
    assert "60 used of 240" in clicked

    # A malformed command is answered by the real parser, and nothing changes.
    sandbox.type(":as staff")
    sandbox.read_until("sam.staff" + PROMPT)
    sandbox.type("kickoff tomorrow 10:00")
    wrong = sandbox.read_until(PROMPT)
    assert "`tomorrow` is not a date in the form YYYY-MM-DD" in wrong

    sandbox.type(":quit")
    sandbox.read_until("Bye.")
    assert sandbox.close() == 0
    assert (tmp_path / "oura-sandbox.db").exists()
    assert not (tmp_path / "oura.db").exists()  # a real deployment's database is left alone


def test_try_moves_time_forward_and_shows_the_posts_the_clock_sends(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    helsinki = ZoneInfo("Europe/Helsinki")
    day = (datetime.now(helsinki) + timedelta(days=3)).date()
    sandbox.type(f"onboarding {day.isoformat()} 12:00 30m")
    sandbox.read_until(PROMPT)
    starts = datetime(day.year, day.month, day.day, 12, 0, tzinfo=helsinki)
    # Land half an hour before the session: both reminders fell due on the way, and the
    # sweep sends only the latest (1 hour before), never the stale 24-hour one.
    minutes = int((starts - datetime.now(helsinki)).total_seconds() // 60) - 30
    sandbox.type(f":clock +{minutes}m")
    moved = sandbox.read_until(PROMPT)
    assert moved.count("Reminder: the *Onboarding* session #1") == 1
    assert "posted by the bot" in moved
    assert "Clock sweep: sent " in moved and "failed 0" in moved
    sandbox.type(":clock +1x")
    assert "e.g. :clock +30d" in sandbox.read_until(PROMPT)
    sandbox.type(":quit")
    assert sandbox.close() == 0


def test_run_with_no_credentials_starts_the_sandbox(tmp_path: Path) -> None:
    result = subprocess.run(
        [OURA_BOT, "run"],
        cwd=tmp_path,
        env=env_with(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "oura-bot: no Slack credentials are set, so this is the local sandbox "
        "(README: 'Connect a real Slack workspace')"
    )
    assert "Demo Launch Oy" in result.stdout and lines[-1].endswith("Bye.")


def test_the_booking_modal_is_asked_as_prompts_and_submitted(sandbox: Terminal) -> None:
    sandbox.read_until(PROMPT)
    sandbox.type("/oura-book")  # no text: the booking modal
    sandbox.read_until("Session type [Kickoff] (number): ")
    sandbox.type("3")
    sandbox.read_until("(YYYY-MM-DD HH:MM, Europe/Helsinki): ")
    sandbox.type("soon")
    sandbox.read_until("Type a date and time as YYYY-MM-DD HH:MM")
    day = (datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=4)).date()
    sandbox.type(f"{day.isoformat()} 13:30")
    sandbox.read_until("Minutes (at most 60) [60]: ")
    sandbox.type("90")  # the app's own validation answers, and the form is asked again
    sandbox.read_until("Extra time (optional)")
    sandbox.type("")
    refused = sandbox.read_until("Please answer again (or :cancel).")
    assert "A session is at most 60 minutes; 90m is too long." in refused
    sandbox.read_until("Session type [Kickoff] (number): ")
    sandbox.type("3")
    sandbox.read_until("): ")
    sandbox.type(f"{day.isoformat()} 13:30")
    sandbox.read_until("[60]: ")
    sandbox.type("45")
    sandbox.read_until("Extra time (optional)")
    sandbox.type("")
    booked = sandbox.read_until(PROMPT)
    assert "└ submitted" in booked
    assert f"*Software training* #1: {day:%a %d %b %Y} 13:30" in booked
    assert "(45 min)" in booked
    sandbox.type(":quit")
    assert sandbox.close() == 0


def test_the_sandbox_keeps_request_verification_on(tmp_path: Path) -> None:
    """Its requests pass because they are signed with its own secret, not because checks are
    off: the same app refuses a request signed with another secret, and changes nothing."""
    from bot.sandbox.repl import DEMO_CHANNELS, Sandbox
    from bot.sandbox.requests import Dispatcher
    from bot.settings import load_settings

    said: list[str] = []
    sandbox = Sandbox(load_settings({}), f"sqlite:///{tmp_path / 's.db'}", said.append, input)
    try:
        sandbox.start()
        channel = DEMO_CHANNELS[0]
        user = {
            "id": sandbox.staff.id,
            "name": sandbox.staff.name,
            "team_id": sandbox.staff.team_id,
        }
        forged = Dispatcher(sandbox.dispatcher.app, "not-the-sandbox-secret").command(
            "kickoff 2030-01-07 10:00",
            command="/oura-book",
            user=user,
            channel_id=channel.id,
            channel_name=channel.name,
            response_url=sandbox.api.response_url("forged"),
        )
        assert forged.status == 401
        assert sandbox.api.take_outputs() == []
        said.clear()
        sandbox.handle("usage")
        assert "0 used of 240" in "\n".join(said)
    finally:
        sandbox.close()
