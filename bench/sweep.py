"""How a clock sweep's time grows with what is due, and whether reminders wait.

For each size (default 200, then 20,000), seeds that many accounts, each with its own channel
and a post due (a Launch Kit's window warning), and besides them 1% of accounts with a session
starting in 45 minutes (its hour-before reminder due; these contracts come last in the order
the clock reads due contracts). One real sweep runs: ledger claims, pacing of one post a second
per channel, posts to a local fake Slack that answers each chat.postMessage after 100 ms (run
in a child process, as Slack is not in ours). Prints the sweep time, posts per second, and when
the reminders went out (seconds after the sweep began, and how many other posts Slack had
answered before the last reminder: at most the posts already in flight).

Exits non-zero when a post is missing or doubled (in the fake Slack or in the ledger), or when
a reminder waited behind more other posts than the channels posted to at once.

    .venv/bin/python bench/sweep.py                       # SQLite
    .venv/bin/python bench/sweep.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/sweep.py --sizes 200,2000      # smaller, while developing
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from sqlalchemy import Engine, create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.clock import CHANNELS_AT_ONCE, Sweeper, clock_web_client  # noqa: E402
from bot.domain.entitlement import Balance, ContractTerms  # noqa: E402
from bot.domain.packages import PACKAGES, SessionType  # noqa: E402
from bot.domain.schedule import ContractFacts, next_check  # noqa: E402
from bot.sandbox.fakeslack import FakeSlack  # noqa: E402
from storage.engine import make_engine, normalise_url  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Account, Contract, OnboardingSession, PostLedger  # noqa: E402

NOW = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)  # Thursday, 10:00 in Helsinki
TZ = "Europe/Helsinki"
DUE_START = date(2027, 1, 4)  # a Launch Kit whose 30-day window warning is due at NOW
SESSION_AT = NOW + timedelta(minutes=45)  # its hour-before reminder is due at NOW
SLACK_ANSWERS_IN = 0.1


def window_warning_due() -> datetime:
    """When the clock was to look at a warning's contract: this morning, a backlog of an hour."""
    package = PACKAGES["launch-kit"]
    terms = ContractTerms(package, DUE_START, 12, TZ)
    balance = Balance(package.included_minutes, 0, package.status_updates, 0)
    moment = next_check(ContractFacts(0, 0, "C", "Co", terms, balance), set(), NOW)
    assert moment is not None and moment <= NOW  # due
    return NOW - timedelta(hours=1)


