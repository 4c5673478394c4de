"""The ack never waits on the database, replays change nothing in any process, and a database
that is out of reach gets a polite answer, then everything works again without a restart."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
from conftest import (
    CHANNEL,
    DEFAULT_PG,
    STAFF,
    TABLES,
    VENDOR_TEAM,
    RunningBot,
    serve_bot,
    text_of,
)
from slackreq import block_action
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.blocks import ids
from bot.sandbox.fakeslack import FakeSlack
from storage.engine import SQLITE_BUSY_TIMEOUT_MS, normalise_url

UNREACHABLE = "I can't reach the database right now, so nothing was changed"
SQLITE_WAIT = SQLITE_BUSY_TIMEOUT_MS / 1000


def _count(bot: RunningBot, table: str) -> int:
    with bot.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)


def _signed_command(bot: RunningBot, text_: str, key: str) -> tuple[str, dict[str, str]]:
    body = "&".join(
        f"{k}={v}"
        for k, v in {
            "command": "/oura-book",
            "text": text_.replace(" ", "+"),
            "user_id": STAFF,
            "team_id": VENDOR_TEAM,
            "channel_id": CHANNEL,
            "response_url": bot.fake.response_url(key),
            "trigger_id": "1.2.3",
        }.items()
    )
    return body, bot.sender.signature_headers(body)


def test_a_replay_to_another_process_is_acked_and_changes_nothing(
    bot: RunningBot, fake_slack: FakeSlack, database_url: str
) -> None:
    bot.link("premium")
    body, headers = _signed_command(bot, "kickoff 2027-03-01 10:00 30m", "first")
    signed = {
        "signature": headers["X-Slack-Signature"],
        "timestamp": int(headers["X-Slack-Request-Timestamp"]),
    }
    assert bot.sender.send(body, "application/x-www-form-urlencoded", **signed).status == 200
    fake_slack.wait_for_responses("first", 1)
    fake_slack.wait_for_posts(CHANNEL, 1)
    sessions = _count(bot, "onboarding_session")
    with serve_bot(fake_slack, database_url) as other:
        # The other process has not seen the signature: it acks at once, asking no database,
        # then finds the replay in the shared table and does nothing.
        replay = other.sender.send(body, "application/x-www-form-urlencoded", **signed)
        assert replay.status == 200
        time.sleep(0.5)
        assert _count(other, "onboarding_session") == sessions == 1
    assert len(fake_slack.responses("first")) == 1
    assert len(fake_slack.posts(CHANNEL)) == 1


# -- PostgreSQL out of reach ---------------------------------------------------------------------


class Cuttable:
    """A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused
    at once) and mended: the database server goes away and comes back, as far as the app sees."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.cut = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._live: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def set_cut(self, cut: bool) -> None:
        if cut:
            self.cut.set()
            with self._lock:
                for s in self._live:
                    s.close()
                self._live.clear()
        else:
            self.cut.clear()

    def close(self) -> None:
        self.set_cut(True)
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.cut.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._live += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.close()


@pytest.fixture
def proxied_postgres(postgres_database: str) -> Iterator[tuple[str, Cuttable]]:
    base = make_url(normalise_url(os.environ.get("OURA_TEST_POSTGRES_URL") or DEFAULT_PG))
    proxy = Cuttable(base.host or "127.0.0.1", base.port or 5432)
    url = make_url(postgres_database).set(host="127.0.0.1", port=proxy.port)
    try:
        yield url.render_as_string(hide_password=False), proxy
    finally:
        proxy.close()


def _health(bot: RunningBot) -> int:
    try:
        with urlopen(f"{bot.base_url}/healthz", timeout=10) as answer:
            return int(answer.status)
    except HTTPError as error:
        return int(error.code)


def test_postgresql_out_of_reach_gets_a_polite_answer_then_works_again(
    fake_slack: FakeSlack, proxied_postgres: tuple[str, Cuttable]
) -> None:
    url, proxy = proxied_postgres
    with serve_bot(fake_slack, url) as bot:
        with bot.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        bot.link("premium")
        assert _health(bot) == 200

        proxy.set_cut(True)
        started = time.monotonic()
        key = "down"
        reply = bot.sender.command(
            "usage", user_id=STAFF, channel_id=CHANNEL, response_url=fake_slack.response_url(key)
        )
        assert reply.status == 200 and time.monotonic() - started < 3
        [answer] = fake_slack.wait_for_responses(key, 1, timeout=15)
        assert UNREACHABLE in text_of(answer.body)
        click = block_action(
            ids.SHOW_USAGE,
            "usage",
            user_id=STAFF,
            team_id=VENDOR_TEAM,
            channel_id=CHANNEL,
            response_url=fake_slack.response_url("click"),
        )
        assert bot.sender.interaction(click).status == 200
        [note] = fake_slack.wait_for(lambda: fake_slack.calls_to("chat.postEphemeral"), 15)
        assert UNREACHABLE in note.args["text"]
        assert _health(bot) == 503

        proxy.set_cut(False)
        assert "Premium Success" in text_of(bot.command("usage"))
        assert _health(bot) == 200


# -- SQLite held by another writer --------------------------------------------------------------


@contextlib.contextmanager
def held_sqlite(
    fake: FakeSlack, tmp_path: Path, template: Path
) -> Iterator[tuple[RunningBot, Callable[[str], tuple[int, float]], Callable[[], None]]]:
    """An app on its own SQLite file, linked, while another connection holds the write lock.
    Yields the app, a way to send a booking (its HTTP status and how long the ack took) and a
    way to let the database go."""
    path = tmp_path / "held.db"
    shutil.copy(template, path)
    with serve_bot(fake, f"sqlite:///{path}") as bot:
        bot.link("premium")
        holder = sqlite3.connect(path, timeout=30, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
        released = False

        def book(key: str) -> tuple[int, float]:
            started = time.monotonic()
            reply = bot.sender.command(
                "kickoff 2027-03-01 10:00 30m",
                user_id=STAFF,
                channel_id=CHANNEL,
                response_url=fake.response_url(key),
            )
            return reply.status, time.monotonic() - started

        def release() -> None:
            nonlocal released
            if not released:
                holder.execute("ROLLBACK")
                holder.close()
                released = True

        try:
            yield bot, book, release
        finally:
            release()


def test_a_locked_sqlite_does_not_hold_the_ack_and_loses_nothing(
    fake_slack: FakeSlack, tmp_path: Path, sqlite_template: Path
) -> None:
    with held_sqlite(fake_slack, tmp_path, sqlite_template) as (bot, book, release):
        status, acked_after = book("locked")
        time.sleep(2)
        assert not fake_slack.responses("locked")  # still waiting for the database
        release()
        assert status == 200 and acked_after < 3
        [answer] = fake_slack.wait_for_responses("locked", 1, timeout=30)
        assert "Booked *Kickoff* #1" in text_of(answer.body)
        assert _count(bot, "onboarding_session") == 1


def test_sqlite_held_past_its_busy_timeout_gets_the_polite_answer_then_works(
    fake_slack: FakeSlack, tmp_path: Path, sqlite_template: Path
) -> None:
    with held_sqlite(fake_slack, tmp_path, sqlite_template) as (bot, book, release):
        status, acked_after = book("held")
        assert status == 200 and acked_after < 3
        [answer] = fake_slack.wait_for_responses("held", 1, timeout=SQLITE_WAIT + 10)
        release()
        assert UNREACHABLE in text_of(answer.body)
        assert _count(bot, "onboarding_session") == 0
        assert "Booked *Kickoff* #1" in text_of(bot.command("kickoff 2027-03-01 10:00 30m"))
