"""`oura-bot` as a program: settings, migrations, and `oura-bot web` answering signed requests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, text_of
from slackreq import SlackSender

from bot.sandbox.fakeslack import FakeSlack
from storage.engine import make_engine
from storage.migrate import is_up_to_date

OURA_BOT = shutil.which("oura-bot", path=str(Path(sys.executable).parent)) or "oura-bot"


def env_with(**values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OURA_"))}
    keep.pop("DATABASE_URL", None)
    keep.update(values)
    return keep


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OURA_BOT, *args], cwd=cwd, env=env_with(**env), capture_output=True, text=True, timeout=60
    )


def test_missing_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    result = run(["web"], tmp_path, SLACK_SIGNING_SECRET="s")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "oura-bot: SLACK_BOT_TOKEN is not set: add it to the environment or .env"
    ]
    result = run(["web"], tmp_path, SLACK_BOT_TOKEN="xoxb-1")
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr


def test_malformed_setting_is_named(tmp_path: Path) -> None:
    result = run(["web"], tmp_path, PORT="http", SLACK_BOT_TOKEN="x", SLACK_SIGNING_SECRET="s")
    assert result.returncode == 2
    assert "PORT must be a port number" in result.stderr


def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    result = run(["web"], tmp_path)
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr  # the token came from .env


def test_db_upgrade_creates_the_default_sqlite_database(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'oura.db'}")
    assert is_up_to_date(engine)
    engine.dispose()


def start_web(
    cwd: Path, fake: FakeSlack, *options: str, token: str = "xoxb-test"
) -> tuple[subprocess.Popen[str], str]:
    """`oura-bot [options] web` on a free port against the fake Slack; the process and its
    base URL, once it says it is serving."""
    process = subprocess.Popen(
        [OURA_BOT, *options, "web", "--host", "127.0.0.1", "--port", "0"],
        cwd=cwd,
        env=env_with(
            SLACK_BOT_TOKEN=token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.api_url,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    line = process.stdout.readline()
    if "serving Slack over HTTP" not in line:
        process.kill()
        pytest.fail(f"oura-bot web did not start: {line}{process.stderr.read()}")
    return process, line.strip().rsplit(" at ", 1)[1].removesuffix("/slack/events")


@pytest.fixture
def web_process(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[tuple[SlackSender, str]]:
    process, base = start_web(tmp_path, fake_slack)
    try:
        yield SlackSender(base, SIGNING_SECRET), base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=10) == 0
        finally:
            process.kill()


def test_oura_bot_web_serves_signed_commands_over_http(
    web_process: tuple[SlackSender, str], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    sender, base = web_process
    with urlopen(base + "/healthz", timeout=5) as response:
        assert response.status == 200

    def command(text: str, key: str) -> str:
        reply = sender.command(
            text, user_id=STAFF, channel_id=CHANNEL, response_url=fake_slack.response_url(key)
        )
        assert reply.status == 200
        return text_of(fake_slack.wait_for_responses(key, 1, timeout=10)[0].body)

    assert "Linked" in command("link launch-kit 2027-01-04 Acme Oy", "link")
    assert "195 of 240" in command("kickoff 2027-01-12 14:00 45m", "book")
    assert "at most 60 minutes" in command("training 2027-01-13 10:00 90m", "cap")
    assert "195 left" in command("usage", "usage")
    assert fake_slack.wait_for_posts(CHANNEL, 1)

    unsigned = sender.command(
        "usage", user_id=STAFF, channel_id=CHANNEL, response_url="x", unsigned=True
    )
    assert unsigned.status == 401
    # The default SQLite file was created and migrated in the working directory.
    assert (tmp_path / "oura.db").exists()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not fake_slack.calls_to("auth.test"):
        time.sleep(0.05)
    assert fake_slack.calls_to("auth.test")
