"""The monthly report off the web request: how long it takes, and what it costs everyone else.

Seeds a database (default 100,000 sessions: 10,000 Premium customers with 10 sessions each,
spread over the weeks around today), starts the app as `oura-bot web` and the clock as
`oura-bot clock` (nothing is due for the sweep, so the clock only builds reports), with the
fake Slack in its own process. Then:

1. other users' acks without a report: closed-loop `/oura-book usage` at concurrency 8;
2. `/oura-book report` for this month, and the same load again while the clock builds and
   sends it, until the file has reached the staff member's DM.

Prints the time from the command to the file in the DM, the web process's peak RSS (VmHWM;
the target is < 150 MB) and the clock's, and other users' ack p50/p99 with and without the
report (the target: p99 within 1.5x). Exits non-zero when the report is wrong (its row count
or its totals differ from the database's own sums, or it was sent other than once), or when a
usage request got no answer.

    .venv/bin/python bench/report.py                          # SQLite, 100k sessions
    .venv/bin/python bench/report.py --sessions 1000000       # 1M (minutes)
    .venv/bin/python bench/report.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    STAFF,
    TZ,
    VENDOR_TEAM,
    FakeSlackProcess,
    channel_of,
    free_port,
    load_average,
    seeded_database,
    sender_for,
    slack_env,
    start_oura_web,
)
from slackreq import SlackSender
from sqlalchemy import Engine, case, func, select

from bot.domain.packages import SessionState
from bot.domain.report import Month, month_of
from bot.domain.timeutil import local_midnight_utc
from bot.sandbox.fakeslack import FakeSlack
from storage.models import Contract, OnboardingSession, ReportJob

PROBLEMS: list[str] = []


# -- the fake Slack, in a child process, that also hands over the uploaded files -------------


def _serve_fake(connection: Connection) -> None:
    fake = FakeSlack(team_id=VENDOR_TEAM)
    fake.add_user(STAFF, tz=TZ, team_id=VENDOR_TEAM)
    with fake:
        connection.send(fake.base_url)
        while (message := connection.recv()) != "stop":
            if message == "counts":
                calls = fake.calls
                connection.send(
                    {
                        "responses": len(fake.responses()),
                        "uploads": len(fake.uploaded_files()),
                        "failed_calls": sum(not c.ok for c in calls),
                    }
                )
            elif message == "uploads":
                connection.send(fake.uploaded_files())
            elif isinstance(message, tuple) and message[0] == "response":
                found = fake.responses(message[1])
                connection.send(found[0].body.get("text", "") if found else None)


class FakeSlackWithUploads(FakeSlackProcess):
    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve_fake, args=(child,), daemon=True)
        self._lock = threading.Lock()

    def uploads(self) -> list[dict[str, Any]]:
        return self._ask("uploads")  # type: ignore[no-any-return]


# -- load -------------------------------------------------------------------------------------


class Load:
    """Closed-loop `/oura-book usage` from `concurrency` clients in random customers' channels,
    until `stop` is set (or `total` requests are sent)."""

    def __init__(self, sender: SlackSender, fake: FakeSlackProcess, accounts: int) -> None:
        self.sender, self.fake, self.accounts = sender, fake, accounts
        self.random = random.Random(7)
        self.serial = itertools.count(1)

    def run(self, concurrency: int, total: int | None, stop: threading.Event) -> list[float]:
        latencies: list[float] = []
        lock = threading.Lock()
        sent = itertools.count()

        def client() -> None:
            while not stop.is_set() and (total is None or next(sent) < total):
                channel = channel_of(self.random.randint(1, self.accounts))
                key = f"usage-{next(self.serial)}"
                started = time.perf_counter()
                reply = self.sender.command(
                    "usage",
                    user_id=STAFF,
                    team_id=VENDOR_TEAM,
                    channel_id=channel,
                    response_url=self.fake.response_url(key),
                )
                took = time.perf_counter() - started
                if reply.status != 200:
                    PROBLEMS.append(f"usage got HTTP {reply.status}")
                with lock:
                    latencies.append(took)

        threads = [threading.Thread(target=client) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies


def figures(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


# -- the report, checked against the database ------------------------------------------------


def expected(engine: Engine, month: Month) -> dict[str, int]:
    """The month's totals straight from the tables (every account is in TZ)."""
    begins = local_midnight_utc(month.first_day, TZ)
    ends = local_midnight_utc(month.next_first_day, TZ)
    live = OnboardingSession.state != SessionState.CANCELLED
    to_date = live & (OnboardingSession.starts_at < ends)
    in_month = to_date & (OnboardingSession.starts_at >= begins)
    with engine.connect() as db:
        contracts = db.execute(
            select(func.count()).where(Contract.start < month.next_first_day)
        ).scalar_one()
        sums = db.execute(
            select(
                func.sum(case((in_month, OnboardingSession.billable_minutes), else_=0)),
                func.sum(case((in_month, OnboardingSession.included_minutes), else_=0)),
                func.sum(
                    case((in_month & (OnboardingSession.state == SessionState.HELD), 1), else_=0)
                ),
                func.sum(
                    case(
                        (
                            live & (OnboardingSession.starts_at < ends),
                            OnboardingSession.included_minutes,
                        ),
                        else_=0,
                    )
                ),
            )
        ).one()
    return {
        "rows": int(contracts),
        "billable_minutes_in_month": int(sums[0] or 0),
        "included_minutes_used_in_month": int(sums[1] or 0),
        "sessions_held_in_month": int(sums[2] or 0),
        "included_minutes_used_to_date": int(sums[3] or 0),
    }


