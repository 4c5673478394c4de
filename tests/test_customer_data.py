"""One customer's data (issue 18): `oura-bot customer export|delete`, and retention in the
clock. Two customers are filled through the services as people would; one is exported or
deleted from the console, and every table is read back to check it."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import STAFF, VENDOR_TEAM
from sqlalchemy import Engine, select, text, update
from sqlmodel import Session, SQLModel

from bot import cli
from bot.domain.packages import SessionType
from bot.domain.support import CaseCategory
from bot.jobs import RETENTION_EVERY_MINUTES, add_clock_jobs
from bot.services.booking import Actor, BookingService
from bot.services.requests import RequestService
from bot.services.support import SupportDesk
from storage.customer_data import (
    BUYER_COLUMNS,
    KEPT,
    NOT_PER_ACCOUNT,
    account_tables,
    cleared_columns,
    is_text,
    table_of,
    unclassified_tables,
)
from storage.ledger import claim
from storage.models import (
    Account,
    AuditEvent,
    Contract,
    OnboardingSession,
    SessionRequest,
    SupportCase,
)
from storage.retention import RULES, clear_expired

NOW = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
STAFF_ACTOR = Actor(user_id=STAFF, team_id=VENDOR_TEAM)


@dataclass(frozen=True)
class Customer:
    """One filled account, and every piece of its people's data we typed in."""

    account_id: int
    channel: str
    company: str
    buyer: str
    buyer_team: str
    secrets: tuple[str, ...]

    @property
    def personal(self) -> tuple[str, ...]:
        return (self.company, self.buyer, self.buyer_team, *self.secrets)


def fill(engine: Engine, name: str, channel: str) -> Customer:
    """A customer as the app fills one: linked, a named buyer contact in their own workspace,
    sessions booked and held, a buyer's request confirmed, an order, a case, ledger rows."""
    booking = BookingService(engine, "Europe/Helsinki", now=lambda: NOW)
    requests, support = RequestService(booking), SupportDesk(booking)
    company = f"Company {name}"
    buyer, team = f"U_BUYER_{name.upper()}", f"T_BUYER_{name.upper()}"
    buyer_actor = Actor(user_id=buyer, team_id=team)
    account, contract = booking.link(STAFF_ACTOR, channel, "premium", date(2027, 1, 4), company)
    assert account.id is not None and contract.id is not None
    booking.set_contact(STAFF_ACTOR, channel, "buyer", buyer, [team])
    kickoff = booking.book(
        STAFF_ACTOR, channel, SessionType.KICKOFF, datetime(2027, 1, 12, 10, tzinfo=UTC), 45, False
    )
    request = requests.create(
        buyer_actor,
        account.id,
        SessionType.TRAINING,
        30,
        [datetime(2027, 1, 20, 10, tzinfo=UTC)],
        f"{name}-secret note: call Anna Virtanen on +358 40 123",
    )
    requests.confirm(STAFF_ACTOR, request.request.id, datetime(2027, 1, 20, 10, tzinfo=UTC), False)
    order = support.record_order(STAFF_ACTOR, channel, date(2027, 1, 3), 5, f"PO-{name}-secret")
    support.open_case(
        buyer_actor,
        account.id,
        CaseCategory.EXCHANGE,
        order.order.id,
        f"{name}-secret: ring of Matti Meikäläinen is too small",
    )
    with Session(engine) as db:
        db.execute(
            update(OnboardingSession)
            .where(OnboardingSession.id == kickoff.session.id)  # type: ignore[arg-type]
            .values(
                agenda_note=f"{name}-secret agenda", join_url=f"https://meet.example/{name}-secret"
            )
        )
        db.commit()
    claim(engine, f"contract:{contract.id}:welcome", "welcome", account.id, contract.id, "w", NOW)
    return Customer(account.id, channel, company, buyer, team, (f"{name}-secret",))


