"""`oura-bot web --workers 2` on PostgreSQL: two processes behind one port answer Slack-signed
requests, and a request replayed (to whichever process) changes nothing."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.request import urlopen

import pytest
from conftest import CHANNEL, SIGNING_SECRET, STAFF, TABLES, text_of
from slackreq import SlackSender
from sqlalchemy import text
from sqlmodel import Session, select
from test_cli import OURA_BOT, env_with

from bot.blocks.balance import balance_post
from bot.i18n import speaking
from bot.sandbox.fakeslack import FakeSlack
from bot.services.balance import BalanceMessages
from bot.services.booking import BookingService
from storage.engine import make_engine
from storage.models import BalanceMessage


def _children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.fixture
def two_workers(
    tmp_path: Path, fake_slack: FakeSlack, postgres_database: str
) -> Iterator[tuple[SlackSender, str, subprocess.Popen[str]]]:
    engine = make_engine(postgres_database)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    process = subprocess.Popen(
        [OURA_BOT, "web", "--workers", "2", "--threads", "4", "--host", "127.0.0.1", "--port", "0"],
        cwd=tmp_path,
        env=env_with(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake_slack.api_url,
            DATABASE_URL=postgres_database,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        line = process.stdout.readline()
        if "serving Slack over HTTP with 2 worker processes" not in line:
            process.kill()
            pytest.fail(f"oura-bot web --workers 2 did not start: {line}{process.stderr.read()}")
        base = line.strip().rsplit(" at ", 1)[1].removesuffix("/slack/events")
        yield SlackSender(base, SIGNING_SECRET), base, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=30) == 0
        finally:
            process.kill()


def test_two_worker_processes_answer_signed_requests_and_refuse_replays(
    two_workers: tuple[SlackSender, str, subprocess.Popen[str]],
    fake_slack: FakeSlack,
    postgres_database: str,
) -> None:
    sender, base, process = two_workers
    deadline = time.monotonic() + 20
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_children(process.pid)) == 2  # two web processes behind the one port
    with urlopen(base + "/healthz", timeout=5) as response:
        assert response.status == 200

    def command(words: str, key: str, **send: object) -> str:
        reply = sender.command(
            words,
            user_id=STAFF,
            channel_id=CHANNEL,
            response_url=fake_slack.response_url(key),
            **send,  # type: ignore[arg-type]
        )
        assert reply.status == 200, reply
        return text_of(fake_slack.wait_for_responses(key, 1, timeout=15)[0].body)

    assert "Linked" in command("link launch-kit 2027-01-04 Acme Oy", "link")
    # Several requests: the kernel hands each connection to whichever process accepts first.
    for i in range(6):
        assert "left" in command("usage", f"usage-{i}")

    # One booking, signed once and sent twice (someone replays it): it is booked once,
    # whichever process each copy reaches.
    booking = "kickoff 2027-01-12 14:00 45m"
    timestamp = int(time.time())
    replies = [
        sender.command(
            booking,
            user_id=STAFF,
            channel_id=CHANNEL,
            response_url=fake_slack.response_url("book"),
            trigger_id="1.2.3",
            timestamp=timestamp,
        )
        for _ in range(2)
    ]
    assert replies[0].status == 200
    assert "195 of 240" in text_of(fake_slack.wait_for_responses("book", 1, timeout=15)[0].body)
    time.sleep(1)  # time for a replay to have done something, if it were going to
    engine = make_engine(postgres_database)
    with engine.connect() as connection:
        booked = connection.execute(text("SELECT count(*) FROM onboarding_session")).scalar()
    engine.dispose()
    assert booked == 1
    assert len(fake_slack.responses("book")) == 1


def test_workers_on_sqlite_serve_from_one_process_and_say_why(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    process = subprocess.Popen(
        [OURA_BOT, "web", "--workers", "2", "--host", "127.0.0.1", "--port", "0"],
        cwd=tmp_path,
        env=env_with(
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake_slack.api_url,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "serving Slack over HTTP at" in line  # one waitress process
        assert _children(process.pid) == set()
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "SQLite has one writer" in errors


def test_fifty_bookings_over_two_worker_processes_leave_one_balance_that_matches_the_database(
    two_workers: tuple[SlackSender, str, subprocess.Popen[str]],
    fake_slack: FakeSlack,
    postgres_database: str,
) -> None:
    sender, _base, _process = two_workers
    fake_slack.slow("chat.update", 0.3, uneven=True)  # edits overtake each other on the way

    def command(words: str, key: str) -> str:
        reply = sender.command(
            words, user_id=STAFF, channel_id=CHANNEL, response_url=fake_slack.response_url(key)
        )
        assert reply.status == 200, reply
        return text_of(fake_slack.wait_for_responses(key, 1, timeout=120)[0].body)

    today = date.today()
    assert "Linked" in command(f"link launch-kit {today} Acme Oy", "link")

    def book(i: int) -> str:
        day = today + timedelta(days=7 + i // 8)
        return command(f"training {day} {9 + i % 8:02d}:00 15m billable anyway", f"book-{i}")

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert all("Booked" in reply for reply in pool.map(book, range(50)))
    engine = make_engine(postgres_database)
    try:
        balances = BalanceMessages(BookingService(engine, "Europe/Helsinki"))

        def settled() -> BalanceMessage | None:
            with Session(engine) as db:
                row = db.exec(select(BalanceMessage)).one()
            return row if row.ts and row.shown_version == row.version else None

        row = fake_slack.wait_for(settled, timeout=60, message="the balance settled")
        _version, usage = balances.snapshot(row.account_id)
        with speaking(usage.account.language):
            expected = balance_post(usage).as_kwargs()
    finally:
        engine.dispose()
    posted = [c for c in fake_slack.posts(CHANNEL) if "onboarding balance" in text_of(c.args)]
    assert [c.result["ts"] for c in posted] == [row.ts]  # one message, edited in place
    last = [c for c in fake_slack.calls_to("chat.update") if c.args["ts"] == row.ts][-1]
    assert last.args["blocks"] == expected["blocks"]
    assert "240 used of 240, *0 left*" in text_of(last.args)
