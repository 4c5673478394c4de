"""Booking throughput: 8 staff booking into one customer's channel at once, over HTTP.

Starts `oura-bot web` on a seeded database (10,000 customers, 300,000 sessions; see
bench/harness.py) with a fake Slack, then runs two phases with 8 concurrent clients. Each client
sends Slack-signed `/oura-book` bookings one after another and waits for each answer (the
reply Slack gets at the command's response_url), as a person typing would.

- race: every client books 10-minute sessions without `billable` into an account with 60
  included minutes left. Exactly 6 must be accepted; every other one must be told the
  booking needs `billable`.
- throughput: every client books 30-minute sessions with `billable` into another account
  (60 included minutes left, the rest billable); all must be accepted.

At the end it checks, from the database, that no contract spent more included minutes than
its package holds, that each contract's counter equals its sessions' included minutes, and
that every request got an answer. Prints bookings per second and the answer latency.

    .venv/bin/python bench/book.py                      # SQLite (a temporary file)
    .venv/bin/python bench/book.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    STAFF,
    VENDOR_TEAM,
    FakeSlackProcess,
    channel_of,
    load_average,
    run_closed_loop,
    seeded_database,
    sender_for,
    start_oura_web,
)
from slackreq import Reply, SlackSender
from sqlalchemy import Engine, func, select

from storage.models import Contract, OnboardingSession

CLIENTS = 8
RACE_ACCOUNT = 2  # 60 of 120 included minutes left: six 10-minute bookings fit
THROUGHPUT_ACCOUNT = 1


class Booker:
    """Sends one booking and waits for its answer; keeps every answer for the checks."""

    def __init__(self, sender: SlackSender, fake: FakeSlackProcess, account_id: int) -> None:
        self.sender = sender
        self.fake = fake
        self.channel = channel_of(account_id)
        self.serial = itertools.count(1)
        self.first_day = datetime.now(UTC).date() + timedelta(days=1)
        self.answers: dict[int, str | None] = {}
        self.answer_seconds: list[float] = []

    def send(self, i: int, length: str, billable: bool) -> Reply:
        key = f"book-{self.channel}-{next(self.serial)}"
        day = self.first_day + timedelta(days=i % 60)
        at = f"{9 + i // 60 % 8:02d}:{i % 2 * 30:02d}"
        text = f"kickoff {day.isoformat()} {at} {length}" + (" billable" if billable else "")
        started = time.perf_counter()
        reply = self.sender.command(
            text,
            user_id=STAFF,
            team_id=VENDOR_TEAM,
            channel_id=self.channel,
            response_url=self.fake.response_url(key),
        )
        self.answers[i] = self.fake.wait_for_response(key) if reply.status == 200 else None
        self.answer_seconds.append(time.perf_counter() - started)
        return reply


def check_database(engine: Engine) -> list[str]:
    """Every contract within its package, and its counter equal to its sessions' minutes."""
    problems = []
    with engine.connect() as connection:
        overspent = connection.execute(
            select(func.count())
            .select_from(Contract)
            .where(Contract.minutes_spent > Contract.included_minutes)
        ).scalar_one()
        if overspent:
            problems.append(f"{overspent} contracts spent more included minutes than they hold")
        for account_id in (RACE_ACCOUNT, THROUGHPUT_ACCOUNT):
            spent, included = connection.execute(
                select(Contract.minutes_spent, Contract.included_minutes).where(
                    Contract.id == account_id
                )
            ).one()
            held = connection.execute(
                select(func.coalesce(func.sum(OnboardingSession.included_minutes), 0)).where(
                    OnboardingSession.contract_id == account_id,
                    OnboardingSession.state != "cancelled",
                )
            ).scalar_one()
            if spent != held or spent > included:
                problems.append(
                    f"account {account_id}: counter {spent}, sessions hold {held}, "
                    f"package {included}"
                )
    return problems


def kickoffs(engine: Engine, account_id: int) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(OnboardingSession)
        return int(
            connection.execute(
                query.where(
                    OnboardingSession.account_id == account_id,
                    OnboardingSession.session_type == "kickoff",
                )
            ).scalar_one()
        )


def run(args: argparse.Namespace) -> bool:
    backend = "PostgreSQL" if args.database_url else "SQLite"
    total = CLIENTS * args.per_client
    print(
        f"booking benchmark on {backend}: {CLIENTS} clients, {total} bookings per phase "
        f"(load average {load_average()})"
    )
    problems: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        seeded_database(args.database_url, Path(tmp), args.accounts, args.sessions) as (
            url,
            engine,
            _seconds,
        ),
        FakeSlackProcess() as fake,
    ):
        web = start_oura_web(fake, url, Path(tmp))
        try:
            race = Booker(sender_for(web), fake, RACE_ACCOUNT)
            cell = run_closed_loop("race", lambda i: race.send(i, "10m", False), total, CLIENTS)
            accepted = [i for i, text in race.answers.items() if text and text.startswith("Booked")]
            refused = [i for i, text in race.answers.items() if text and "`billable`" in text]
            print(
                f"  race: {len(accepted)} accepted, {len(refused)} refused (needs billable), "
                f"{total - len(accepted) - len(refused)} other, in {cell.seconds:.2f} s"
            )
            if len(accepted) != 6 or len(refused) != total - 6:
                problems.append(f"race: expected 6 accepted and {total - 6} refused")
            if kickoffs(engine, RACE_ACCOUNT) != len(accepted):
                problems.append("race: sessions in the database differ from accepted replies")

            flow = Booker(sender_for(web), fake, THROUGHPUT_ACCOUNT)
            cell = run_closed_loop("book", lambda i: flow.send(i, "30m", True), total, CLIENTS)
            booked = [i for i, text in flow.answers.items() if text and text.startswith("Booked")]
            latencies = sorted(flow.answer_seconds)
            q = statistics.quantiles(latencies, n=100, method="inclusive")
            print(
                f"  throughput: {len(booked)} of {total} booked in {cell.seconds:.2f} s = "
                f"{len(booked) / cell.seconds:.1f} bookings/s; answer latency "
                f"p50 {q[49] * 1000:.1f} ms, p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms"
            )
            if len(booked) != total or kickoffs(engine, THROUGHPUT_ACCOUNT) != total:
                problems.append(f"throughput: {total - len(booked)} bookings not confirmed")
            failures = [i for i, r in enumerate(race.answers.values()) if r is None]
            failures += [i for i, r in enumerate(flow.answers.values()) if r is None]
            if failures:
                problems.append(f"{len(failures)} requests got no answer")
            problems += check_database(engine)
        finally:
            web.stop()
    for problem in problems:
        print(f"  !! {problem}")
    print(
        "  checks: "
        + (
            "no contract overspent; counters match sessions; every request answered"
            if not problems
            else "FAILED"
        )
    )
    return not problems


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default: SQLite)")
    parser.add_argument("--per-client", type=int, default=50, help="bookings per client per phase")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=30, help="sessions per account")
    sys.exit(0 if run(parser.parse_args()) else 1)


if __name__ == "__main__":
    main()
