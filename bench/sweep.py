"""How a clock sweep's time grows with the customer base.

Seeds 10,000 and then 100,000 accounts, each time with the same number of posts due, runs one
real sweep (ledger claims, posts to a local fake Slack, next-look times) and prints the sweep
time for each and their ratio. A ratio near 1 means the sweep's cost follows what is due, not
how many accounts exist.

    .venv/bin/python bench/sweep.py                       # SQLite
    .venv/bin/python bench/sweep.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from sqlalchemy import Engine, create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.clock import Sweeper, clock_web_client  # noqa: E402
from bot.domain.entitlement import Balance, ContractTerms  # noqa: E402
from bot.domain.packages import PACKAGES  # noqa: E402
from bot.domain.schedule import ContractFacts, next_check  # noqa: E402
from bot.sandbox.fakeslack import FakeSlack  # noqa: E402
from storage.engine import make_engine, normalise_url  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Account, Contract  # noqa: E402

NOW = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)  # Thursday, 10:00 in Helsinki
TZ = "Europe/Helsinki"
DUE_START = date(2027, 1, 4)  # a Launch Kit whose 30-day window warning is due at NOW
QUIET_START = date(2027, 3, 20)  # a Premium contract with nothing due until its first nudge


def next_post_at(package_id: str, start: date) -> datetime | None:
    package = PACKAGES[package_id]
    terms = ContractTerms(package, start, 12, TZ)
    balance = Balance(package.included_minutes, 0, package.status_updates, 0)
    return next_check(ContractFacts(0, 0, "C", "Co", terms, balance), set(), NOW)


def seed(engine: Engine, accounts: int, due: int) -> None:
    quiet_next = next_post_at("premium", QUIET_START)
    due_next = next_post_at("launch-kit", DUE_START)
    assert quiet_next is not None and quiet_next > NOW
    assert due_next is not None and due_next <= NOW
    batch = 5_000
    with engine.begin() as connection:
        for first in range(0, accounts, batch):
            ids = range(first + 1, min(first + batch, accounts) + 1)
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
            rows = []
            for i in ids:
                is_due = i % (accounts // due) == 0
                package = PACKAGES["launch-kit" if is_due else "premium"]
                rows.append(
                    {
                        "id": i,
                        "account_id": i,
                        "package_id": package.id,
                        "start": DUE_START if is_due else QUIET_START,
                        "term_months": 12,
                        "included_minutes": package.included_minutes,
                        "status_updates": package.status_updates,
                        "minutes_spent": 0,
                        "status_updates_spent": 0,
                        "next_post_at": due_next if is_due else quiet_next,
                        "created_at": NOW,
                    }
                )
            connection.execute(insert(Contract), rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def fresh_database(base_url: str | None, workdir: Path, label: str) -> tuple[Engine, object]:
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


def drop(engine: Engine, cleanup: object) -> None:
    engine.dispose()
    if cleanup is not None:
        admin, name = cleanup  # type: ignore[misc]
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(base_url: str | None, accounts: int, due: int, repeats: int) -> float:
    timings = []
    with tempfile.TemporaryDirectory() as workdir:
        for attempt in range(repeats):
            engine, cleanup = fresh_database(base_url, Path(workdir), f"bench{accounts}_{attempt}")
            try:
                seed(engine, accounts, due)
                with FakeSlack() as fake:
                    sweeper = Sweeper(
                        engine, clock_web_client("xoxb-bench", fake.api_url), pace_seconds=0
                    )
                    started = time.perf_counter()
                    report = sweeper.sweep(NOW)
                    elapsed = time.perf_counter() - started
                    assert len(report.sent) == due, report.summary()
                    assert len(fake.posts()) == due
                timings.append(elapsed)
            finally:
                drop(engine, cleanup)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL server to use (default: SQLite)"
    )
    parser.add_argument("--due", type=int, default=200, help="posts due in each run (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size; the median is shown")
    args = parser.parse_args()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"sweep benchmark on {backend}: {args.due} posts due, median of {args.repeats} runs")
    results = {}
    for accounts in (10_000, 100_000):
        results[accounts] = measure(args.database_url, accounts, args.due, args.repeats)
        per_post = results[accounts] / args.due * 1000
        print(
            f"  {accounts:>7,} accounts: sweep {results[accounts]:.3f} s "
            f"({per_post:.2f} ms per post)"
        )
    print(f"  ratio 100,000 / 10,000: {results[100_000] / results[10_000]:.2f}")


if __name__ == "__main__":
    main()