def found(content: bytes) -> dict[str, int]:
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    totals = {"rows": len(rows)}
    for column in (
        "billable_minutes_in_month",
        "included_minutes_used_in_month",
        "sessions_held_in_month",
        "included_minutes_used_to_date",
    ):
        totals[column] = sum(int(row[column]) for row in rows)
    return totals


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def job_state(engine: Engine) -> str | None:
    with engine.connect() as db:
        row = db.execute(select(ReportJob.state).order_by(ReportJob.id.desc()).limit(1)).first()
    return None if row is None else str(row[0])


def run(args: argparse.Namespace) -> None:
    accounts = max(args.sessions // args.each, 1)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"report benchmark on {backend}: {accounts:,} accounts, {accounts * args.each:,} "
        f"sessions (load average {load_average()})"
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        seeded_database(args.database_url, Path(tmp), accounts, args.each) as (
            url,
            engine,
            seeding,
        ),
        FakeSlackWithUploads() as fake,
    ):
        print(f"  seeded in {seeding:.1f} s")
        web = start_oura_web(fake, url, Path(tmp))
        program = Path(sys.executable).parent / "oura-bot"
        clock_log = (Path(tmp) / "clock.log").open("wb")
        env = slack_env(fake, free_port(), url)  # the clock serves nothing, but PORT is read
        clock = subprocess.Popen(
            [str(program), "clock"], env=env, cwd=tmp, stdout=clock_log, stderr=clock_log
        )
        try:
            sender = sender_for(web)
            load = Load(sender, fake, accounts)
            load.run(2, 40, threading.Event())  # warm-up, outside the figures
            quiet = load.run(args.concurrency, args.requests, threading.Event())
            web_before = peak_mib(web.process.pid)

            month = month_of(datetime.now(UTC), TZ)
            started = time.perf_counter()
            reply = sender.command(
                f"report {month}",
                user_id=STAFF,
                team_id=VENDOR_TEAM,
                channel_id=channel_of(1),
                response_url=fake.response_url("report"),
            )
            text = fake.wait_for_response("report") or ""
            if reply.status != 200 or "preparing the usage report" not in text:
                PROBLEMS.append(f"the report command answered {reply.status} {text!r}")

            # The same load while the clock builds the report, until the file is in the DM.
            stop = threading.Event()
            deadline = time.monotonic() + args.timeout
            busy_latencies: list[float] = []
            while job_state(engine) in (None, "pending") and time.monotonic() < deadline:
                time.sleep(0.02)  # the clock polls for jobs every few seconds
            claimed = time.perf_counter()
            busy = threading.Thread(
                target=lambda: busy_latencies.extend(load.run(args.concurrency, None, stop))
            )
            busy.start()
            while fake.counts()["uploads"] < 1 and time.monotonic() < deadline:
                if clock.poll() is not None:
                    PROBLEMS.append(f"oura-bot clock exited ({clock.returncode})")
                    break
                time.sleep(0.05)
            took, building = time.perf_counter() - started, time.perf_counter() - claimed
            stop.set()
            busy.join()
            time.sleep(1)  # a second clock run must find nothing more to send
            uploads = fake.uploads()
            sent = 40 + len(quiet) + len(busy_latencies)
            # Less the report command's own reply.
            answered = fake.wait_for("responses", sent + 1) - 1
            if answered != sent:
                PROBLEMS.append(f"{sent - answered} of {sent} usage requests got no answer")
            if len(uploads) != 1:
                PROBLEMS.append(f"the report was sent {len(uploads)} times, not once")
            else:
                want, got = expected(engine, month), found(uploads[0]["content"])
                if want != got:
                    PROBLEMS.append(f"wrong report: expected {want}, got {got}")
                print(
                    f"  report for {month}: {got['rows']:,} rows, "
                    f"{len(uploads[0]['content']) / 1e6:.1f} MB of CSV; built and sent in "
                    f"{building:.1f} s from the clock's claim, in the DM {took:.1f} s after "
                    f"the command (job {job_state(engine)})"
                )
            web_peak = peak_mib(web.process.pid)
            clock_peak = peak_mib(clock.pid)
            q50, q99 = figures(quiet)
            b50, b99 = figures(busy_latencies) if len(busy_latencies) > 1 else (0.0, 0.0)
            print(
                f"  usage acks, c={args.concurrency}, no report: p50 {q50:6.1f} ms  "
                f"p99 {q99:6.1f} ms  ({len(quiet)} requests)"
            )
            print(
                f"  usage acks, c={args.concurrency}, report building: p50 {b50:6.1f} ms  "
                f"p99 {b99:6.1f} ms  ({len(busy_latencies)} requests)  "
                f"p99 ratio {b99 / q99:.2f}x (target <= 1.5x)"
            )
            print(
                f"  oura-bot web peak RSS {web_peak:.1f} MiB (before the report {web_before:.1f}"
                f" MiB; target < 150 MB); oura-bot clock peak RSS {clock_peak:.1f} MiB"
            )
            print(f"  load average after: {load_average()}")
        finally:
            clock.terminate()
            clock.wait(timeout=30)
            clock_log.close()
            web.stop()
            if args.keep_log:
                for name in ("clock.log", web.log_path.name):
                    print(f"--- {name} ---\n{(Path(tmp) / name).read_text()[-4000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default: SQLite)")
    parser.add_argument("--sessions", type=int, default=100_000, help="sessions in all")
    parser.add_argument("--each", type=int, default=10, help="sessions per account")
    parser.add_argument("--requests", type=int, default=400, help="usage requests without")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for it")
    parser.add_argument("--keep-log", action="store_true", help="print the servers' logs")
    run(parser.parse_args())
    for problem in PROBLEMS:
        print(f"  !! {problem}")
    sys.exit(1 if PROBLEMS else 0)


if __name__ == "__main__":
    main()
