"""`/oura-book report [YYYY-MM]`: a CSV in the requester's DM, row by row what was booked; and
`oura-bot report --month … --out …` writing the same file."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import BOT_TOKEN, CHANNEL, STAFF, STAFF_NY, VENDOR_TEAM, RunningBot, text_of
from sqlmodel import Session, select

from bot import cli
from bot.clock import clock_web_client
from bot.domain import commands
from bot.domain.report import COLUMNS, ESTIMATE_COLUMN, ContractFact, Month, SessionFact, report_row
from bot.reports import ReportWorker
from bot.services.booking import Actor, BookingService
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.models import Contract

BETA = "C_BETA"
OLD = "C_OLD"
SESSION_ID = re.compile(r"#(\d+)")


def book(bot: RunningBot, text: str, channel: str = CHANNEL, user: str = STAFF) -> int:
    reply = text_of(bot.command(text, channel_id=channel, user_id=user))
    assert "Booked" in reply, reply
    return int(SESSION_ID.search(reply)[1])  # type: ignore[index]


def ok(bot: RunningBot, text: str, channel: str = CHANNEL, user: str = STAFF) -> str:
    reply = text_of(bot.command(text, channel_id=channel, user_id=user))
    assert "n't" not in reply.split("\n")[0], reply
    return reply


def fill_october(bot: RunningBot) -> dict[str, Any]:
    """Two contracts live in October 2026 (one in Helsinki, one in New York) and one long over;
    sessions on both sides of the month's edges in each account's own zone."""
    bot.link("launch-kit", "2026-09-01", CHANNEL, "Acme Oy")
    bot.link("pro-lite", "2026-10-15", BETA, "=Beta Corp")  # a name a spreadsheet would run
    bot.link("premium", "2025-01-01", OLD, "Old Ltd")
    ok(bot, "timezone America/New_York", channel=BETA)

    # Acme (Helsinki): 240 included minutes.
    kickoff = book(bot, "kickoff 2026-09-15 10:00 60m")  # September: before the month
    ok(bot, f"done {kickoff} 45m")  # held 45 of the 60 reserved
    early = book(bot, "onboarding 2026-10-01 00:30 60m")  # 30 Sep 21:30 UTC: October locally
    ok(bot, f"done {early} 60m")
    book(bot, "training 2026-10-20 10:00 60m")
    cancelled = book(bot, "training 2026-10-21 10:00 30m")
    ok(bot, f"cancel {cancelled}")
    book(bot, "onboarding 2026-11-02 10:00 60m")  # November: after the month
    # 45 + 60 + 60 + 60 = 225 spent, 15 left: this one is 15 included + 45 billable.
    late = bot.command("training 2026-10-31 23:30 60m billable")
    assert "Booked" in text_of(late), text_of(late)

    # Beta (New York), typed by a New York staff member: 120 minutes, 4 status updates.
    status = book(bot, "status 2026-10-20 10:00 30m", BETA, STAFF_NY)
    ok(bot, f"done {status}", BETA, STAFF_NY)
    book(bot, "kickoff 2026-10-31 22:00 60m", BETA, STAFF_NY)  # 1 Nov 02:00 UTC: October in NY

    acme = bot.booking.account_for_channel(CHANNEL)
    beta = bot.booking.account_for_channel(BETA)
    assert acme is not None and beta is not None
    with Session(bot.engine) as db:
        contracts = {c.account_id: c.id for c in db.exec(select(Contract)).all()}
    return {
        "acme": acme.id,
        "beta": beta.id,
        "acme_contract": contracts[acme.id],
        "beta_contract": contracts[beta.id],
    }


def expected_rows(ids: dict[str, Any], estimate: bool) -> list[dict[str, str]]:
    acme = {
        "month": "2026-10",
        "account_id": str(ids["acme"]),
        "company": "Acme Oy",
        "channel_id": CHANNEL,
        "contract_id": str(ids["acme_contract"]),
        "package": "launch-kit",
        "contract_start": "2026-09-01",
        "contract_end": "2027-08-31",
        "included_minutes": "240",
        "included_minutes_used_in_month": str(60 + 60 + 15),
        "included_minutes_used_to_date": str(45 + 60 + 60 + 15),
        "included_minutes_left": str(240 - 180),
        "billable_minutes_in_month": "45",
        "status_updates": "0",
        "status_updates_used_in_month": "0",
        "status_updates_used_to_date": "0",
        "status_updates_left": "0",
        "sessions_held_in_month": "1",
        "included_minutes_lapsed": "0",
        "status_updates_lapsed": "0",
    }
    beta = {
        "month": "2026-10",
        "account_id": str(ids["beta"]),
        "company": "'=Beta Corp",
        "channel_id": BETA,
        "contract_id": str(ids["beta_contract"]),
        "package": "pro-lite",
        "contract_start": "2026-10-15",
        "contract_end": "2027-10-14",
        "included_minutes": "120",
        "included_minutes_used_in_month": "60",
        "included_minutes_used_to_date": "60",
        "included_minutes_left": "60",
        "billable_minutes_in_month": "0",
        "status_updates": "4",
        "status_updates_used_in_month": "1",
        "status_updates_used_to_date": "1",
        "status_updates_left": "3",
        "sessions_held_in_month": "1",
        "included_minutes_lapsed": "0",
        "status_updates_lapsed": "0",
    }
    if estimate:
        acme[ESTIMATE_COLUMN] = "112.50"  # 45 min at 150 an hour
        beta[ESTIMATE_COLUMN] = "0.00"
    return [acme, beta]


def produce(bot: RunningBot, rate: Decimal | None = None) -> int:
    """What the clock does (bot/jobs.py): build and send the reports asked for."""
    client = clock_web_client(BOT_TOKEN, bot.fake.api_url)
    return ReportWorker(bot.engine, client, rate, "clock-test").run_pending()


def uploaded_csv(
    bot: RunningBot, rate: Decimal | None = None
) -> tuple[dict[str, Any], list[str], list[dict[str, str]]]:
    assert not bot.fake.uploaded_files()  # nothing is sent from the web request itself
    assert produce(bot, rate) == 1
    [upload] = bot.fake.uploaded_files()
    text = upload["content"].decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    return upload, list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize("bot_settings", [{"hourly_rate": Decimal("150")}])
def test_report_is_a_csv_in_the_requesters_dm_matching_the_database(
    bot: RunningBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    ids = fill_october(bot)
    bot.fake.reset()

    reply = text_of(bot.command("report 2026-10", channel_id=BETA))
    assert "preparing the usage report for 2026-10: it will arrive in a DM shortly" in reply

    upload, header, rows = uploaded_csv(bot, Decimal("150"))
    assert upload["channel_id"] == f"D_{STAFF}"  # the requester's DM, not the channel
    assert upload["filename"] == "oura-usage-2026-10.csv"
    assert upload["initial_comment"] == "Usage report for 2026-10: 2 contracts."
    assert produce(bot, Decimal("150")) == 0  # sent once: the next run finds nothing to do
    assert [c.args["users"] for c in bot.fake.calls_to("conversations.open")] == [STAFF]
    assert header == [*COLUMNS, ESTIMATE_COLUMN]
    assert rows == expected_rows(ids, estimate=True)
    assert not bot.fake.posts()  # nothing in any customer channel

    # The command line writes the very same file.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("OURA_HOURLY_RATE", "150")
    out = tmp_path / "report.csv"
    cli.main(["report", "--month", "2026-10", "--out", str(out)])
    assert out.read_bytes() == upload["content"]


def test_without_a_rate_there_is_no_estimate_column(bot: RunningBot) -> None:
    ids = fill_october(bot)
    bot.fake.reset()
    bot.command("report 2026-10")
    _, header, rows = uploaded_csv(bot)
    assert header == list(COLUMNS)
    assert rows == expected_rows(ids, estimate=False)


def test_a_month_with_no_live_contract_gives_a_header_only(bot: RunningBot) -> None:
    bot.link("premium", "2025-01-01", OLD, "Old Ltd")
    assert "2026-10" in text_of(bot.command("report 2026-10", channel_id=OLD))
    upload, header, rows = uploaded_csv(bot)
    assert upload["initial_comment"] == "Usage report for 2026-10: 0 contracts."
    assert header == list(COLUMNS) and rows == []


def test_report_is_for_staff_only(bot: RunningBot) -> None:
    bot.link("launch-kit", "2026-09-01")
    reply = text_of(bot.command("report 2026-10", user_id="U_BUYER", team_id="T_CUSTOMER"))
    assert "Only the vendor's staff" in reply
    assert produce(bot) == 0
    assert not bot.fake.uploaded_files()
    assert not bot.fake.calls_to("files.getUploadURLExternal")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("report 2026-13", "`2026-13` is not a month in the form YYYY-MM"),
        ("report october", "`october` is not a month in the form YYYY-MM"),
        ("report 2026-10 2026-11", "Give at most one month."),
    ],
)
def test_a_malformed_month_is_named_and_nothing_is_sent(
    bot: RunningBot, text: str, problem: str
) -> None:
    reply = text_of(bot.command(text))
    assert problem in reply and "/oura-book report [YYYY-MM]" in reply
    assert produce(bot) == 0
    assert not bot.fake.calls_to("files.getUploadURLExternal")


def test_cli_report_shows_progress_for_a_large_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    engine = make_engine(url)
    upgrade(engine)
    booking = BookingService(engine, "Europe/Helsinki")
    for n in range(12):
        booking.link(
            Actor(STAFF, VENDOR_TEAM), f"C{n:03d}", "pro-lite", date(2026, 1, 1), f"Co {n}"
        )
    engine.dispose()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(cli._Progress, "EVERY", 5)
    monkeypatch.setattr("storage.report.BATCH", 5)
    cli.main(["report", "--month", "2026-10", "--out", "r.csv"])
    err = capsys.readouterr().err
    assert "5/12 accounts" in err and "10/12 accounts" in err and "12/12 accounts" in err
    assert "wrote 12 rows for 2026-10 to r.csv" in err
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 13


def test_cli_report_refuses_a_malformed_month(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["report", "--month", "2026-1", "--out", "r.csv"])
    assert stopped.value.code == 2
    assert "--month must be a month in the form YYYY-MM" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def _fact(**changes: Any) -> ContractFact:
    values: dict[str, Any] = {
        "account_id": 1,
        "company": "Acme Oy",
        "channel_id": "C1",
        "timezone": "Europe/Helsinki",
        "contract_id": 7,
        "package_id": "launch-kit",
        "start": date(2027, 1, 4),
        "term_months": 12,
        "included_minutes": 240,
        "status_updates": 0,
        "sessions": (),
    }
    values.update(changes)
    return ContractFact(**values)


def test_minutes_left_lapse_when_the_window_closed_by_the_months_end() -> None:
    held = SessionFact(datetime(2027, 1, 12, 12, tzinfo=UTC), "held", 60, 0, False)
    fact = _fact(sessions=(held,))
    january = report_row(fact, Month(2027, 1), None)
    assert january is not None and january.included_minutes_left == 180
    # Launch Kit's window is 90 days: closed before the end of April, so nothing is left.
    april = report_row(fact, Month(2027, 4), None)
    assert april is not None and april.included_minutes_left == 0
    assert april.included_minutes_used_in_month == 0 and april.included_minutes_used_to_date == 60
    assert report_row(fact, Month(2026, 12), None) is None  # before the contract
    assert report_row(fact, Month(2028, 1), None) is not None  # its last days: 1 to 3 Jan
    assert report_row(fact, Month(2028, 2), None) is None  # after its term


def test_parse_report_forms() -> None:
    assert commands.parse("report") == commands.Report(None)
    assert commands.parse("report 2027-01") == commands.Report(Month(2027, 1))
    assert "/oura-book report [YYYY-MM]" in str(commands.help_text())
