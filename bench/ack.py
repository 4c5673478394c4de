"""How long Slack waits for our ack, next to a bare Bolt app on the same server.

Seeds a database with 10,000 customers and 300,000 sessions, starts the app as `oura-bot web`
(waitress, as in production) on loopback with a fake Slack Web API, and a bare Bolt app (one
command that only acks, bench/bare_bolt.py) behind the same waitress settings. Then sends
Slack-signed requests over HTTP at concurrency 1 and 8 — `/oura-book usage`, a booking
(`/oura-book kickoff <date> <time> 30m billable`) and a "Show usage" button click to ours,
`/oura-book usage` to bare Bolt — and prints p50/p95/p99 latency to the HTTP response (the ack),
requests per second, the ratio ours / bare Bolt and the web process's peak RSS. Every request
is checked for a 200 and, for ours, for its answer reaching the fake Slack.

Clients are closed-loop: each sends its next request when the previous one is acked.

    .venv/bin/python bench/ack.py                      # SQLite (a temporary file)
    .venv/bin/python bench/ack.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ack.py --profile /tmp/prof   # also py-spy the c=8 cells (slower)
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    STAFF,
    VENDOR_TEAM,
    Cell,
    FakeSlackProcess,
    Server,
    channel_of,
    load_average,
    run_closed_loop,
    seeded_database,
    sender_for,
    start_bare_bolt,
    start_oura_web,
)
from slackreq import Reply, SlackSender
from spy import Profiler, summary
from sqlalchemy import Engine, func, select

from storage.models import OnboardingSession

# What each kind of request leaves in the fake Slack once fully answered.
ANSWER_OF = {"usage": "responses", "book": "responses", "click": "ephemerals"}


class Requests:
    """Slack-signed requests of each kind, spread over random customers' channels."""

    def __init__(
        self, name: str, sender: SlackSender, fake: FakeSlackProcess, accounts: int
    ) -> None:
        self.name = name
        self.sender = sender
        self.fake = fake
        self.accounts = accounts
        self.random = random.Random(6)
        self.today = datetime.now(UTC).date()
        self.serial = itertools.count(1)  # thread-safe in CPython

    def channel(self) -> str:
        return channel_of(self.random.randint(1, self.accounts))

    def key(self) -> str:
        return f"{self.name}-{next(self.serial)}"

    def command(self, text: str) -> Reply:
        return self.sender.command(
            text,
            user_id=STAFF,
            team_id=VENDOR_TEAM,
            channel_id=self.channel(),
            response_url=self.fake.response_url(self.key()),
        )

    def usage(self, _i: int) -> Reply:
        return self.command("usage")

    def book(self, _i: int) -> Reply:
        # A random half-hour slot in office hours in the next two months.
        day = self.today + timedelta(days=self.random.randint(1, 60))
        slot = self.random.randint(18, 33)  # 09:00 to 16:30 in half hours
        return self.command(
            f"kickoff {day.isoformat()} {slot // 2:02d}:{slot % 2 * 30:02d} 30m billable"
        )

    def click(self, _i: int) -> Reply:
        payload = SlackSender.block_action(
            "show_usage",
            "usage",
            user_id=STAFF,
            team_id=VENDOR_TEAM,
            channel_id=self.channel(),
            response_url=self.fake.response_url(self.key()),
            message_ts=f"{time.time():.6f}",
        )
        return self.sender.interaction(payload)


PROBLEMS: list[str] = []


def measure(
    label: str,
    send: Callable[[int], Reply],
    fake: FakeSlackProcess,
    answer: str | None,
    requests: int,
    concurrency: int,
) -> Cell:
    """One cell; then waits for every answer to reach the fake Slack before the next starts."""
    before = fake.counts()[answer] if answer else 0
    cell = run_closed_loop(label, send, requests, concurrency)
    if answer:
        seen = fake.wait_for(answer, before + requests) - before
        if seen != requests:
            PROBLEMS.append(f"{label}: {requests - seen} of {requests} requests got no answer")
            print(f"  !! {PROBLEMS[-1]}")
    if cell.failures:
        PROBLEMS.append(f"{label}: {cell.failures} requests were not answered 200")
        print(f"  !! {PROBLEMS[-1]}")
    return cell


