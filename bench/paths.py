"""Paths that must not grow with the database: the App Home, the usage card and `list`.

Seeds two databases side by side with bench/harness.py's customers (Premium contracts in term,
`--sessions` sessions each: held, cancelled, and five booked ahead), 10,000 and 100,000
accounts. In both, one staff member is the vendor contact of the same 40 accounts (the others
belong to 97 colleagues), one of theirs has three support cases (two open), and one more account
has 1,000 sessions. Then, in this process, alternating between the two databases so a busy
moment on the machine falls on both:

- **App Home**: `HomeService.page` for that staff member (page 1 of "Your accounts", the tab as
  it opens) and page 1 of "All accounts", each with its Block Kit view built;
- **usage card**: `BookingService.usage` for a channel with the card built (the `/oura-book
  usage` command and the "Show usage" button), and `HomeService.account_usage` (the App Home's
  usage button) with its modal;
- **list**: `BookingService.sessions` and `session_list` for the account with 1,000 sessions.

Every answer is checked against the seeded data (the right accounts in the right order, their
minutes and next session, the usage card's account, counters and open cases, the list's counts
and order), and a usage card must take one read transaction that reads the account once. Any
wrong answer is printed and the script exits 1. The figures (p50 and p95 of `--repeats` calls
after a warm-up) are printed with the targets: App Home and usage card at 100,000 accounts
within 1.5x of 10,000; `list` under 50 ms. Slack's round trips and Bolt are not in these
figures (bench/ack.py measures those); the guard's identity check before them is not either.

    .venv/bin/python bench/paths.py                        # SQLite (temporary files)
    .venv/bin/python bench/paths.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/paths.py --plans                # and the App Home's query plans
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    HELD_INCLUDED,
    STAFF,
    TZ,
    _session_row,
    channel_of,
    load_average,
    seeded_database,
)
from sqlalchemy import Engine, bindparam, event, insert, text

from bot.blocks.base import LIST_LIMIT
from bot.blocks.home import home_view, usage_modal
from bot.blocks.sessions import session_list, usage_card
from bot.domain.overview import PAGE_SIZE, HomePage, Scope
from bot.domain.packages import PACKAGES
from bot.domain.support import CaseCategory, CaseState
from bot.services.booking import BookingService
from bot.services.home import HomeService
from storage.models import Account, Contract, OnboardingSession, SupportCase

OWNED = 40  # accounts whose vendor contact is STAFF, in every database
COLLEAGUES = 97  # the other accounts' vendor contacts
LIST_SESSIONS = 1_000
TARGET_RATIO = 1.5
TARGET_LIST_MS = 50.0
PACKAGE = PACKAGES["premium"]


# -- the data -------------------------------------------------------------------------------


@dataclass
class World:
    """One seeded database and what its answers must be."""

    accounts: int
    engine: Engine
    booking: BookingService
    home: HomeService
    owned: list[int]  # STAFF's accounts, as the App Home orders them
    everyone_first: list[int]  # page 1 of "All accounts"
    big: int  # the account with LIST_SESSIONS sessions
    usage_target: int  # STAFF's account with support cases
    open_case_ids: set[int]
    next_session: dict[int, int]  # account -> id of its first booked session ahead
    billable: dict[int, int]  # account -> billable minutes of its current contract
    list_upcoming: list[int]  # the big account's sessions ahead, soonest first
    list_past: list[int]  # its latest LIST_LIMIT others, latest first
    seeded_seconds: float
    problems: list[str] = field(default_factory=list)


def order_key(account_id: int) -> tuple[str, int]:
    """The App Home's order: company name case-insensitively, then id."""
    return (f"Customer {account_id}".lower(), account_id)


def owned_ids(accounts: int) -> list[int]:
    step = accounts // OWNED
    return [step * k for k in range(1, OWNED + 1)]


