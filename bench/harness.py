"""What the HTTP benchmarks share: a seeded database, the fake Slack in its own process, the
app started as `oura-bot web`, and closed-loop clients sending Slack-signed requests.

The fake Slack (bot/sandbox/fakeslack.py) and the signer (tests/slackreq.py) are the ones the
tests use; the fake runs in a child process so its threads do not share the clients' interpreter
lock.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

from slackreq import Reply, SlackSender  # noqa: E402
from sqlalchemy import Engine, insert, text  # noqa: E402
from sweep import drop, fresh_database  # noqa: E402

from bot.domain.packages import PACKAGES, SessionState, SessionType  # noqa: E402
from bot.sandbox.fakeslack import FakeSlack  # noqa: E402
from storage.models import Account, Contract, OnboardingSession  # noqa: E402

SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
VENDOR_TEAM = "T_VENDOR"
STAFF = "U_STAFF"
TZ = "Europe/Helsinki"
HELD_INCLUDED = 2  # sessions per account held on included minutes (30 minutes each)


def channel_of(account_id: int) -> str:
    return f"C{account_id:07d}"


# -- the database ---------------------------------------------------------------------------


def seed_customers(engine: Engine, accounts: int, sessions_each: int, today: date) -> None:
    """`accounts` Premium customers in term, each with `sessions_each` sessions of history:
    two held on included minutes (60 of 120 spent), then held billable, cancelled and booked
    ones, spread over the last and next months."""
    package = PACKAGES["premium"]
    now = datetime.combine(today, datetime.min.time(), UTC)
    batch = 2_000
    with engine.begin() as connection:
        for first in range(1, accounts + 1, batch):
            ids = range(first, min(first + batch, accounts + 1))
            connection.execute(
                insert(Account),
                [
                    {
                        "id": i,
                        "company": f"Customer {i}",
                        "channel_id": channel_of(i),
                        "timezone": TZ,
                        "vendor_contact_id": STAFF,
                        "created_at": now - timedelta(days=60),
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(Contract),
                [
                    {
                        "id": i,
                        "account_id": i,
                        "package_id": package.id,
                        "start": today - timedelta(days=60),
                        "term_months": 12,
                        "included_minutes": package.included_minutes,
                        "status_updates": package.status_updates,
                        "minutes_spent": 30 * HELD_INCLUDED,
                        "status_updates_spent": 0,
                        "next_post_at": None,
                        "created_at": now - timedelta(days=60),
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(OnboardingSession),
                [_session_row(i, j, sessions_each, now) for i in ids for j in range(sessions_each)],
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _session_row(account_id: int, j: int, count: int, now: datetime) -> dict[str, Any]:
    """Session j of an account's `count`, two days apart at 09:00 UTC: the last five booked
    ahead of now; before them, the first two held on included minutes, then held (billable)
    and cancelled ones in turn."""
    future = j >= count - 5
    starts_at = now + timedelta(days=(j - count + 6) * 2 if future else -(count - j) * 2, hours=9)
    status = (
        SessionState.BOOKED
        if future
        else SessionState.HELD
        if j < HELD_INCLUDED or j % 2
        else SessionState.CANCELLED
    )
    included = 30 if j < HELD_INCLUDED else 0
    billable = 0 if j < HELD_INCLUDED or status == SessionState.CANCELLED else 30
    return {
        "account_id": account_id,
        "contract_id": account_id,
        "session_type": SessionType.TRAINING.value,
        "starts_at": starts_at,
        "number": j + 1,
        "minutes_booked": 30,
        "minutes_held": 30 if status == SessionState.HELD else None,
        "included_minutes": included,
        "billable_minutes": billable,
        "uses_status_update": False,
        "billable_confirmed_minutes": billable,
        "state": status.value,
        "booked_by": STAFF,
        "booked_by_team": VENDOR_TEAM,
        "created_at": starts_at - timedelta(days=7),
        "updated_at": starts_at - timedelta(days=7),
    }


@contextmanager
def seeded_database(
    base_url: str | None, workdir: Path, accounts: int, sessions_each: int
) -> Iterator[tuple[str, Engine, float]]:
    """A scratch database (SQLite file, or a new PostgreSQL database on `base_url`), seeded;
    yields its URL, an engine and the seconds seeding took. Dropped afterwards."""
    engine, cleanup = fresh_database(base_url, workdir, "bench")
    try:
        started = time.perf_counter()
        seed_customers(engine, accounts, sessions_each, datetime.now(UTC).date())
        seconds = time.perf_counter() - started
        yield engine.url.render_as_string(hide_password=False), engine, seconds
    finally:
        drop(engine, cleanup)


# -- the fake Slack, in a child process -----------------------------------------------------


class _ReportingFake(FakeSlack):
    """The fake Slack, also reporting each answer as it arrives: (key, text, time.monotonic())
    on `answers`, the key being the response_url's key, or `ephemeral:<channel>:<user>`.
    CLOCK_MONOTONIC is one clock for every process, so the sender can subtract its send time."""

    answers: Any = None

    def _record_response(self, key: str, body: dict[str, Any]) -> None:
        super()._record_response(key, body)
        self.answers.put((key, text_of(body), time.monotonic()))

    def _handle_api(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, body, headers = super()._handle_api(method, args, token)
        if method == "chat.postEphemeral":
            key = f"ephemeral:{args.get('channel')}:{args.get('user')}"
            self.answers.put((key, text_of(args) if body.get("ok") else "", time.monotonic()))
        return status, body, headers


def text_of(message: dict[str, Any]) -> str:
    """All the text a person would read in a message: its fallback and its blocks' text."""
    parts: list[str] = []

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

    walk({"text": message.get("text"), "blocks": message.get("blocks")})
    return "\n".join(parts)