def seed(engine: Engine, due: int, with_reminder: int) -> None:
    """`due` accounts with a window warning due; the last `with_reminder` of them also with a
    session whose hour-before reminder is due (their contracts are read last: their next look
    is later than the warnings')."""
    warning_at = window_warning_due()
    reminder_at = SESSION_AT - timedelta(hours=1)
    assert reminder_at > warning_at
    first_reminder = due - with_reminder + 1
    package = PACKAGES["launch-kit"]
    batch = 5_000
    with engine.begin() as connection:
        for first in range(0, due, batch):
            ids = range(first + 1, min(first + batch, due) + 1)
            connection.execute(
                insert(Account),
                [
                    {
                        "id": i,
                        "company": f"Customer {i}",
                        "channel_id": f"C{i:07d}",
                        "timezone": TZ,
                        "vendor_contact_id": "U_STAFF",
                        "created_at": NOW,
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
                        "start": DUE_START,
                        "term_months": 12,
                        "included_minutes": package.included_minutes,
                        "status_updates": package.status_updates,
                        "minutes_spent": 0,
                        "status_updates_spent": 0,
                        "next_post_at": reminder_at if i >= first_reminder else warning_at,
                        "created_at": NOW,
                    }
                    for i in ids
                ],
            )
        sessions = [
            {
                "account_id": i,
                "contract_id": i,
                "session_type": SessionType.ONBOARDING.value,
                "starts_at": SESSION_AT,
                "minutes_booked": 30,
                "included_minutes": 30,
                "state": "booked",
                "booked_by": "U_STAFF",
                "booked_by_team": "T_VENDOR",
                "created_at": NOW - timedelta(days=2),
                "updated_at": NOW - timedelta(days=2),
            }
            for i in range(first_reminder, due + 1)
        ]
        if sessions:
            connection.execute(insert(OnboardingSession), sessions)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def fresh_database(base_url: str | None, workdir: Path, label: str) -> tuple[Engine, Any]:
    if base_url is None:
        engine = make_engine(f"sqlite:///{workdir / f'{label}.db'}")
        upgrade(engine)
        return engine, None
    base = normalise_url(base_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"oura_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(base).set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    return engine, (admin, name)


def drop(engine: Engine, cleanup: Any) -> None:
    engine.dispose()
    if cleanup is not None:
        admin, name = cleanup
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def serve_fake_slack(pipe: Any) -> None:
    """The child process: a fake Slack answering posts in 100 ms, until told to stop; then it
    sends back (key, channel, seconds since the epoch answered) for each post it took."""
    with FakeSlack() as fake:
        fake.slow("chat.postMessage", SLACK_ANSWERS_IN)
        pipe.send(fake.api_url)
        pipe.recv()
        offset = time.time() - time.monotonic()
        posts = [
            (
                (call.args.get("metadata") or {}).get("event_payload", {}).get("key"),
                call.args.get("channel"),
                call.at + offset,
            )
            for call in fake.posts()
        ]
        pipe.send(json.dumps(posts))


def measure(
    base_url: str | None, due: int, workdir: Path, channels_at_once: int
) -> tuple[dict[str, float], list[str]]:
    """One sweep of `due` warnings and 1% reminders; the figures, and what went wrong."""
    reminders = max(1, due // 100)
    engine, cleanup = fresh_database(base_url, workdir, f"sweep{due}")
    parent, child = multiprocessing.Pipe()
    slack = multiprocessing.get_context("spawn").Process(target=serve_fake_slack, args=(child,))
    slack.start()
    try:
        seed(engine, due, reminders)
        url = parent.recv()
        sweeper = Sweeper(
            engine,
            clock_web_client("xoxb-bench", url),
            pace_seconds=1.0,
            channels_at_once=channels_at_once,
        )
        started = time.time()
        report = sweeper.sweep(NOW)
        # A post that failed (a dropped connection) is retried by the next sweeps, as the
        # clock would 5 minutes later: here at once, on the sweep's timeline past the back-off.
        retries = 0
        while report.failed and retries < 5:
            retries += 1
            again = sweeper.sweep(NOW + timedelta(minutes=2 ** (retries + 1)))
            report.sent += again.sent + again.recovered
            report.failed = again.failed
        elapsed = time.time() - started
        parent.send("stop")
        posts = json.loads(parent.recv())
        with engine.connect() as connection:
            states = Counter(
                state for (state,) in connection.execute(select(PostLedger.state)).all()
            )
    finally:
        slack.join(timeout=30)
        if slack.is_alive():
            slack.terminate()
        drop(engine, cleanup)
    wrong = []
    counts = Counter(key for key, _, _ in posts)
    expected = due + reminders
    doubled = [key for key, n in counts.items() if n > 1]
    if doubled:
        wrong.append(f"{len(doubled)} posts doubled, e.g. {doubled[:3]}")
    if len(counts) != expected or len(report.sent) != expected:
        wrong.append(f"{len(counts)} posts in Slack, {len(report.sent)} sent, {expected} due")
    if states.get("sent", 0) != expected:
        wrong.append(f"ledger: {dict(states)}, {expected} due")
    at = {key: moment - started for key, _, moment in posts}
    reminder_at = sorted(t for key, t in at.items() if ":reminder-1h:" in key)
    if len(reminder_at) != reminders:
        wrong.append(f"{len(reminder_at)} hour-before reminders sent, {reminders} due")
    last_reminder = reminder_at[-1] if reminder_at else float("nan")
    others_before = sum(1 for key, t in at.items() if ":reminder" not in key and t < last_reminder)
    if others_before > channels_at_once:
        wrong.append(f"{others_before} other posts were answered before the last reminder")
    return {
        "due": expected,
        "reminders": reminders,
        "seconds": elapsed,
        "per_second": expected / elapsed,
        "first_reminder": reminder_at[0] if reminder_at else float("nan"),
        "median_reminder": statistics.median(reminder_at) if reminder_at else float("nan"),
        "last_reminder": last_reminder,
        "others_before": others_before,
        "retry_sweeps": retries,
    }, wrong


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL server to use (default: SQLite)"
    )
    parser.add_argument(
        "--sizes", default="200,20000", help="posts due (one channel each), comma-separated"
    )
    parser.add_argument(
        "--channels-at-once", type=int, default=CHANNELS_AT_ONCE, help="the clock's pool"
    )
    args = parser.parse_args()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"sweep benchmark on {backend}: a fake Slack answering in {SLACK_ANSWERS_IN * 1000:.0f} "
        f"ms, pacing 1 post/s per channel, {args.channels_at_once} channels at once"
    )
    failures = []
    with tempfile.TemporaryDirectory() as workdir:
        for size in (int(s) for s in args.sizes.split(",")):
            figures, wrong = measure(args.database_url, size, Path(workdir), args.channels_at_once)
            print(
                f"  {size:>6,} warnings + {figures['reminders']:,} hour-before reminders over "
                f"{size:,} channels: sweep {figures['seconds']:.1f} s "
                f"({figures['per_second']:.1f} posts/s); reminders sent "
                f"{figures['first_reminder']:.2f}-{figures['last_reminder']:.2f} s after the "
                f"start (median {figures['median_reminder']:.2f} s), "
                f"{figures['others_before']} other posts before the last one; "
                f"{figures['retry_sweeps']} more sweeps for failed posts"
            )
            for line in wrong:
                print(f"  WRONG ({size:,}): {line}")
            failures += wrong
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