def seed_paths(engine: Engine, accounts: int, now: datetime) -> tuple[int, set[int]]:
    """Give STAFF their accounts and the rest to colleagues, add the account with 1,000
    sessions and three support cases; returns the big account's id and the open cases' ids."""
    owned = owned_ids(accounts)
    today = now.date()
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    big = accounts + 1
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE account SET vendor_contact_id = :prefix || CAST(id % :n AS VARCHAR(8))"),
            {"prefix": "U_COLLEAGUE_", "n": COLLEAGUES},
        )
        connection.execute(
            text("UPDATE account SET vendor_contact_id = :staff WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"staff": STAFF, "ids": owned},
        )
        connection.execute(
            insert(Account),
            [
                {
                    "id": big,
                    "company": f"Customer {big}",
                    "channel_id": channel_of(big),
                    "timezone": TZ,
                    "vendor_contact_id": "U_BIG",
                    "created_at": midnight - timedelta(days=60),
                }
            ],
        )
        connection.execute(
            insert(Contract),
            [
                {
                    "id": big,
                    "account_id": big,
                    "package_id": PACKAGE.id,
                    "start": today - timedelta(days=60),
                    "term_months": 12,
                    "included_minutes": PACKAGE.included_minutes,
                    "status_updates": PACKAGE.status_updates,
                    "minutes_spent": 30 * HELD_INCLUDED,
                    "status_updates_spent": 0,
                    "created_at": midnight - timedelta(days=60),
                }
            ],
        )
        connection.execute(
            insert(OnboardingSession),
            [_session_row(big, j, LIST_SESSIONS, midnight) for j in range(LIST_SESSIONS)],
        )
        target = owned[0]
        cases = [
            (CaseState.OPEN, None, 5),
            (CaseState.TAKEN, STAFF, 1),
            (CaseState.RESOLVED, STAFF, 9),
        ]
        for state, taken_by, days_ago in cases:
            connection.execute(
                insert(SupportCase),
                [
                    {
                        "account_id": target,
                        "category": CaseCategory.TECHNICAL_ISSUE.value,
                        "description": "bench",
                        "opened_by": "U_BUYER",
                        "opened_by_team": "T_CUSTOMER",
                        "state": state.value,
                        "taken_by": taken_by,
                        "created_at": now - timedelta(days=days_ago),
                    }
                ],
            )
        open_ids = connection.execute(
            text("SELECT id FROM support_case WHERE account_id = :a AND state != 'resolved'"),
            {"a": target},
        ).all()
    if engine.dialect.name == "postgresql":
        # The UPDATE above rewrote every account row: vacuum as autovacuum would have, or the
        # index still points at the dead versions (all "U_STAFF", as harness seeds them).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    return big, {row[0] for row in open_ids}


def expected_facts(
    engine: Engine, account_ids: list[int], now: datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """Each account's first booked session ahead and billable minutes, asked plainly."""
    first: dict[int, int] = {}
    billable: dict[int, int] = {}
    with engine.connect() as connection:
        for account_id in account_ids:
            row = connection.execute(
                text(
                    "SELECT id FROM onboarding_session WHERE account_id = :a AND state = 'booked'"
                    " AND starts_at >= :now ORDER BY starts_at, id LIMIT 1"
                ),
                {"a": account_id, "now": _stored(engine, now)},
            ).first()
            if row is not None:
                first[account_id] = row[0]
            billable[account_id] = connection.execute(
                text(
                    "SELECT COALESCE(SUM(billable_minutes), 0) FROM onboarding_session "
                    "WHERE account_id = :a AND state != 'cancelled'"
                ),
                {"a": account_id},
            ).scalar_one()
    return first, billable


def expected_list(engine: Engine, account_id: int, now: datetime) -> tuple[list[int], list[int]]:
    """What `list` must show, from all of the account's sessions read and sorted here."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, state, starts_at FROM onboarding_session WHERE account_id = :a"),
            {"a": account_id},
        ).all()
    cut = _stored(engine, now)
    ahead = sorted(
        (r for r in rows if r[1] == "booked" and r[2] >= cut), key=lambda r: (r[2], r[0])
    )
    others = sorted((r for r in rows if r not in ahead), key=lambda r: (r[2], r[0]), reverse=True)
    return [r[0] for r in ahead[:LIST_LIMIT]], [r[0] for r in others[:LIST_LIMIT]]


def _stored(engine: Engine, moment: datetime) -> Any:
    """A moment as the database compares it (SQLite keeps naive UTC text: storage.types)."""
    if engine.dialect.name == "sqlite":
        return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


@contextmanager
def world(base_url: str | None, workdir: Path, accounts: int, sessions: int) -> Iterator[World]:
    with seeded_database(base_url, workdir, accounts, sessions) as (_url, engine, seconds):
        now = datetime.now(UTC)
        started = time.perf_counter()
        big, open_ids = seed_paths(engine, accounts, now)
        seconds += time.perf_counter() - started
        owned = sorted(owned_ids(accounts), key=order_key)
        everyone = sorted(range(1, accounts + 2), key=order_key)[:PAGE_SIZE]
        checked = sorted({*owned, *everyone, big})
        first, billable = expected_facts(engine, checked, now)
        upcoming, past = expected_list(engine, big, now)
        booking = BookingService(engine, TZ)
        yield World(
            accounts=accounts,
            engine=engine,
            booking=booking,
            home=HomeService(booking),
            owned=owned,
            everyone_first=everyone,
            big=big,
            usage_target=owned_ids(accounts)[0],
            open_case_ids=open_ids,
            next_session=first,
            billable=billable,
            list_upcoming=upcoming,
            list_past=past,
            seeded_seconds=seconds,
        )


# -- the paths, each checked ----------------------------------------------------------------


def check(w: World, ok: bool, what: str) -> None:
    if not ok and what not in w.problems:
        w.problems.append(what)


def check_page(w: World, page: HomePage, expected_ids: list[int], total: int, label: str) -> None:
    ids = [a.account_id for a in page.accounts]
    check(w, ids == expected_ids, f"{label}: accounts {ids[:5]}… not {expected_ids[:5]}…")
    check(w, page.total == total, f"{label}: total {page.total}, not {total}")
    for summary in page.accounts:
        a = summary.account_id
        check(
            w,
            summary.company == f"Customer {a}" and summary.package_id == PACKAGE.id,
            f"{label}: account {a} shows {summary.company!r} / {summary.package_id}",
        )
        check(
            w,
            (summary.minutes_used, summary.minutes_included) == (30 * HELD_INCLUDED, 120),
            f"{label}: account {a} shows {summary.minutes_used} of {summary.minutes_included}",
        )
        shown = summary.next_session.id if summary.next_session else None
        check(
            w,
            shown == w.next_session.get(a),
            f"{label}: account {a}'s next session {shown}, not {w.next_session.get(a)}",
        )
        if a == w.usage_target:
            cases = {c.id for c in summary.open_cases}
            check(w, cases == w.open_case_ids, f"{label}: open cases {cases}")


def home_mine(w: World) -> None:
    page = w.home.page(STAFF, Scope.MINE, 1)
    home_view(page)
    check_page(w, page, w.owned[:PAGE_SIZE], OWNED, "App Home (mine)")


def home_all(w: World) -> None:
    page = w.home.page(STAFF, Scope.ALL, 1)
    home_view(page)
    check_page(w, page, w.everyone_first, w.accounts + 1, "App Home (all)")


def check_usage(w: World, usage: Any, card_text: str, label: str) -> None:
    a = w.usage_target
    check(w, usage.account.id == a, f"{label}: account {usage.account.id}, not {a}")
    check(w, usage.contract.account_id == a, f"{label}: contract of {usage.contract.account_id}")
    check(w, usage.minutes_held == 30 * HELD_INCLUDED, f"{label}: {usage.minutes_held} held")
    check(w, usage.minutes_reserved == 0, f"{label}: {usage.minutes_reserved} reserved")
    check(
        w,
        usage.billable_minutes == w.billable[a],
        f"{label}: {usage.billable_minutes} billable, not {w.billable[a]}",
    )
    shown = usage.next_session.id if usage.next_session else None
    check(w, shown == w.next_session.get(a), f"{label}: next session {shown}")
    cases = {c.id for c in usage.open_cases}
    check(w, cases == w.open_case_ids, f"{label}: open cases {cases}, not {w.open_case_ids}")
    wanted = f"Customer {a}: Premium Success, 60 of 120 included minutes left"
    check(w, card_text.startswith(wanted), f"{label}: card says {card_text[:80]!r}")


def usage_command(w: World) -> None:
    now = w.booking.now()
    usage = w.booking.usage(channel_of(w.usage_target), now)
    card = usage_card(usage, for_staff=True, cases=usage.open_cases, now=now)
    check_usage(w, usage, card.text, "usage card")


def usage_from_home(w: World) -> None:
    shown = w.home.account_usage(w.usage_target)
    card = usage_card(shown.usage, for_staff=True, cases=shown.cases, now=shown.now)
    usage_modal(card)
    check_usage(w, shown.usage, card.text, "App Home usage card")


def session_listing(w: World) -> None:
    now = w.booking.now()
    listing = w.booking.session_listing(channel_of(w.big), now, LIST_LIMIT)
    message = session_list(listing, now)
    upcoming = 5  # harness: the last five sessions are booked ahead
    wanted = (
        f"Customer {w.big}: {LIST_SESSIONS} sessions, {upcoming} upcoming, "
        f"{LIST_SESSIONS - upcoming} past or cancelled"
    )
    check(w, message.text == wanted, f"list: {message.text!r}, not {wanted!r}")
    lines = "\n".join(
        b.text.text for b in message.blocks if getattr(b, "text", None) and b.type == "section"
    )
    ahead, _, past = lines.partition("Past and cancelled")
    shown_ahead = [int(m) for m in re.findall(r"#(\d+):", ahead)]
    shown_past = [int(m) for m in re.findall(r"#(\d+):", past)]
    check(w, shown_ahead == w.list_upcoming, f"list: upcoming {shown_ahead}")
    check(w, shown_past == w.list_past, f"list: past {shown_past[:3]}…, not {w.list_past[:3]}…")
    more = f"and {LIST_SESSIONS - upcoming - LIST_LIMIT} more"
    check(w, more in past, f"list: the past group does not say '…{more}'")


PATHS: dict[str, Callable[[World], None]] = {
    "App Home, your accounts (page 1)": home_mine,
    "App Home, all accounts (page 1)": home_all,
    "usage card (/oura-book usage, Show usage)": usage_command,
    "usage card from the App Home": usage_from_home,
    f"list, {LIST_SESSIONS:,} sessions": session_listing,
}
TARGETS = {  # the paths whose 100k / 10k ratio is a target
    "App Home, your accounts (page 1)",
    "usage card (/oura-book usage, Show usage)",
    "usage card from the App Home",
}


# -- one read transaction -------------------------------------------------------------------


def transactions_of(w: World, run: Callable[[World], None]) -> tuple[int, int]:
    """Transactions begun and statements reading the account table while `run` runs."""
    counts = {"begin": 0, "account": 0}

    def on_begin(_connection: Any) -> None:
        counts["begin"] += 1

    def on_statement(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        if "FROM account " in statement or statement.endswith("FROM account"):
            counts["account"] += 1

    event.listen(w.engine, "begin", on_begin)
    event.listen(w.engine, "before_cursor_execute", on_statement)
    try:
        run(w)
    finally:
        event.remove(w.engine, "begin", on_begin)
        event.remove(w.engine, "before_cursor_execute", on_statement)
    return counts["begin"], counts["account"]


# -- query plans ----------------------------------------------------------------------------


def print_plans(w: World) -> None:
    statements: list[tuple[str, Any]] = []

    def grab(_c: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append((statement, parameters))

    event.listen(w.engine, "before_cursor_execute", grab)
    w.home.page(STAFF, Scope.MINE, 1)
    event.remove(w.engine, "before_cursor_execute", grab)
    postgres = w.engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " if postgres else "EXPLAIN QUERY PLAN "
    print(f"\nApp Home (your accounts) query plans at {w.accounts:,} accounts:")
    with w.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters in statements:
            print("  " + " ".join(statement.split())[:110] + " …")
            cursor.execute(prefix + statement, parameters)
            for row in cursor.fetchall():
                line = row[0] if postgres else row[-1]
                if postgres and line.startswith("Planning"):
                    continue
                print("      " + line)


# -- measuring ------------------------------------------------------------------------------


def measure(worlds: list[World], repeats: int) -> dict[tuple[str, int], list[float]]:
    """Each path on each database, alternating, `repeats` times after a warm-up of 5."""
    timings: dict[tuple[str, int], list[float]] = {}
    for name, run in PATHS.items():
        for w in worlds:
            for _ in range(5):
                run(w)
        for _ in range(repeats):
            for w in worlds:
                started = time.perf_counter()
                run(w)
                timings.setdefault((name, w.accounts), []).append(time.perf_counter() - started)
    return timings


def folder(parent: Path, accounts: int) -> Path:
    """A folder per database (each SQLite file is `bench.db` in its own)."""
    path = parent / str(accounts)
    path.mkdir()
    return path


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL server to use (default: SQLite)"
    )
    parser.add_argument(
        "--sizes", default="10000,100000", help="account counts, comma-separated (two)"
    )
    parser.add_argument("--sessions", type=int, default=10, help="sessions per account (10)")
    parser.add_argument("--repeats", type=int, default=100, help="timed calls per path (100)")
    parser.add_argument("--plans", action="store_true", help="print the App Home's query plans")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"paths benchmark on {backend}: {' and '.join(f'{n:,}' for n in sizes)} accounts, "
        f"{args.sessions} sessions each, {OWNED} of them the staff member's; "
        f"{args.repeats} calls per path; load average at start {load_average()}"
    )
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        worlds = [
            stack.enter_context(world(args.database_url, folder(Path(tmp), n), n, args.sessions))
            for n in sizes
        ]
        for w in worlds:
            print(f"  seeded {w.accounts:,} accounts in {w.seeded_seconds:.1f} s")
        transactions = {
            name: transactions_of(w, run)
            for w in worlds
            for name, run in (("usage card", usage_command), ("App Home usage", usage_from_home))
        }
        timings = measure(worlds, args.repeats)
        load_after = load_average()
        if args.plans:
            print_plans(worlds[-1])
        small, large = sizes[0], sizes[-1]
        print(f"\n| path | {small:,}: p50 / p95 | {large:,}: p50 / p95 | p50 ratio |")
        print("| --- | ---: | ---: | ---: |")
        missed = []
        for name in PATHS:
            a, b = timings[(name, small)], timings[(name, large)]
            ratio = statistics.median(b) / statistics.median(a)
            print(
                f"| {name} | {ms(statistics.median(a))} / {ms(p95(a))} | "
                f"{ms(statistics.median(b))} / {ms(p95(b))} | {ratio:.2f} |"
            )
            if name in TARGETS and ratio > TARGET_RATIO:
                missed.append(f"{name}: ratio {ratio:.2f} > {TARGET_RATIO}")
            if name.startswith("list") and max(p95(a), p95(b)) * 1000 >= TARGET_LIST_MS:
                missed.append(f"{name}: p95 {ms(max(p95(a), p95(b)))} >= {TARGET_LIST_MS:.0f} ms")
        for name, (begun, account_reads) in transactions.items():
            if (begun, account_reads) != (1, 1):
                for w in worlds:
                    check(w, False, f"{name}: {begun} transactions, {account_reads} account reads")
        print(
            "\nusage card: one read transaction, the account read once "
            + ("(checked)" if all(v == (1, 1) for v in transactions.values()) else "(NOT so)")
        )
        print(f"load average at the end: {load_after}")
        print(
            "targets: "
            + ("all met" if not missed else "missed: " + "; ".join(missed))
            + f" (App Home and usage card within {TARGET_RATIO}x; list under "
            f"{TARGET_LIST_MS:.0f} ms at p95)"
        )
        problems = [f"{w.accounts:,}: {p}" for w in worlds for p in w.problems]
    if problems:
        print("\nWRONG ANSWERS:\n  " + "\n  ".join(problems))
        raise SystemExit(1)
    print("every answer checked: right accounts, order, counters, next sessions, cases, list")


if __name__ == "__main__":
    main()