def _serve_fake(connection: Connection, answers: Any = None) -> None:
    fake = FakeSlack(team_id=VENDOR_TEAM) if answers is None else _ReportingFake(VENDOR_TEAM)
    if answers is not None:
        fake.answers = answers
    fake.add_user(STAFF, tz=TZ, team_id=VENDOR_TEAM)
    with fake:
        connection.send(fake.base_url)
        while (message := connection.recv()) != "stop":
            if message == "counts":
                calls = fake.calls
                connection.send(
                    {
                        "responses": len(fake.responses()),
                        "ephemerals": sum(c.method == "chat.postEphemeral" for c in calls),
                        "posts": sum(c.method == "chat.postMessage" and c.ok for c in calls),
                        "failed_calls": sum(not c.ok for c in calls),
                    }
                )
            elif isinstance(message, tuple) and message[0] == "response":
                found = fake.responses(message[1])
                connection.send(found[0].body.get("text", "") if found else None)
            elif message == "reset":
                fake.reset()
                connection.send("ok")


class FakeSlackProcess:
    """The fake Slack in a child process. With `answers=True` it also reports every answer
    (a reply at a response_url, an ephemeral note) as it arrives: see `Answers`."""

    def __init__(self, answers: bool = False) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self.answers = Answers(context.Queue()) if answers else None
        queue = self.answers.queue if self.answers else None
        self._process = context.Process(target=_serve_fake, args=(child, queue), daemon=True)
        self._lock = threading.Lock()  # one conversation on the pipe at a time

    def __enter__(self) -> FakeSlackProcess:
        self._process.start()
        self.base_url: str = self._connection.recv()
        if self.answers:
            self.answers.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._connection.send("stop")
        self._process.join(timeout=5)
        if self.answers:
            self.answers.stop()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/response/{key}"

    def _ask(self, message: object) -> Any:
        with self._lock:
            self._connection.send(message)
            return self._connection.recv()

    def counts(self) -> dict[str, int]:
        return self._ask("counts")  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._ask("reset")

    def response_text(self, key: str) -> str | None:
        """The text of the reply posted to response_url `key`, or None if none came yet."""
        return self._ask(("response", key))  # type: ignore[no-any-return]

    def wait_for_response(self, key: str, timeout: float = 60) -> str | None:
        deadline = time.monotonic() + timeout
        while (found := self.response_text(key)) is None and time.monotonic() < deadline:
            time.sleep(0.002)
        return found

    def wait_for(self, name: str, n: int, timeout: float = 60) -> int:
        """Wait until the fake has seen `n` of `name` (answers arrive after the ack)."""
        deadline = time.monotonic() + timeout
        while (seen := self.counts()[name]) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return seen


