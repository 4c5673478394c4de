"""How long the monthly report takes for a large customer base (and that it shows progress).

Seeds N accounts (default 20,000), each with a Pro Lite contract and two sessions in the month,
then times `load_report_rows` + CSV for that month.

    .venv/bin/python bench/report.py                 # SQLite in a temporary directory
    .venv/bin/python bench/report.py --accounts 100000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from sqlalchemy import insert  # noqa: E402

from bot.domain.report import Month, report_csv  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Account, Contract, OnboardingSession  # noqa: E402
from storage.report import load_report_rows  # noqa: E402


def seed(url: str, accounts: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as db:
        db.execute(
            insert(Account),
            [
                {
                    "id": i,
                    "company": f"Co {i}",
                    "channel_id": f"C{i:08d}",
                    "timezone": "Europe/Helsinki",
                    "vendor_contact_id": "U1",
                    "created_at": datetime.now(UTC),
                }
                for i in range(1, accounts + 1)
            ],
        )
        db.execute(
            insert(Contract),
            [
                {
                    "id": i,
                    "account_id": i,
                    "package_id": "pro-lite",
                    "start": date(2027, 1, 4),
                    "term_months": 12,
                    "included_minutes": 120,
                    "status_updates": 4,
                    "minutes_spent": 90,
                    "status_updates_spent": 1,
                    "created_at": datetime.now(UTC),
                }
                for i in range(1, accounts + 1)
            ],
        )
        sessions = []
        for i in range(1, accounts + 1):
            for day, kind, minutes, status_update in (
                (12, "kickoff", 60, False),
                (20, "status", 30, True),
            ):
                sessions.append(
                    {
                        "account_id": i,
                        "contract_id": i,
                        "session_type": kind,
                        "starts_at": datetime(2027, 1, day, 10, tzinfo=UTC),
                        "minutes_booked": minutes,
                        "included_minutes": 0 if status_update else minutes,
                        "uses_status_update": status_update,
                        "status": "booked",
                        "booked_by": "U1",
                        "booked_by_team": "T1",
                        "created_at": datetime.now(UTC),
                        "updated_at": datetime.now(UTC),
                    }
                )
        db.execute(insert(OnboardingSession), sessions)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        seed(url, args.accounts)
        engine = make_engine(url)
        started = time.perf_counter()
        rows = load_report_rows(
            engine,
            Month(2027, 1),
            None,
            on_progress=lambda done, total: print(f"\r{done}/{total}", end="", file=sys.stderr),
        )
        data = report_csv(rows, with_estimate=False)
        took = time.perf_counter() - started
        print(file=sys.stderr)
        print(f"{len(rows)} rows, {len(data) / 1e6:.1f} MB of CSV in {took:.2f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
