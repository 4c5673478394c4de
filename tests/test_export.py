"""`oura-bot export sessions|audit --month YYYY-MM [--account …]`: the CSVs match the database
row by row (the month in each account's own time zone), SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import CHANNEL, STAFF, RunningBot
from sqlmodel import Session, col, select
from test_http_commands import sessions

from bot import cli
from bot.domain.export import AUDIT_COLUMNS, SESSION_COLUMNS
from storage.models import AuditEvent, OnboardingSession

OTHER = "C_OTHER"
# January 2027 in Helsinki, in UTC.
JANUARY = (datetime(2026, 12, 31, 22, 0, tzinfo=UTC), datetime(2027, 1, 31, 22, 0, tzinfo=UTC))


def export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, *args: str
) -> list[dict[str, str]]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "export.csv"
    cli.main(["export", *args, "--out", str(out)])
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    reader = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    return list(reader)


def fill(bot: RunningBot) -> None:
    """January 2027 in Helsinki, and a session on its first local minutes (31 Dec in UTC)."""
    bot.link("launch-kit", "2027-01-04")
    bot.link("premium", "2027-01-04", OTHER, "=Other Ltd")
    # 2026-12-31 22:30 UTC: January (`anyway`: out of working hours).
    bot.command("kickoff 2027-01-01 00:30 30m billable anyway")
    bot.command("training 2027-01-12 10:00 60m")
    bot.command("training 2027-01-13 10:00 45m")
    bot.command("training 2027-02-01 10:00 45m")  # February: not in January's file
    bot.command("kickoff 2027-01-20 10:00 30m", channel_id=OTHER)
    _, second, third, *_ = sessions(bot)
    bot.command(f"move {second.id} 2027-01-14 11:00")
    bot.command(f"cancel {third.id}")


def test_the_sessions_csv_is_the_database_row_by_row(
    bot: RunningBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    fill(bot)
    rows = export(tmp_path, monkeypatch, database_url, "sessions", "--month", "2027-01")

    assert list(rows[0]) == list(SESSION_COLUMNS)
    with Session(bot.engine) as db:
        january = [
            s
            for s in db.exec(select(OnboardingSession).order_by(col(OnboardingSession.id))).all()
            if JANUARY[0] <= s.starts_at < JANUARY[1]
        ]
    by_id = {int(r["session_id"]): r for r in rows}
    assert sorted(by_id) == [s.id for s in january]
    for session in january:
        row = by_id[session.id]  # type: ignore[index]
        assert row["type"] == session.session_type
        assert row["starts_at"] == session.starts_at.isoformat()
        assert row["state"] == session.state
        assert int(row["minutes_booked"]) == session.minutes_booked
        assert int(row["included_minutes"]) == session.included_minutes
        assert int(row["billable_minutes"]) == session.billable_minutes
        assert row["booked_by"] == session.booked_by == STAFF
        assert int(row["contract_id"]) == session.contract_id
    kickoff = by_id[january[0].id]  # type: ignore[index]
    assert kickoff["starts_local"] == "2027-01-01T00:30:00+02:00"
    # A company name never runs as a formula when the file is opened.
    assert {r["company"] for r in rows} == {"Acme Oy", "'=Other Ltd"}

    only = export(
        tmp_path, monkeypatch, database_url, "sessions", "--month", "2027-01", "--account", OTHER
    )
    assert [r["channel_id"] for r in only] == [OTHER]
    by_name = export(
        tmp_path,
        monkeypatch,
        database_url,
        "sessions",
        "--month",
        "2027-01",
        "--account",
        "acme oy",
    )
    assert {r["channel_id"] for r in by_name} == {CHANNEL} and len(by_name) == 3


def test_the_audit_csv_is_the_trail_row_by_row(
    bot: RunningBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fill(bot)
    with Session(bot.engine) as db:
        events = db.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    # The trail is written now (not in January 2027): this month in the account's zone.
    month = events[0].at.astimezone(ZoneInfo("Europe/Helsinki")).strftime("%Y-%m")

    rows = export(tmp_path, monkeypatch, database_url, "audit", "--month", month)

    assert list(rows[0]) == list(AUDIT_COLUMNS)
    assert sorted(int(r["event_id"]) for r in rows) == [e.id for e in events]
    for event in events:
        [row] = [r for r in rows if int(r["event_id"]) == event.id]
        assert (row["action"], row["actor_user_id"], row["details"]) == (
            event.action,
            event.actor_user_id,
            event.details,
        )
        assert row["session_id"] == (str(event.session_id) if event.session_id else "")

    with pytest.raises(SystemExit):
        export(
            tmp_path, monkeypatch, database_url, "audit", "--month", month, "--account", "Nobody"
        )
    assert "no account has that channel id or company name" in capsys.readouterr().err