def every_text_value(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text column of every table, whatever its account."""
    found = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if is_text(c)]
            for row in connection.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        found.append((table.name, column.name, str(value)))
    return found


def holding(engine: Engine, values: tuple[str, ...]) -> list[tuple[str, str, str]]:
    return [
        (table, column, value)
        for table, column, value in every_text_value(engine)
        if any(wanted in value for wanted in values)
    ]


def type_into_every_free_text_column(
    engine: Engine, account_id: int, marker: str
) -> list[tuple[str, str]]:
    """Typed text in every column a delete must empty, of every row of the account: a text
    column added later (session notes, attendees) is filled and checked too."""
    filled = []
    with engine.begin() as connection:
        for where in account_tables():
            for name in cleared_columns(where):
                column = where.table.c[name]
                length = getattr(column.type, "length", None) or 200
                value = f"{marker} {name}"[:length]
                connection.execute(
                    update(where.table)
                    .where(where.account_column == account_id)
                    .values({name: value})
                )
                filled.append((where.name, name))
    return filled


def rows_by_table(engine: Engine, account_id: int) -> dict[str, list[dict[str, Any]]]:
    """Straight from the database: each account table's rows of one account."""
    with engine.connect() as connection:
        return {
            where.name: [
                dict(row._mapping)
                for row in connection.execute(
                    select(where.table).where(where.account_column == account_id)
                )
            ]
            for where in account_tables()
        }


def totals(engine: Engine, account_id: int) -> dict[str, Any]:
    """What billing reads: the contracts' counters and each session's type, time, minutes."""
    with Session(engine) as db:
        contracts = db.execute(
            select(
                Contract.package_id,
                Contract.start,
                Contract.included_minutes,
                Contract.minutes_spent,
                Contract.status_updates_spent,
            ).where(Contract.account_id == account_id)
        ).all()
        sessions = db.execute(
            select(
                OnboardingSession.session_type,
                OnboardingSession.starts_at,
                OnboardingSession.minutes_booked,
                OnboardingSession.minutes_held,
                OnboardingSession.included_minutes,
                OnboardingSession.billable_minutes,
                OnboardingSession.state,
            )
            .where(OnboardingSession.account_id == account_id)
            .order_by(OnboardingSession.id)
        ).all()
    return {"contracts": [tuple(r) for r in contracts], "sessions": [tuple(r) for r in sessions]}


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in row.items()}


def run_cli(database_url: str, *args: str) -> None:
    cli.main(["customer", *args, "--database", database_url])


@pytest.fixture
def two(engine: Engine) -> tuple[Customer, Customer]:
    return fill(engine, "acme", "C_ACME"), fill(engine, "beta", "C_BETA")


# -- the tables ---------------------------------------------------------------------------------


def test_every_table_is_of_an_account_or_says_why_not() -> None:
    """A new table must name its account (then export and delete cover it) or be listed
    with the reason it holds nothing of one customer."""
    assert unclassified_tables() == []
    linked = {t.name for t in account_tables()}
    assert not linked & set(NOT_PER_ACCOUNT)
    # The lists of kept and buyer columns name only columns that exist.
    for listing in (KEPT, BUYER_COLUMNS):
        for table, columns in listing.items():
            assert table in linked
            assert columns <= set(table_of(table).columns.keys()), table


# -- export -------------------------------------------------------------------------------------


def test_export_holds_every_row_of_the_account_and_nothing_of_another(
    engine: Engine, database_url: str, two: tuple[Customer, Customer], tmp_path: Path
) -> None:
    acme, beta = two
    out, folder = tmp_path / "acme.json", tmp_path / "csv"
    run_cli(database_url, "export", "c_acme".upper(), "--out", str(out), "--csv", str(folder))
    document = json.loads(out.read_text())
    assert document["format"] == "oura-customer-export/1"
    assert document["account_id"] == acme.account_id

    expected = rows_by_table(engine, acme.account_id)
    assert set(document["tables"]) == set(expected)
    for table, rows in expected.items():
        # Every row, with every column, as the database holds it (times in ISO 8601).
        keys = [c.name for c in table_of(table).primary_key.columns]
        wanted = sorted((as_json(r) for r in rows), key=lambda r: [r[k] for k in keys])
        assert document["tables"][table] == wanted, table
    # Everything Acme's people typed is in it; nothing of Beta's.
    text_of_export = out.read_text()
    for value in acme.personal:
        assert value in text_of_export
    for value in beta.personal:
        assert value not in text_of_export
    assert document["tables"]["onboarding_session"] and document["tables"]["audit_event"]
    assert document["tables"]["post_ledger"] and document["tables"]["customer_order"]
    # The same as one CSV file per table, owner-readable only.
    for table, rows in expected.items():
        csv_file = folder / f"{table}.csv"
        lines = csv_file.read_text().splitlines()
        assert len(lines) >= len(rows) + 1, table
        assert csv_file.stat().st_mode & 0o077 == 0
    assert out.stat().st_mode & 0o077 == 0


