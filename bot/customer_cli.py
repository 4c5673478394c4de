"""`oura-bot customer export|delete <channel id | company>`: one customer's data, for their
legal team (README: Customer data). The console speaks English to whoever runs it."""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Engine

from bot.settings import Settings
from storage.customer_data import delete_personal_data, export_account, find_accounts
from storage.engine import read_session, write_session
from storage.models import Account


def add_parser(sub: Any, database_option: Callable[[argparse.ArgumentParser], None]) -> None:
    customer = sub.add_parser("customer", help="export or delete one customer's data")
    customer_sub = customer.add_subparsers(dest="customer_command", required=True)
    export = customer_sub.add_parser(
        "export", help="everything about one account as JSON (and CSV files with --csv DIR)"
    )
    export.add_argument("account", help="the account's channel id (C…) or company name")
    export.add_argument("--out", default="-", help="JSON file to write (default: standard output)")
    export.add_argument("--csv", default=None, metavar="DIR", help="also one CSV file per table")
    database_option(export)
    export.set_defaults(handler=cmd_export)
    delete = customer_sub.add_parser(
        "delete", help="remove one account's personal data, keeping the totals billing needs"
    )
    delete.add_argument("account", help="the account's channel id (C…) or company name")
    delete.add_argument("--yes", action="store_true", help="do not ask to confirm (scripts)")
    delete.add_argument(
        "--by", default=None, help="who asked for it, for the audit trail (default: the OS user)"
    )
    database_option(delete)
    delete.set_defaults(handler=cmd_delete)


def _fail(message: str) -> NoReturn:
    print(f"oura-bot: {message}", file=sys.stderr)
    raise SystemExit(2)


def _one_account(engine: Engine, wanted: str) -> Account:
    with read_session(engine) as db:
        found = find_accounts(db, wanted)
    if not found:
        _fail(f"no account has the channel id or company {wanted!r}")
    if len(found) > 1:
        listed = ", ".join(f"{a.company} in {a.channel_id}" for a in found)
        _fail(f"{len(found)} accounts match {wanted!r} ({listed}): give the channel id instead")
    return found[0]


def _private(path: str) -> Any:
    """A file readable by its owner only: it holds a customer's personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")


def _engine(settings: Settings) -> Engine:
    from bot.cli import open_database

    return open_database(settings)


def cmd_export(args: argparse.Namespace, settings: Settings) -> None:
    engine = _engine(settings)
    account = _one_account(engine, args.account)
    with read_session(engine) as db:
        document = export_account(db, account, datetime.now(UTC))
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
    if args.out == "-":
        print(text)
    else:
        with _private(args.out) as out:
            out.write(text + "\n")
    if args.csv:
        folder = Path(args.csv)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for table, rows in document["tables"].items():
            _write_csv(folder / f"{table}.csv", rows, table)
    rows = sum(len(r) for r in document["tables"].values())
    where = f" to {args.out}" if args.out != "-" else ""
    also = f" and CSV files in {args.csv}" if args.csv else ""
    print(
        f"oura-bot: exported {rows} rows of {account.company} ({account.channel_id}){where}{also}",
        file=sys.stderr,
    )


def _write_csv(path: Path, rows: list[dict[str, Any]], table: str) -> None:
    from storage.customer_data import table_of

    columns = [column.name for column in table_of(table).columns]
    with _private(str(path)) as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def cmd_delete(args: argparse.Namespace, settings: Settings) -> None:
    engine = _engine(settings)
    account = _one_account(engine, args.account)
    by = args.by or _os_user()
    if not args.yes:
        print(
            f"This removes the personal data of {account.company} ({account.channel_id}, "
            f"account {account.id}) from every table, keeping only the totals billing needs. "
            "It cannot be undone.",
            file=sys.stderr,
        )
        print(f"Type the channel id {account.channel_id} to go on: ", end="", file=sys.stderr)
        sys.stderr.flush()
        answer = sys.stdin.readline().strip()
        if answer != account.channel_id:
            _fail("not confirmed: nothing was deleted")
    with write_session(engine) as db:
        fresh = db.get(Account, account.id)
        if fresh is None:
            _fail("the account is gone: nothing was deleted")
        changed = delete_personal_data(db, fresh, by, datetime.now(UTC))
    rows = sum(changed.values())
    print(
        f"oura-bot: deleted the personal data of account {account.id} ({rows} rows changed); "
        f"it is now 'Deleted customer #{account.id}'. Recorded in the audit trail as done by "
        f"{by}."
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"
