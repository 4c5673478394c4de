"""`oura-bot run`: Socket Mode with an app token, HTTP without, the sandbox with no credentials;
the clock in the same process unless --no-clock; SIGTERM stops it; logs keep secrets out."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, text_of
from slackreq import SlackSender
from test_cli import OURA_BOT, env_with, run

from bot.modes import HTTP, SANDBOX, SOCKET, choose_mode
from bot.sandbox.fakeslack import FakeSlack
from bot.settings import SettingsError, load_settings

BOT_TOKEN = "xoxb-1234-very-secret-bot-token"
APP_TOKEN = "xapp-1-A1-very-secret-app-token"


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({}, SANDBOX),
        ({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s"}, HTTP),
        ({"SLACK_BOT_TOKEN": "x", "SLACK_APP_TOKEN": "a"}, SOCKET),
        ({"SLACK_BOT_TOKEN": "x", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "a"}, SOCKET),
    ],
)
def test_the_mode_follows_the_credentials(env: dict[str, str], mode: str) -> None:
    assert choose_mode(load_settings(env)).name == mode


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "x"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "a"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_partial_credentials_stop_naming_the_missing_one(
    env: dict[str, str], missing: str, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError, match=f"{missing} is not set"):
        choose_mode(load_settings(env))
    result = run(["run"], tmp_path, **env)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"oura-bot: {missing} is not set: add it to the environment or .env"
    )
    assert not (tmp_path / "oura-sandbox.db").exists()


@dataclass
class Running:
    process: subprocess.Popen[str]
    lines: list[str]

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=15)
        finally:
            self.process.kill()
        assert self.process.stderr is not None and self.process.stdout is not None
        self.lines += self.process.stdout.read().splitlines()
        return code, self.process.stderr.read()


def start(args: list[str], cwd: Path, until: str, **env: str) -> Running:
    process = subprocess.Popen(
        [OURA_BOT, *args],
        cwd=cwd,
        env=env_with(**env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or until not in lines[-1]:
        line = process.stdout.readline()
        if not line:
            process.kill()
            pytest.fail(f"oura-bot {args} ended: {lines} {process.stderr.read()}")  # type: ignore[union-attr]
        lines.append(line.rstrip("\n"))
    return Running(process, lines)


@pytest.fixture
def http_run(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[Running]:
    running = start(
        ["run", "--host", "127.0.0.1", "--port", "0"],
        tmp_path,
        "serving Slack over HTTP",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    yield running
    running.process.kill()


def test_run_serves_http_with_the_clock_and_stops_on_sigterm(
    http_run: Running, fake_slack: FakeSlack
) -> None:
    assert http_run.lines[0] == "oura-bot: no SLACK_APP_TOKEN, so Slack is served over HTTP"
    assert "clock running in this process" in "\n".join(http_run.lines)
    base = http_run.lines[-1].rsplit(" at ", 1)[1].removesuffix("/slack/events")
    sender = SlackSender(base, SIGNING_SECRET)
    reply = sender.command(
        "link launch-kit 2027-01-04 Acme Oy",
        user_id=STAFF,
        channel_id=CHANNEL,
        team_id="T_VENDOR",
        response_url=fake_slack.response_url("link"),
    )
    assert reply.status == 200
    [answer] = fake_slack.wait_for_responses("link", 1, timeout=10)
    assert "Linked this channel to *Acme Oy*" in text_of(answer.body)
    code, stderr = http_run.stop()
    assert code == 0
    assert "request type=slash_command team=T_VENDOR user=U_STAFF what=/oura-book link" in stderr
    assert "INFO oura sweep: sent 0, recovered 0" in stderr  # the clock swept at start-up
    assert "received signal 15, shutting down" in stderr and "stopped" in stderr
    everything = stderr + "\n".join(http_run.lines)
    for secret in (BOT_TOKEN, SIGNING_SECRET, "legacy-verification-token", "/response/link"):
        assert secret not in everything


def test_run_no_clock_leaves_the_clock_to_its_own_process(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    running = start(
        ["run", "--no-clock", "--host", "127.0.0.1", "--port", "0"],
        tmp_path,
        "serving Slack over HTTP",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    assert not any("clock" in line for line in running.lines)
    code, _ = running.stop()
    assert code == 0


def test_run_with_an_app_token_uses_socket_mode(tmp_path: Path, fake_slack: FakeSlack) -> None:
    running = start(
        ["run", "--no-clock"],
        tmp_path,
        "Socket Mode client started",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_API_URL=fake_slack.api_url,
    )
    assert (
        running.lines[0] == "oura-bot: SLACK_APP_TOKEN is set, so Slack is served over Socket Mode"
    )
    # It asked Slack (the fake, which has no socket to give) for a connection with the app token.
    opened = fake_slack.wait_for(lambda: fake_slack.calls_to("apps.connections.open"), 10)
    assert opened[0].token == APP_TOKEN
    code, stderr = running.stop()
    assert code == 0
    assert APP_TOKEN not in stderr and BOT_TOKEN not in stderr