def row(cell: Cell, bare: Cell | None) -> str:
    ms = [cell.percentile(p) * 1000 for p in (50, 95, 99)]
    ratio = f"{cell.percentile(50) / bare.percentile(50):5.2f}x" if bare else "     "
    return (
        f"  {cell.label:<16} c={cell.concurrency}  p50 {ms[0]:6.1f} ms  p95 {ms[1]:6.1f} ms  "
        f"p99 {ms[2]:6.1f} ms  max {max(cell.latencies) * 1000:6.1f} ms  {cell.rps:7.1f} req/s  "
        f"p50 vs bare {ratio}"
    )


def run(args: argparse.Namespace) -> None:
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"ack benchmark on {backend}: {args.accounts:,} accounts, "
        f"{args.accounts * args.sessions:,} sessions, {args.requests} requests per cell "
        f"(load average {load_average()})"
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        seeded_database(args.database_url, Path(tmp), args.accounts, args.sessions) as (
            url,
            engine,
            seeding,
        ),
        FakeSlackProcess() as fake,
    ):
        print(f"  seeded in {seeding:.1f} s")
        ours = start_oura_web(fake, url, Path(tmp))
        bare = start_bare_bolt(fake, Path(tmp))
        servers: list[Server] = [ours, bare]
        try:
            ours_requests = Requests("ours", sender_for(ours), fake, args.accounts)
            bare_requests = Requests("bare", sender_for(bare), fake, args.accounts)
            kinds = {
                "usage": ours_requests.usage,
                "book": ours_requests.book,
                "click": ours_requests.click,
            }
            # Warm both up (imports, connection pools, Bolt's auth.test) outside the figures.
            for kind, send in kinds.items():
                measure(kind, send, fake, ANSWER_OF[kind], 20, 2)
            measure("bare", bare_requests.usage, fake, None, 20, 2)
            booked_before = _count_bookings(engine)

            for concurrency in (1, 8):
                floor = measure(
                    "bare Bolt usage", bare_requests.usage, fake, None, args.requests, concurrency
                )
                print(row(floor, None))
                for kind, send in kinds.items():
                    profiler = None
                    if args.profile and concurrency == 8:
                        args.profile.mkdir(parents=True, exist_ok=True)
                        out = args.profile / f"{engine.dialect.name}-{kind}.txt"
                        profiler = Profiler(ours.process.pid, out)
                        profiler.start()
                    cell = measure(
                        f"ours {kind}", send, fake, ANSWER_OF[kind], args.requests, concurrency
                    )
                    print(row(cell, floor))
                    if profiler is not None:
                        profiler.stop()
                        print(summary(profiler.out))
            booked = _count_bookings(engine) - booked_before
            print(f"  bookings recorded: {booked} of {2 * args.requests} sent")
            if booked != 2 * args.requests:
                PROBLEMS.append("bookings missing from the database")
            memory = ours.memory_kib()
            print(
                f"  oura-bot web memory: peak RSS (VmHWM) {memory['VmHWM'] / 1024:.1f} MiB, "
                f"RSS now {memory['VmRSS'] / 1024:.1f} MiB; "
                f"bare Bolt peak {bare.memory_kib()['VmHWM'] / 1024:.1f} MiB"
            )
            print(f"  load average after: {load_average()}")
        finally:
            for server in servers:
                server.stop()
            if args.keep_log:
                for server in servers:
                    print(f"--- {server.name} log ---\n{server.log_path.read_text()[-4000:]}")


def _count_bookings(engine: Engine) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(OnboardingSession)
        return int(
            connection.execute(
                query.where(OnboardingSession.session_type == "kickoff")
            ).scalar_one()
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default: SQLite)")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=30, help="sessions per account")
    parser.add_argument("--requests", type=int, default=300, help="requests per cell")
    parser.add_argument("--keep-log", action="store_true", help="print the servers' logs")
    parser.add_argument(
        "--profile", type=Path, default=None, help="directory for py-spy profiles of c=8 cells"
    )
    run(parser.parse_args())
    sys.exit(1 if PROBLEMS else 0)


if __name__ == "__main__":
    main()