def test_export_by_company_name_and_unknown_or_ambiguous_names(
    engine: Engine,
    database_url: str,
    two: tuple[Customer, Customer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_cli(database_url, "export", "company BETA")
    assert json.loads(capsys.readouterr().out)["account_id"] == two[1].account_id

    with pytest.raises(SystemExit) as stopped:
        run_cli(database_url, "export", "Nobody Oy")
    assert stopped.value.code == 2
    assert "no account has the channel id or company 'Nobody Oy'" in capsys.readouterr().err

    BookingService(engine, "Europe/Helsinki", now=lambda: NOW).link(
        STAFF_ACTOR, "C_OTHER", "launch-kit", date(2027, 1, 4), "Company Beta"
    )
    with pytest.raises(SystemExit):
        run_cli(database_url, "export", "Company Beta")
    err = capsys.readouterr().err
    assert "2 accounts match 'Company Beta'" in err and "give the channel id instead" in err


# -- delete -------------------------------------------------------------------------------------


def test_delete_leaves_no_personal_data_keeps_the_totals_and_touches_no_one_else(
    engine: Engine,
    database_url: str,
    two: tuple[Customer, Customer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    acme, beta = two
    typed = type_into_every_free_text_column(engine, acme.account_id, "acme-secret")
    assert ("onboarding_session", "agenda_note") in typed and (
        "support_case",
        "description",
    ) in typed
    assert holding(engine, acme.personal)  # there is something to delete
    acme_totals, beta_rows = totals(engine, acme.account_id), rows_by_table(engine, beta.account_id)

    run_cli(database_url, "delete", acme.channel, "--yes", "--by", "dpo@vendor")
    assert "Deleted customer #" in capsys.readouterr().out

    # No text column of any table holds Acme's people's ids, names, or typed text.
    assert holding(engine, acme.personal) == []
    assert totals(engine, acme.account_id) == acme_totals
    assert rows_by_table(engine, beta.account_id) == beta_rows
    assert holding(engine, beta.personal)  # Beta's own data is all still there
    assert ("account", "company", beta.company) in every_text_value(engine)  # the scan sees

    with Session(engine) as db:
        account = db.get(Account, acme.account_id)
        assert account is not None
        assert account.company == f"Deleted customer #{acme.account_id}"
        assert account.buyer_contact_id is None and account.vendor_contact_id == STAFF
        # The channel is free for a new link, and the clock looks at the contract no more.
        assert account.channel_id != acme.channel
        assert db.execute(
            select(Contract.next_post_at).where(Contract.account_id == acme.account_id)
        ).scalars().all() == [None]
        [record] = db.execute(
            select(AuditEvent).where(AuditEvent.action == "customer_delete")
        ).scalars()
        assert (record.actor_user_id, record.account_id) == ("dpo@vendor", acme.account_id)
        assert json.loads(record.details)["rows_changed"]["support_case"] == 1
        # The trail still says what was booked, and who of the staff did it.
        book = (
            db.execute(
                select(AuditEvent).where(
                    AuditEvent.account_id == acme.account_id, AuditEvent.action == "book"
                )
            )
            .scalars()
            .first()
        )
        assert book is not None and book.actor_user_id == STAFF
        assert json.loads(book.details)["type"] == "kickoff"
        # A buyer's own actions stay in the trail, without naming them.
        opened = (
            db.execute(select(AuditEvent).where(AuditEvent.action == "case_open")).scalars().all()
        )
        assert {(a.account_id, a.actor_user_id) for a in opened} == {
            (acme.account_id, "deleted"),
            (beta.account_id, beta.buyer),
        }


def test_delete_asks_first_and_changes_nothing_unless_confirmed(
    engine: Engine,
    database_url: str,
    two: tuple[Customer, Customer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    acme, _ = two
    before = rows_by_table(engine, acme.account_id)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    with pytest.raises(SystemExit) as stopped:
        run_cli(database_url, "delete", "Company acme")
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "cannot be undone" in err and "Type the channel id C_ACME" in err
    assert "not confirmed: nothing was deleted" in err
    assert rows_by_table(engine, acme.account_id) == before

    monkeypatch.setattr("sys.stdin", io.StringIO("C_ACME\n"))
    run_cli(database_url, "delete", "Company acme", "--by", "legal")
    assert holding(engine, acme.personal) == []


# -- retention ----------------------------------------------------------------------------------


def aged(engine: Engine) -> dict[str, dict[int, bool]]:
    """Rows of each rule, by id: True where the text is still there."""
    with Session(engine) as db:
        return {
            "case": {c.id: bool(c.description) for c in db.exec(select(SupportCase)).scalars()},
            "request": {r.id: bool(r.note) for r in db.exec(select(SessionRequest)).scalars()},
            "audit": {a.id: a.details != "{}" for a in db.exec(select(AuditEvent)).scalars()},
        }


def test_retention_clears_exactly_what_is_past_its_time_in_batches(
    engine: Engine, two: tuple[Customer, Customer]
) -> None:
    """Five resolved cases, resolved 10 to 50 days ago, and one open; requests and audit rows
    of the same ages. With 25 days kept, the ones older than that are emptied, batch by
    batch (two rows a batch, at most two batches a run), and their rows stay."""
    now = NOW + timedelta(days=400)
    ages = [10, 20, 30, 40, 50]
    with Session(engine) as db:
        account_id = two[0].account_id
        for days in ages:
            moment = now - timedelta(days=days)
            db.add(
                SupportCase(
                    account_id=account_id,
                    category="technical-issue",
                    description=f"aged {days}",
                    opened_by="U1",
                    opened_by_team="T1",
                    state="resolved",
                    resolved_at=moment,
                    created_at=moment,
                )
            )
            db.add(
                SessionRequest(
                    account_id=account_id,
                    requested_by="U1",
                    requested_by_team="T1",
                    session_type="training",
                    minutes=30,
                    preferred_times="[]",
                    note=f"aged {days}",
                    created_at=moment,
                    updated_at=moment,
                )
            )
            db.add(
                AuditEvent(
                    at=moment,
                    actor_user_id="U1",
                    actor_team_id="T1",
                    action="note",
                    details=json.dumps({"aged": days}),
                )
            )
        db.commit()
    # Everything filled at NOW (400 days ago) is past its time too, except the open case.
    with Session(engine) as db:
        old_rows = {
            "case": {
                c.id
                for c in db.exec(select(SupportCase)).scalars()
                if c.resolved_at is not None and c.resolved_at < now - timedelta(days=25)
            },
            "request": {
                r.id
                for r in db.exec(select(SessionRequest)).scalars()
                if r.updated_at < now - timedelta(days=25) and r.note
            },
            "audit": {
                a.id
                for a in db.exec(select(AuditEvent)).scalars()
                if a.at < now - timedelta(days=25) and a.details != "{}"
            },
        }
    before = aged(engine)
    keep = {rule.keep: 25 for rule in RULES}

    first = clear_expired(engine, now, keep, batch=2, max_batches=2)
    assert all(n <= 4 for n in first.values()), first  # bounded: two batches of two
    while any(clear_expired(engine, now, keep, batch=2, max_batches=2).values()):
        pass
    after = aged(engine)
    for kind, rows in before.items():
        assert set(after[kind]) == set(rows), kind  # no row is deleted
        cleared = {i for i, has_text in after[kind].items() if not has_text and rows[i]}
        assert cleared == old_rows[kind], kind
    # The open case (never resolved) keeps its description, however old.
    with Session(engine) as db:
        open_cases = db.exec(select(SupportCase).where(SupportCase.state == "open")).scalars()
        assert all(c.description for c in open_cases)


def test_the_clock_runs_retention_hourly_with_the_settings(
    engine: Engine, two: tuple[Customer, Customer]
) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=UTC)
    later = NOW + timedelta(days=800)
    keep: dict[str, int | None] = {
        "keep_case_descriptions_days": 730,
        "keep_session_notes_days": None,  # kept for ever
        "keep_audit_details_days": 730,
    }
    with Session(engine) as db:
        db.execute(update(SupportCase).values(resolved_at=NOW, state="resolved"))
        db.commit()
    add_clock_jobs(scheduler, engine, reports=None, now=lambda: later, keep_days=keep)  # type: ignore[arg-type]
    job = scheduler.get_job("retention")
    assert job.trigger.interval == timedelta(minutes=RETENTION_EVERY_MINUTES)
    assert RETENTION_EVERY_MINUTES == 60
    job.func()
    with engine.connect() as connection:
        descriptions = connection.execute(text("SELECT description FROM support_case")).scalars()
        notes = connection.execute(text("SELECT note FROM session_request")).scalars()
        details = connection.execute(text("SELECT details FROM audit_event")).scalars()
        assert set(descriptions) == {""}
        assert all("secret" in note for note in notes)  # session notes: kept for ever
        assert set(details) == {"{}"}


def test_retention_settings_default_and_refuse_what_is_not_days() -> None:
    from bot.settings import SettingsError, load_settings

    defaults = load_settings({}, dotenv=False)
    assert (
        defaults.keep_case_descriptions_days,
        defaults.keep_session_notes_days,
        defaults.keep_audit_details_days,
    ) == (730, 730, 1095)
    chosen = load_settings(
        {"OURA_KEEP_SESSION_NOTES_DAYS": "90", "OURA_KEEP_AUDIT_DETAILS_DAYS": "forever"},
        dotenv=False,
    )
    assert (chosen.keep_session_notes_days, chosen.keep_audit_details_days) == (90, None)
    assert cli.keep_days(chosen)["keep_session_notes_days"] == 90
    for wrong in ("0", "-5", "two years"):
        with pytest.raises(SettingsError, match="OURA_KEEP_CASE_DESCRIPTIONS_DAYS must be a"):
            load_settings({"OURA_KEEP_CASE_DESCRIPTIONS_DAYS": wrong}, dotenv=False)
