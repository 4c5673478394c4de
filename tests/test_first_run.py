"""Running the programs: logs keep secrets and typed text out, files the app writes are private,
read-only subcommands create nothing, every database subcommand takes --database, and a SQLite
database can go back to an earlier revision with its data."""

from __future__ import annotations

import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF
from slackreq import SlackSender
from sqlalchemy import Engine, text
from test_cli import run, start_web

from bot.logs import redact
from bot.sandbox.fakeslack import FakeSlack
from storage.engine import make_engine
from storage.migrate import downgrade, is_up_to_date, upgrade

BOT_TOKEN = "xoxb-1111-first-run-secret"
TYPED = "kickoff 2027-03-01 10:00 secret-typed-words"


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    finally:
        process.kill()
    assert process.stderr is not None
    return process.stderr.read()


@pytest.fixture
def bad_signature_logs(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[tuple[str, str]]:
    """What `oura-bot web` logs at INFO and at DEBUG for a request whose signature fails (a
    rotated secret) and one that is served."""
    logs = []
    for level in ("INFO", "DEBUG"):
        process, base = start_web(tmp_path, fake_slack, "--log-level", level, token=BOT_TOKEN)
        stale = SlackSender(base, "the-secret-before-rotation")
        good = SlackSender(base, SIGNING_SECRET)
        url = fake_slack.response_url(f"secret-response-path-{level}")
        assert (
            stale.command(TYPED, user_id=STAFF, channel_id=CHANNEL, response_url=url).status == 401
        )
        assert (
            good.command(TYPED, user_id=STAFF, channel_id=CHANNEL, response_url=url).status == 200
        )
        fake_slack.wait_for_responses(f"secret-response-path-{level}", 1, timeout=10)
        logs.append(_stop(process))
    yield logs[0], logs[1]


def test_logs_hold_no_token_response_url_or_typed_text(bad_signature_logs: tuple[str, str]) -> None:
    info, debug = bad_signature_logs
    for stderr in (info, debug):
        for secret in (
            BOT_TOKEN,
            "legacy-verification-token",
            "secret-response-path",
            "secret-typed-words",
        ):
            assert secret not in stderr, secret
    assert "request type=slash_command" in info  # the one line per request is still there
    assert "[redacted]" in debug  # DEBUG shows the bodies, blanked
    assert "Invalid request signature detected" not in info  # Bolt's body dump is not at INFO
    assert "`token` will be unused" not in info + debug
    assert "alembic" not in info  # migrations speak only for `oura-bot db upgrade`


def test_redaction_keeps_what_is_not_secret() -> None:
    line = "request type=block_actions team=T1 user=U1 what=show_usage channel=C1"
    assert redact(line) == line
    assert (
        redact("token=abc&team_id=T1&text=hi+there")
        == "token=[redacted]&team_id=T1&text=[redacted]"
    )


def test_files_the_app_writes_are_private(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    engine.dispose()
    assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o600
    result = run(
        [
            "report",
            "--month",
            "2027-01",
            "--out",
            "report.csv",
            "--database",
            f"sqlite:///{tmp_path / 'new.db'}",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "report.csv").stat().st_mode) == 0o600


def test_a_dry_run_and_a_preview_create_no_database(tmp_path: Path) -> None:
    dry = run(["remind", "--dry-run"], tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN)
    assert dry.returncode == 0, dry.stderr
    assert "nothing is due" in dry.stdout
    preview = run(["preview", "--package", "premium", "--start", "2027-01-04"], tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_database_subcommand_takes_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chosen.db'}"
    assert run(["db", "upgrade", "--database", url], tmp_path).returncode == 0
    assert (tmp_path / "chosen.db").exists() and not (tmp_path / "oura.db").exists()
    dry = run(["remind", "--dry-run", "--database", url], tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN)
    assert "dry run, 0 posts due" in dry.stdout, dry.stderr
    for args in (["web"], ["run"], ["clock"], ["remind"], ["report", "--month", "2027-01"]):
        assert "--database" in run([*args, "--help"], tmp_path).stdout, args
    assert not (tmp_path / "oura.db").exists()


def _fill(engine: Engine) -> None:
    stamp = (
        "'2027-01-01 00:00:00+00'"
        if engine.dialect.name == "postgresql"
        else "'2027-01-01 00:00:00.000000'"
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account (id, company, channel_id, timezone, vendor_contact_id, "
                f"created_at) VALUES (1, 'Acme', 'C1', 'Europe/Helsinki', 'U1', {stamp})"
            )
        )
        connection.execute(
            text(
                "INSERT INTO contract (id, account_id, package_id, start, term_months, "
                "included_minutes, status_updates, minutes_spent, status_updates_spent, "
                f"created_at) VALUES (1, 1, 'premium', '2027-01-04', 12, 120, 12, 0, 0, {stamp})"
            )
        )


def test_a_filled_sqlite_database_goes_back_to_0002_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'filled.db'}")
    upgrade(engine)
    _fill(engine)
    downgrade(engine, "0002")  # 0003 rebuilds `account`, which other tables point at
    with engine.connect() as connection:
        assert connection.execute(text("SELECT company FROM account")).scalar() == "Acme"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    upgrade(engine)
    assert is_up_to_date(engine)
    engine.dispose()


def test_a_wrong_token_or_no_way_to_slack_ends_in_one_line(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("auth.test", 200, error="invalid_auth")
    settings = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    wrong = run(["web", "--port", "0"], tmp_path, SLACK_API_URL=fake_slack.api_url, **settings)
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines()[-1] == (
        "oura-bot: Slack did not accept SLACK_BOT_TOKEN (invalid_auth): check the bot token in "
        "the environment or .env (OAuth & Permissions > Bot User OAuth Token)"
    )
    unreachable = run(
        ["web", "--port", "0"], tmp_path, SLACK_API_URL="http://127.0.0.1:9/api/", **settings
    )
    assert unreachable.returncode == 2
    last = unreachable.stderr.strip().splitlines()[-1]
    assert last.startswith("oura-bot: could not reach Slack at http://127.0.0.1:9/api/")
    assert last.endswith("check the network, or SLACK_API_URL if it is set")
    assert "Traceback" not in wrong.stderr + unreachable.stderr
