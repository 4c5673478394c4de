"""How long Slack waits for our ack and for our answer, next to the floor, in one run.

Seeds a database with 10,000 customers and 300,000 sessions, starts the app as `oura-bot web`
(waitress, as in production) on loopback with a fake Slack Web API, and the floor: a Bolt app
that does nothing (bench/bare_bolt.py: it acks from the request thread and answers "ok" at the
response_url) behind the same waitress settings. Then sends Slack-signed requests over HTTP:
`/oura-book usage`, a booking (`/oura-book kickoff <date> <time> 30m billable`) and a "Show
usage" click to ours, `/oura-book usage` to the floor, each into another customer's channel.

Two ways of sending, each measured for the floor and then for ours:
- **8 people**: each sends a request, waits for its answer to reach Slack (the reply at the
  response_url, the ephemeral card), thinks for a while (`--think-ms`, on average) and sends
  the next: what a busy team does.
- **overload** (closed loop, 1 and 8 clients): each client sends its next request as soon as
  the last one is acked, whatever is still being worked on: the most the machine can take.

For each it prints the ack's latency (to the HTTP response), the time until the answer
reached the fake Slack, requests per second and the ratios to the floor. Every answer is
checked: a request not answered 200, an answer missing, answered twice, or not the right
one (an error, a refusal, another account's card) is a failure, and the script exits 1.

    .venv/bin/python bench/ack.py                      # SQLite (a temporary file)
    .venv/bin/python bench/ack.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ack.py --profile /tmp/prof   # also py-spy ours at 8 (slower)
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    STAFF,
    TZ,
    VENDOR_TEAM,
    Answers,
    FakeSlackProcess,
    channel_of,
    load_average,
    seeded_database,
    sender_for,
    start_bare_bolt,
    start_oura_web,
)
from slackreq import Reply, SlackSender
from spy import Profiler, summary
from sqlalchemy import Engine, func, select

from storage.models import OnboardingSession

PEOPLE = 8


@dataclass
class Sent:
    """One request on its way: where its answer will show, and how to know it is right."""

    key: str
    right: Callable[[str], bool]
    at: float = field(default_factory=time.monotonic)


class Requests:
    """Slack-signed requests of each kind; each goes to the next customer's channel, so no two
    requests of a run share an account (no booking can collide with another)."""

    def __init__(self, name: str, sender: SlackSender, fake: FakeSlackProcess, accounts: int):
        self.name = name
        self.sender = sender
        self.fake = fake
        self.accounts = accounts
        self.random = random.Random(6)
        self.today = datetime.now(UTC).date()
        self.serial = itertools.count(1)  # thread-safe in CPython
        self._lock = threading.Lock()

    def _next(self) -> tuple[int, str]:
        serial = next(self.serial)
        return serial % self.accounts + 1, f"{self.name}-{serial}"

    def _command(self, text: str, right: Callable[[str], bool]) -> tuple[Reply, Sent]:
        account, key = self._next()
        sent = Sent(key, right)
        reply = self.sender.command(
            text,
            user_id=STAFF,
            team_id=VENDOR_TEAM,
            channel_id=channel_of(account),
            response_url=self.fake.response_url(key),
        )
        return reply, sent

    def floor(self) -> tuple[Reply, Sent]:
        return self._command("usage", lambda text: text == "ok")

    def usage(self) -> tuple[Reply, Sent]:
        account, key = self._next()
        sent = Sent(key, usage_card_of(account))
        reply = self.sender.command(
            "usage",
            user_id=STAFF,
            team_id=VENDOR_TEAM,
            channel_id=channel_of(account),
            response_url=self.fake.response_url(key),
        )
        return reply, sent

    def book(self) -> tuple[Reply, Sent]:
        # A random half-hour slot in office hours in the next two months.
        with self._lock:
            day = self.today + timedelta(days=self.random.randint(1, 60))
            slot = self.random.randint(18, 33)  # 09:00 to 16:30 in half hours
        when = f"{slot // 2:02d}:{slot % 2 * 30:02d}"
        return self._command(
            f"kickoff {day.isoformat()} {when} 30m billable", booking_of(day, when)
        )

    def click(self) -> tuple[Reply, Sent]:
        account, key = self._next()
        channel = channel_of(account)
        sent = Sent(f"ephemeral:{channel}:{STAFF}", usage_card_of(account))
        payload = SlackSender.block_action(
            "show_usage",
            "usage",
            user_id=STAFF,
            team_id=VENDOR_TEAM,
            channel_id=channel,
            response_url=self.fake.response_url(key),
            message_ts=f"{time.time():.6f}",
        )
        return self.sender.interaction(payload), sent


def usage_card_of(account: int) -> Callable[[str], bool]:
    """That account's usage card: its company and its Premium package's included minutes
    (not an error, a refusal or another account's card)."""

    def right(text: str) -> bool:
        return text.startswith(f"Customer {account}: Premium Success, ") and (
            "of 120 included minutes left" in text
        )

    return right


def booking_of(day: date, when: str) -> Callable[[str], bool]:
    """The confirmation of that booking: a kickoff of 30 minutes, at that time in the staff
    member's zone (Slack's date token carries the instant)."""
    hour, minute = (int(part) for part in when.split(":"))
    instant = int(datetime.combine(day, dtime(hour, minute), ZoneInfo(TZ)).timestamp())

    def right(text: str) -> bool:
        return (
            text.startswith("Booked *Kickoff* #")
            and f"<!date^{instant}^" in text
            and "(30 min)" in text
        )

    return right


@dataclass
class Cell:
    label: str
    model: str  # "people" or "overload"
    clients: int
    acks: list[float]  # seconds to the HTTP response
    answers: list[float]  # seconds from sending to the answer reaching Slack
    seconds: float
    problems: list[str]

    @property
    def rps(self) -> float:
        return len(self.acks) / self.seconds

    @staticmethod
    def _p(values: list[float], p: int) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000

    def ack(self, p: int) -> float:
        return self._p(self.acks, p)

    def answer(self, p: int) -> float:
        return self._p(self.answers, p) if len(self.answers) > 1 else float("nan")


def check(label: str, answers: Answers, sent: Sent, reply: Reply, timeout: float) -> str | None:
    """What is wrong with one request's outcome, or None."""
    if reply.status != 200:
        return f"{label}: HTTP {reply.status} {reply.body[:80]!r}"
    answer = answers.wait(sent.key, timeout)
    if answer is None:
        return f"{label}: no answer at {sent.key}"
    if not sent.right(answer.text):
        return f"{label}: wrong answer at {sent.key}: {answer.text[:160]!r}"
    return None


def run_people(
    label: str,
    send: Callable[[], tuple[Reply, Sent]],
    answers: Answers,
    total: int,
    think_ms: float,
) -> Cell:
    """`PEOPLE` people; each sends, waits for the answer, thinks (uniform around `think_ms`)."""
    acks: list[float] = []
    answered: list[float] = []
    problems: list[str] = []
    lock = threading.Lock()

    def person(n: int) -> None:
        thinking = random.Random(n)
        for _ in range(total // PEOPLE):
            started = time.perf_counter()
            reply, sent = send()
            acked = time.perf_counter() - started
            problem = check(label, answers, sent, reply, timeout=30)
            answer = answers.wait(sent.key, 0)
            with lock:
                acks.append(acked)
                if problem:
                    problems.append(problem)
                elif answer is not None:
                    answered.append(answer.at - sent.at)
            time.sleep(thinking.uniform(0.5, 1.5) * think_ms / 1000)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(PEOPLE)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return Cell(label, "people", PEOPLE, acks, answered, seconds, problems)


def run_overload(
    label: str,
    send: Callable[[], tuple[Reply, Sent]],
    answers: Answers,
    total: int,
    clients: int,
) -> Cell:
    """`clients` clients, each sending its next request as soon as the last one is acked;
    the answers are checked once all are sent."""
    outcomes: list[tuple[float, Reply, Sent]] = []
    remaining = iter(range(total))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            started = time.perf_counter()
            reply, sent = send()
            acked = time.perf_counter() - started
            with lock:
                outcomes.append((acked, reply, sent))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    problems, answered = [], []
    for _acked, reply, sent in outcomes:
        problem = check(label, answers, sent, reply, timeout=60)
        if problem:
            problems.append(problem)
        elif (answer := answers.wait(sent.key, 0)) is not None:
            answered.append(answer.at - sent.at)
    acks = [acked for acked, _reply, _sent in outcomes]
    return Cell(label, "overload", clients, acks, answered, seconds, problems)


PROBLEMS: list[str] = []


def report(cell: Cell, floor: Cell | None) -> None:
    ratio = ""
    if floor is not None:
        ratio = (
            f"  vs floor: p50 {cell.ack(50) / floor.ack(50):4.2f}x "
            f"p99 {cell.ack(99) / floor.ack(99):4.2f}x"
        )
    print(
        f"  {cell.label:<13} {cell.model:<8} {cell.clients}  ack p50 {cell.ack(50):6.1f}  "
        f"p95 {cell.ack(95):6.1f}  p99 {cell.ack(99):6.1f}  max {max(cell.acks) * 1000:6.1f} ms"
        f"  | answer p50 {cell.answer(50):6.1f}  p99 {cell.answer(99):6.1f} ms"
        f"  | {cell.rps:6.1f} req/s{ratio}"
    )
    for problem in cell.problems[:5]:
        print(f"  !! {problem}")
    if len(cell.problems) > 5:
        print(f"  !! … and {len(cell.problems) - 5} more")
    PROBLEMS.extend(cell.problems)


def verdicts(people: dict[str, Cell], floor: Cell) -> None:
    """The targets, on the 8 people's cells (BENCHMARKS.md)."""
    print(
        f"  targets at {PEOPLE} people (floor ack p50 {floor.ack(50):.1f} ms, "
        f"p99 {floor.ack(99):.1f} ms):"
    )
    for kind, cell in people.items():
        p50, p99 = cell.ack(50) / floor.ack(50), cell.ack(99) / floor.ack(99)
        answer = cell.answer(99)
        marks = [
            f"ack p50 {p50:.2f}x {'met' if p50 <= 1.5 else 'MISSED'} (<= 1.5x)",
            f"ack p99 {p99:.2f}x {'met' if p99 <= 2 else 'MISSED'} (<= 2x)",
            f"answer p99 {answer:.0f} ms {'met' if answer < 300 else 'MISSED'} (< 300 ms)",
        ]
        print(f"    {kind:<6} " + "; ".join(marks))


def run(args: argparse.Namespace) -> None:
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"ack benchmark on {backend}: {args.accounts:,} accounts, "
        f"{args.accounts * args.sessions:,} sessions, {args.requests} requests per cell, "
        f"people think {args.think_ms:.0f} ms on average (load average {load_average()})"
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        seeded_database(args.database_url, Path(tmp), args.accounts, args.sessions) as (
            url,
            engine,
            seeding,
        ),
        FakeSlackProcess(answers=True) as fake,
    ):
        assert fake.answers is not None
        answers = fake.answers
        print(f"  seeded in {seeding:.1f} s")
        ours = start_oura_web(fake, url, Path(tmp))
        bare = start_bare_bolt(fake, Path(tmp))
        try:
            mine = Requests("ours", sender_for(ours), fake, args.accounts)
            floor_requests = Requests("floor", sender_for(bare), fake, args.accounts)
            kinds = {"usage": mine.usage, "book": mine.book, "click": mine.click}
            # Warm both up (imports, connection pools, Bolt's auth.test) outside the figures.
            for kind, send in kinds.items():
                run_overload(kind, send, answers, 24, 2)
            run_overload("floor", floor_requests.floor, answers, 24, 2)
            booked_before = _count_bookings(engine)

            print(f"  {PEOPLE} people (each waits for the answer, then thinks):")
            people_floor = run_people(
                "floor", floor_requests.floor, answers, args.requests, args.think_ms
            )
            report(people_floor, None)
            people: dict[str, Cell] = {}
            for kind, send in kinds.items():
                people[kind] = run_people(
                    f"ours {kind}", send, answers, args.requests, args.think_ms
                )
                report(people[kind], people_floor)
            print("  overload (each client sends again as soon as it is acked):")
            for clients in () if args.people_only else (1, PEOPLE):
                floor = run_overload("floor", floor_requests.floor, answers, args.requests, clients)
                report(floor, None)
                for kind, send in kinds.items():
                    profiler = None
                    if args.profile and clients == PEOPLE:
                        args.profile.mkdir(parents=True, exist_ok=True)
                        out = args.profile / f"{engine.dialect.name}-{kind}.txt"
                        profiler = Profiler(ours.process.pid, out)
                        profiler.start()
                    cell = run_overload(f"ours {kind}", send, answers, args.requests, clients)
                    report(cell, floor)
                    if profiler is not None:
                        profiler.stop()
                        print(summary(profiler.out))
            verdicts(people, people_floor)
            booked = _count_bookings(engine) - booked_before
            expected = (args.requests // PEOPLE) * PEOPLE
            expected += 0 if args.people_only else 2 * args.requests
            print(f"  bookings recorded: {booked} of {expected} sent")
            if booked != expected:
                PROBLEMS.append(f"{expected - booked} bookings missing from the database")
            if twice := answers.answered_twice():
                PROBLEMS.append(f"{len(twice)} requests answered twice, e.g. {twice[0]}")
            memory = ours.memory_kib()
            print(
                f"  oura-bot web memory: peak RSS (VmHWM) {memory['VmHWM'] / 1024:.1f} MiB, "
                f"RSS now {memory['VmRSS'] / 1024:.1f} MiB; "
                f"floor peak {bare.memory_kib()['VmHWM'] / 1024:.1f} MiB"
            )
            print(f"  load average after: {load_average()}")
        finally:
            for server in (ours, bare):
                server.stop()
            if args.keep_log:
                for server in (ours, bare):
                    print(f"--- {server.name} log ---\n{server.log_path.read_text()[-4000:]}")
    for problem in PROBLEMS[:20]:
        print(f"FAILED: {problem}")


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
    parser.add_argument("--requests", type=int, default=400, help="requests per cell")
    parser.add_argument(
        "--think-ms", type=float, default=200, help="a person's pause between requests, mean"
    )
    parser.add_argument(
        "--people-only", action="store_true", help="skip the overload cells (quicker)"
    )
    parser.add_argument("--keep-log", action="store_true", help="print the servers' logs")
    parser.add_argument(
        "--profile", type=Path, default=None, help="directory for py-spy profiles of ours at 8"
    )
    run(parser.parse_args())
    sys.exit(1 if PROBLEMS else 0)


if __name__ == "__main__":
    main()
