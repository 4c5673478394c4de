"""Shared fixtures: databases (SQLite and PostgreSQL), the fake Slack, and the running app.

Every test that takes `database_url` (directly or through `engine`, `booking` or `bot`) runs
once on SQLite and once on PostgreSQL. PostgreSQL comes from OURA_TEST_POSTGRES_URL (default:
the local server at 127.0.0.1:5432, database `test`); when it cannot be reached those runs skip
with the reason, unless OURA_REQUIRE_POSTGRES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slackreq import SlackSender
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.app import create_app, finish_lazy_work
from bot.sandbox.fakeslack import FakeSlack
from bot.services.booking import BookingService
from bot.settings import Settings
from bot.web import make_server, wsgi_app
from storage.engine import make_engine, normalise_url
from storage.migrate import upgrade

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
VENDOR_TEAM = "T_VENDOR"
STAFF = "U_STAFF"
STAFF_NY = "U_NY"
CHANNEL = "C_ACME"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TABLES = (
    "balance_message",
    "installation_state",
    "staff_member",
    "report_job",
    "support_case",
    "customer_order",
    "seen_request",
    "processed_event",
    "session_request",
    "post_ledger",
    "audit_event",
    "onboarding_session",
    "contract",
    "customer_team",
    "account",
)


# -- databases --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets its own copy."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped at the end."""
    base = normalise_url(os.environ.get("OURA_TEST_POSTGRES_URL") or DEFAULT_PG)
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        admin.dispose()
        reason = f"PostgreSQL is not reachable at {make_url(base).render_as_string()}: {error}"
        if os.environ.get("OURA_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (OURA_REQUIRE_POSTGRES=1)")
        pytest.skip(reason.splitlines()[0] + " (set OURA_TEST_POSTGRES_URL to use another)")
    name = f"oura_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "oura.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def booking(engine: Engine) -> BookingService:
    return BookingService(engine, "Europe/Helsinki")


# -- Slack ----------------------------------------------------------------------------------


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id=VENDOR_TEAM)
    fake.add_user(STAFF, tz="Europe/Helsinki", team_id=VENDOR_TEAM)
    fake.add_user(STAFF_NY, tz="America/New_York", team_id=VENDOR_TEAM)
    with fake:
        yield fake


def settings_for(fake: FakeSlack, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_api_url": fake.api_url,
        "database_url": database_url,
        "port": 0,
        "default_timezone": "Europe/Helsinki",
        "hourly_rate": None,
    }
    values.update(overrides)
    return Settings(**values)


_keys = itertools.count(1)


@dataclass
class RunningBot:
    """The app served over HTTP by the production server, with the fake Slack behind it."""

    base_url: str
    sender: SlackSender
    fake: FakeSlack
    engine: Engine
    booking: BookingService

    def command(
        self,
        text: str,
        user_id: str = STAFF,
        channel_id: str = CHANNEL,
        team_id: str = VENDOR_TEAM,
        timeout: float = 10,
        **options: Any,
    ) -> dict[str, Any]:
        """Send `/oura-book <text>` as Slack does and return the reply posted to response_url."""
        key = f"r{next(_keys)}"
        reply = self.sender.command(
            text,
            user_id=user_id,
            channel_id=channel_id,
            team_id=team_id,
            response_url=self.fake.response_url(key),
            **options,
        )
        assert reply.status == 200, (reply.status, reply.body)
        return self.fake.wait_for_responses(key, 1, timeout=timeout)[0].body

    def link(
        self,
        package: str = "launch-kit",
        start: str = "2027-01-04",
        channel_id: str = CHANNEL,
        company: str = "Acme Oy",
    ) -> dict[str, Any]:
        """Link the channel, then forget the welcome post and the living balance (posted and
        pinned after it) so tests see only what follows."""
        reply = self.command(f"link {package} {start} {company}", channel_id=channel_id)
        # The balance follows the welcome in the lazy work: slow on a loaded machine.
        self.fake.wait_for_posts(channel_id, 2, timeout=20)
        self.fake.wait_for(
            lambda: self.fake.calls_to("pins.add"), timeout=20, message="the balance pinned"
        )
        self.fake.reset()
        return reply


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Settings a test wants different (parametrize `bot_settings` to change them)."""
    return {}


@pytest.fixture
def bot(
    fake_slack: FakeSlack, database_url: str, bot_settings: dict[str, Any]
) -> Iterator[RunningBot]:
    with serve_bot(fake_slack, database_url, **bot_settings) as running:
        yield running


@contextlib.contextmanager
def serve_bot(fake: FakeSlack, database_url: str, **overrides: Any) -> Iterator[RunningBot]:
    """One web process's worth of app: its own Bolt app, engine and memory, on `database_url`."""
    settings = settings_for(fake, database_url, **overrides)
    engine = make_engine(database_url)
    app = create_app(settings, engine)
    server = make_server(
        wsgi_app(app, engine, SIGNING_SECRET),
        host="127.0.0.1",
        port=0,
        asyncore_loop_timeout=0.05,
    )
    thread = threading.Thread(target=_serve_until_closed, args=(server,), daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.effective_port}"
    try:
        yield RunningBot(
            base_url=base_url,
            sender=SlackSender(base_url, SIGNING_SECRET),
            fake=fake,
            engine=engine,
            booking=BookingService(engine, "Europe/Helsinki"),
        )
    finally:
        server.close()
        thread.join(timeout=5)
        # Lazy work still running would write into the next test's database (PostgreSQL's is
        # shared and truncated between tests).
        finish_lazy_work(app)
        engine.dispose()


def _serve_until_closed(server: Any) -> None:
    # Closing waitress from another thread can leave its select() on a closed socket.
    with contextlib.suppress(OSError, ValueError):
        server.run()


def text_of(reply: dict[str, Any]) -> str:
    """All the text a user sees in a reply: the fallback and every block's text."""
    parts = [reply.get("text") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reply.get("blocks") or [])
    return "\n".join(parts)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