@dataclass(frozen=True)
class Answer:
    text: str
    at: float  # time.monotonic() when the fake Slack received it


class Answers:
    """The answers the fake Slack reported, by key; a sender waits for its own."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self._seen: dict[str, Answer] = {}
        self._extra: list[str] = []  # keys answered more than once
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.queue.put(None)
        self._thread.join(timeout=5)

    def _read(self) -> None:
        while (item := self.queue.get()) is not None:
            key, text, at = item
            with self._changed:
                if key in self._seen:
                    self._extra.append(key)
                else:
                    self._seen[key] = Answer(text, at)
                self._changed.notify_all()

    def wait(self, key: str, timeout: float = 30) -> Answer | None:
        """The answer for `key`, waiting up to `timeout` seconds for it; None if none came."""
        with self._changed:
            self._changed.wait_for(lambda: key in self._seen, timeout)
            return self._seen.get(key)

    def answered_twice(self) -> list[str]:
        with self._changed:
            return list(self._extra)


# -- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def memory_kib(self) -> dict[str, int]:
        """VmHWM (peak resident set) and VmRSS of the process, in KiB, from /proc."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])
        return values

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def slack_env(fake: FakeSlackProcess, port: int, database_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("SLACK_APP_TOKEN", "OURA_HOURLY_RATE", "OURA_DEFAULT_TIMEZONE"):
        env.pop(name, None)
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PORT=str(port),
    )
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def start_server(
    name: str, argv: list[str], env: dict[str, str], port: int, workdir: Path
) -> Server:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        # cwd is the scratch directory, so no developer .env is read by the app.
        process = subprocess.Popen(argv, env=env, cwd=workdir, stdout=log, stderr=log)
    server = Server(name, process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log_path.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not start listening within 60 s: {log_path.read_text()}")


def start_oura_web(fake: FakeSlackProcess, database_url: str, workdir: Path) -> Server:
    """The production entry point: the `oura-bot` console script of this interpreter's venv."""
    port = free_port()
    program = Path(sys.executable).parent / "oura-bot"
    if not program.exists():
        raise SystemExit(
            f"{program} is missing: run with the project's venv (make test sets it up)"
        )
    env = slack_env(fake, port, database_url)
    server = start_server(
        "oura-bot web", [str(program), "web", "--host", "127.0.0.1"], env, port, workdir
    )
    health = urllib.request.urlopen(f"{server.base_url}/healthz", timeout=10)
    assert health.status == 200, health.status
    return server


def start_bare_bolt(fake: FakeSlackProcess, workdir: Path) -> Server:
    port = free_port()
    argv = [sys.executable, str(ROOT / "bench" / "bare_bolt.py")]
    return start_server("bare Bolt", argv, slack_env(fake, port), port, workdir)


# -- load ------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One measured run: request latencies (seconds, to the HTTP response) and wall time."""

    label: str
    concurrency: int
    latencies: list[float]
    statuses: list[int]
    seconds: float

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def failures(self) -> int:
        return sum(status != 200 for status in self.statuses)


def run_closed_loop(label: str, send: Callable[[int], Reply], total: int, concurrency: int) -> Cell:
    """`concurrency` clients, each sending its next request as soon as the last is answered,
    until `total` requests are sent. `send(i)` sends request number i."""
    latencies = [0.0] * total
    statuses = [0] * total
    counter = iter(range(total))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            started = time.perf_counter()
            reply = send(i)
            latencies[i] = time.perf_counter() - started
            statuses[i] = reply.status

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Cell(label, concurrency, latencies, statuses, time.perf_counter() - started)


def sender_for(server: Server) -> SlackSender:
    return SlackSender(server.base_url, SIGNING_SECRET, timeout=30)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
