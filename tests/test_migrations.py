"""Migrations that rename stored things move the data with them (a filled database, upgraded)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DEFAULT_PG
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.domain.packages import SessionType
from bot.services.balance import BalanceMessages
from bot.services.booking import Actor, BookingService
from storage.availability import busy_sessions, working_hours
from storage.engine import make_engine, normalise_url
from storage.migrate import downgrade, is_up_to_date, upgrade
from storage.models import (
    Account,
    AuditEvent,
    BalanceMessage,
    CustomerTeam,
    OnboardingSession,
    SessionRequest,
    SupportCase,
)
from storage.overview import account_overview


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all, on each kind of server."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_database")  # skips (or fails in CI) when unreachable
    base = normalise_url(os.environ.get("OURA_TEST_POSTGRES_URL") or DEFAULT_PG)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"oura_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(base).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fill_at_0005(engine: Engine) -> None:
    """Rows as revision 0005 stored them: `status` columns, and `done` in the audit trail."""
    statements = _statements()
    if engine.dialect.name == "sqlite":  # SQLite keeps UTC without an offset (storage.types)
        statements = [s.replace(":00+00'", ":00.000000'") for s in statements]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _statements() -> list[str]:
    statements = [
        "INSERT INTO account (id, company, channel_id, timezone, vendor_contact_id, created_at) "
        "VALUES (1, 'Acme', 'C1', 'Europe/Helsinki', 'U1', '2027-01-01 10:00:00+00')",
        "INSERT INTO contract (id, account_id, package_id, start, term_months, included_minutes, "
        "status_updates, minutes_spent, status_updates_spent, created_at) "
        "VALUES (1, 1, 'premium', '2027-01-04', 12, 120, 12, 105, 1, '2027-01-01 10:00:00+00')",
    ]
    for id_, state, held in ((1, "held", 45), (2, "booked", None), (3, "cancelled", None)):
        statements.append(
            "INSERT INTO onboarding_session (id, account_id, contract_id, session_type, "
            "starts_at, minutes_booked, minutes_held, included_minutes, billable_minutes, "
            "uses_status_update, billable_confirmed_minutes, status, booked_by, booked_by_team, "
            f"created_at, updated_at) VALUES ({id_}, 1, 1, 'kickoff', "
            f"'2027-01-1{id_} 10:00:00+00', 60, {held or 'NULL'}, 60, 0, false, 0, '{state}', "
            "'U1', 'T1', '2027-01-01 10:00:00+00', '2027-01-01 10:00:00+00')"
        )
    statements += [
        "INSERT INTO session_request (id, account_id, requested_by, requested_by_team, "
        "session_type, minutes, preferred_times, note, status, created_at, updated_at) "
        "VALUES (1, 1, 'U2', 'T2', 'training', 45, '[]', 'R&D <ops>', 'proposed', "
        "'2027-01-02 10:00:00+00', '2027-01-02 10:00:00+00')",
        "INSERT INTO support_case (id, account_id, category, description, opened_by, "
        "opened_by_team, status, created_at) VALUES (1, 1, 'technical-issue', 'It blinks', "
        "'U2', 'T2', 'taken', '2027-01-03 10:00:00+00')",
        "INSERT INTO audit_event (id, at, actor_user_id, actor_team_id, action, account_id, "
        "session_id, details) VALUES (1, '2027-01-11 11:00:00+00', 'U1', 'T1', 'done', 1, 1, "
        "'{}'), (2, '2027-01-11 11:00:00+00', 'U1', 'T1', 'book', 1, 2, '{}')",
    ]
    return statements


def test_0006_keeps_every_state_and_renames_the_logging_verb(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0005")
    fill_at_0005(empty_engine)
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        sessions = db.exec(select(OnboardingSession).order_by(OnboardingSession.id)).all()
        assert [(s.id, s.state, s.minutes_held) for s in sessions] == [
            (1, "held", 45),
            (2, "booked", None),
            (3, "cancelled", None),
        ]
        [request] = db.exec(select(SessionRequest)).all()
        assert (request.state, request.note) == ("proposed", "R&D <ops>")
        [case] = db.exec(select(SupportCase)).all()
        assert (case.state, case.description) == ("taken", "It blinks")
        audit = db.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert list(audit) == ["log_held", "book"]
        # The renamed indexes serve the queries that use them (the usage card's next session).
        booked = db.exec(
            select(OnboardingSession.id).where(
                OnboardingSession.account_id == 1, OnboardingSession.state == "booked"
            )
        ).all()
        assert list(booked) == [2]


def test_0006_downgrades_with_the_data(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0005")
    fill_at_0005(empty_engine)
    upgrade(empty_engine)
    downgrade(empty_engine, "0005")  # through 0009, which rebuilds `account` on SQLite
    with empty_engine.connect() as connection:
        states = connection.execute(
            text("SELECT id, status FROM onboarding_session ORDER BY id")
        ).all()
        actions = connection.execute(text("SELECT action FROM audit_event ORDER BY id")).all()
    assert [tuple(row) for row in states] == [(1, "held"), (2, "booked"), (3, "cancelled")]
    assert [row[0] for row in actions] == ["done", "book"]


def fill_at_0006(engine: Engine) -> None:
    """Accounts as revision 0006 kept them: one customer team each, or none."""
    created = "'2027-01-01 10:00:00+00'"
    if engine.dialect.name == "sqlite":
        created = "'2027-01-01 10:00:00.000000'"
    accounts = ((1, "C1", "'T_ACME'"), (2, "C2", "'E_BETA'"), (3, "C3", "NULL"))
    with engine.begin() as connection:
        for id_, channel, team in accounts:
            connection.execute(
                text(
                    "INSERT INTO account (id, company, channel_id, timezone, vendor_contact_id, "
                    f"customer_team_id, created_at) VALUES ({id_}, 'Co {id_}', '{channel}', "
                    f"'Europe/Helsinki', 'U1', {team}, {created})"
                )
            )
        connection.execute(
            text(
                "INSERT INTO contract (id, account_id, package_id, start, term_months, "
                "included_minutes, status_updates, minutes_spent, status_updates_spent, "
                f"created_at) VALUES (1, 2, 'premium', '2027-01-04', 12, 120, 12, 0, 0, {created})"
            )
        )


def test_0007_keeps_every_customer_team_as_a_customer_id(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0006")
    fill_at_0006(empty_engine)
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        kept = db.exec(select(CustomerTeam).order_by(CustomerTeam.account_id)).all()
        assert [(c.account_id, c.team_id, c.kind, c.source) for c in kept] == [
            (1, "T_ACME", "workspace", "migrated"),
            (2, "E_BETA", "organization", "migrated"),
        ]
        assert all(c.updated_at.tzinfo is not None for c in kept)
        assert [a.id for a in db.exec(select(Account).order_by(Account.id)).all()] == [1, 2, 3]
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("account")}
    assert "customer_team_id" not in columns
    # The app reads them: Beta's people (its organization) are its buyers.
    linked = BookingService(empty_engine, "Europe/Helsinki").linked_account("C2")
    assert linked is not None and linked.customer_ids == frozenset({"E_BETA"})


def test_0007_downgrades_with_the_data(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0006")
    fill_at_0006(empty_engine)
    upgrade(empty_engine)
    booking = BookingService(empty_engine, "Europe/Helsinki")
    booking.record_customer_ids("C2", ["T_BETA"], "channel_shared")
    downgrade(empty_engine, "0006")  # through 0009, which rebuilds `account` on SQLite
    with empty_engine.connect() as connection:
        teams = connection.execute(
            text("SELECT id, customer_team_id FROM account ORDER BY id")
        ).all()
        tables = inspect(connection).get_table_names()
    # One id per account again: a workspace where there is one.
    assert [tuple(row) for row in teams] == [(1, "T_ACME"), (2, "T_BETA"), (3, None)]
    assert "customer_team" not in tables


def fill_at_0009(engine: Engine) -> None:
    """Accounts as revision 0009 kept them: one unreachable, one with a contract."""
    created = "'2027-01-01 10:00:00+00'"
    if engine.dialect.name == "sqlite":
        created = "'2027-01-01 10:00:00.000000'"
    accounts = (
        (1, "C1", "Europe/Helsinki", "NULL", "NULL"),
        (2, "C2", "Europe/Helsinki", "NULL", "NULL"),
        (3, "C3", "America/New_York", "'is_archived'", created),
    )
    with engine.begin() as connection:
        for id_, channel, tz, reason, since in accounts:
            connection.execute(
                text(
                    "INSERT INTO account (id, company, channel_id, timezone, vendor_contact_id, "
                    f"unreachable_reason, unreachable_since, created_at) VALUES ({id_}, "
                    f"'Co {id_}', '{channel}', '{tz}', 'U1', {reason}, {since}, {created})"
                )
            )
        connection.execute(
            text(
                "INSERT INTO contract (id, account_id, package_id, start, term_months, "
                "included_minutes, status_updates, minutes_spent, status_updates_spent, "
                f"created_at) VALUES (1, 2, 'premium', '2027-01-04', 12, 120, 12, 0, 0, {created})"
            )
        )


def test_0010_keeps_every_account_and_their_country_follows_the_zone(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0009")
    fill_at_0009(empty_engine)
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        accounts = db.exec(select(Account).order_by(Account.id)).all()
        assert [
            (a.id, a.company, a.timezone, a.unreachable_reason, a.country) for a in accounts
        ] == [
            (1, "Co 1", "Europe/Helsinki", None, None),
            (2, "Co 2", "Europe/Helsinki", None, None),
            (3, "Co 3", "America/New_York", "is_archived", None),
        ]
    booking = BookingService(empty_engine, "Europe/Helsinki")
    booking.set_country(Actor(user_id="U1", team_id="T1"), "C2", "SE")
    assert booking.account_for_channel("C2").country == "SE"  # type: ignore[union-attr]
    downgrade(empty_engine, "0009")
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("account")}
        kept = connection.execute(text("SELECT id FROM account ORDER BY id")).all()
    assert "country" not in columns
    assert [row[0] for row in kept] == [1, 2, 3]


def test_0011_keeps_every_account_in_the_english_they_read_before(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0009")
    fill_at_0009(empty_engine)
    upgrade(empty_engine)
    with Session(empty_engine) as db:
        accounts = db.exec(select(Account).order_by(Account.id)).all()
        assert [(a.id, a.company, a.language) for a in accounts] == [
            (1, "Co 1", "en"),
            (2, "Co 2", "en"),
            (3, "Co 3", "en"),
        ]
    booking = BookingService(empty_engine, "Europe/Helsinki")
    booking.set_language(Actor(user_id="U1", team_id="T1"), "C2", "fi")
    assert booking.account_for_channel("C2").language == "fi"  # type: ignore[union-attr]
    downgrade(empty_engine, "0010")
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("account")}
        kept = connection.execute(text("SELECT id, company FROM account ORDER BY id")).all()
    assert "language" not in columns
    assert [tuple(row) for row in kept] == [(1, "Co 1"), (2, "Co 2"), (3, "Co 3")]


def account_indexes(engine: Engine) -> set[str]:
    """Index names on `account`, expression indexes included (SQLite's reflection skips them)."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'account'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'account'"
    )
    with engine.connect() as connection:
        return {row[0] for row in connection.execute(text(query))}


def test_0012_indexes_the_app_home_and_keeps_its_order(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0011")
    created = "'2027-01-01 10:00:00+00'"
    if empty_engine.dialect.name == "sqlite":
        created = "'2027-01-01 10:00:00.000000'"
    companies = ((1, "beta", "U1"), (2, "Alpha", "U2"), (3, "ALPHA", "U1"), (4, "gamma", "U1"))
    with empty_engine.begin() as connection:
        for id_, company, contact in (*companies, (5, "alpha", "U1")):
            connection.execute(
                text(
                    "INSERT INTO account (id, company, channel_id, timezone, vendor_contact_id, "
                    f"created_at) VALUES ({id_}, '{company}', 'C{id_}', 'Europe/Helsinki', "
                    f"'{contact}', {created})"
                )
            )
    upgrade(empty_engine)
    wanted = {"ix_account_contact_company", "ix_account_company"}
    assert wanted <= account_indexes(empty_engine)
    now = datetime(2027, 1, 10, tzinfo=UTC)
    with Session(empty_engine) as db:
        mine, mine_total = account_overview(db, vendor_contact_id="U1", offset=0, limit=20, now=now)
        everyone, total = account_overview(db, vendor_contact_id=None, offset=1, limit=3, now=now)
    # By company case-insensitively, then id, as before the indexes.
    assert ([a.account_id for a in mine], mine_total) == ([3, 5, 1, 4], 4)
    assert ([a.account_id for a in everyone], total) == ([3, 5, 1], 5)
    downgrade(empty_engine, "0011")
    assert not wanted & account_indexes(empty_engine)
    with empty_engine.connect() as connection:
        kept = connection.execute(text("SELECT id FROM account ORDER BY id")).all()
    assert [row[0] for row in kept] == [1, 2, 3, 4, 5]


def test_0016_keeps_staff_members_active_and_the_app_installed(empty_engine: Engine) -> None:
    from storage.installation import mark_uninstalled, set_deactivated, uninstalled_since
    from storage.models import StaffMember

    upgrade(empty_engine, "0015")
    updated = "'2027-01-01 10:00:00+00'"
    if empty_engine.dialect.name == "sqlite":
        updated = "'2027-01-01 10:00:00.000000'"
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO staff_member (user_id, meeting_url, work_start_minute, "
                "work_end_minute, work_days, feed_token_hash, updated_at) VALUES "
                f"('U1', 'https://meet.example/u1', 480, 960, '1234', 'abc', {updated}), "
                f"('U2', NULL, 540, 1020, '12345', NULL, {updated})"
            )
        )
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        staff = db.exec(select(StaffMember).order_by(StaffMember.user_id)).all()
        assert [
            (s.user_id, s.meeting_url, s.work_days, s.feed_token_hash, s.deactivated_at)
            for s in staff
        ] == [
            ("U1", "https://meet.example/u1", "1234", "abc", None),
            ("U2", None, "12345", None, None),
        ]
    assert uninstalled_since(empty_engine) is None
    now = datetime(2027, 2, 1, tzinfo=UTC)
    assert set_deactivated(empty_engine, "U2", True, now)
    assert mark_uninstalled(empty_engine, "app_uninstalled", now)
    assert uninstalled_since(empty_engine) == now
    downgrade(empty_engine, "0015")
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("staff_member")}
        kept = connection.execute(text("SELECT user_id FROM staff_member ORDER BY 1")).all()
        tables = inspect(connection).get_table_names()
    assert "deactivated_at" not in columns and "installation_state" not in tables
    assert [row[0] for row in kept] == ["U1", "U2"]


def fill_at_0015(engine: Engine) -> None:
    """Sessions as revision 0015 kept them: two accounts, booked out of start order, one held."""
    created = "'2027-01-01 10:00:00+00'"
    if engine.dialect.name == "sqlite":
        created = "'2027-01-01 10:00:00.000000'"
    fill_at_0009(engine)
    sessions = (
        # id, account, starts_at (day), state
        (1, 2, "2027-01-20", "booked"),
        (2, 2, "2027-01-10", "held"),
        (3, 1, "2027-01-15", "booked"),
        (4, 2, "2027-01-10", "cancelled"),
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO contract (id, account_id, package_id, start, term_months, "
                "included_minutes, status_updates, minutes_spent, status_updates_spent, "
                f"created_at) VALUES (2, 1, 'premium', '2027-01-04', 12, 120, 12, 0, 0, {created})"
            )
        )
        for id_, account_id, day, state in sessions:
            starts = created.replace("2027-01-01", day)
            held = "60" if state == "held" else "NULL"
            connection.execute(
                text(
                    "INSERT INTO onboarding_session (id, account_id, contract_id, session_type, "
                    "starts_at, minutes_booked, minutes_held, included_minutes, "
                    "billable_minutes, uses_status_update, billable_confirmed_minutes, state, "
                    "booked_by, booked_by_team, created_at, updated_at) VALUES "
                    f"({id_}, {account_id}, {3 - account_id}, 'onboarding', {starts}, 60, "
                    f"{held}, 60, 0, false, 0, '{state}', 'U1', 'T1', {created}, {created})"
                )
            )
        if engine.dialect.name == "postgresql":  # ids given by hand leave the sequence behind
            connection.execute(text("SELECT setval('onboarding_session_id_seq', 4)"))


def test_0017_numbers_each_accounts_sessions_in_start_order(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0015")
    fill_at_0015(empty_engine)
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        rows = db.exec(select(OnboardingSession).order_by(OnboardingSession.id)).all()
        assert [(s.id, s.account_id, s.number, s.state) for s in rows] == [
            (1, 2, 3, "booked"),
            (2, 2, 1, "held"),
            (3, 1, 1, "booked"),
            (4, 2, 2, "cancelled"),
        ]
        assert [(s.note, s.attendees, s.logged_by, s.post_ts) for s in rows] == [
            ("", "", None, None)
        ] * 4
        # Only the held one has a log time: its last update.
        assert [s.logged_at is not None for s in rows] == [False, True, False, False]
    # The next booking of account 2 is #4.
    booking = BookingService(empty_engine, "Europe/Helsinki")
    change = booking.book(
        Actor(user_id="U1", team_id="T1"),
        "C2",
        SessionType.ONBOARDING,
        datetime(2027, 2, 1, 10, tzinfo=UTC),
        30,
        billable=False,
    )
    assert change.session.number == 4
    with Session(empty_engine) as db:  # a no-show, which the code before does not know
        no_show = db.get(OnboardingSession, 1)
        assert no_show is not None
        no_show.state = "no_show"
        db.add(no_show)
        db.commit()
    downgrade(empty_engine, "0015")
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("onboarding_session")}
        kept = connection.execute(text("SELECT id FROM onboarding_session ORDER BY id")).all()
        states = connection.execute(
            text("SELECT state, minutes_held FROM onboarding_session WHERE id = 1")
        ).one()
    assert not {"number", "note", "attendees", "logged_by", "logged_at", "post_ts"} & columns
    assert [row[0] for row in kept] == [1, 2, 3, 4, 5]
    assert tuple(states) == ("held", 60)


def session_indexes(engine: Engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("onboarding_session")}


def test_0018_indexes_a_staff_members_busy_time_and_keeps_every_row(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0015")
    fill_staff_at_0015(empty_engine)
    upgrade(empty_engine)
    assert "ix_onboarding_session_booked_by_state_start" in session_indexes(empty_engine)
    with Session(empty_engine) as db:
        # U1 is vendor contact of Acme (sessions 1-2) and booked session 3 for Beta (U2's).
        busy = busy_sessions(db, "U1", utc(2027, 1, 12, 0), utc(2027, 1, 13, 0))
        assert [(b.session_id, b.company) for b in busy] == [(1, "Acme"), (3, "Beta")]
        assert [
            b.session_id for b in busy_sessions(db, "U2", utc(2027, 1, 12), utc(2027, 1, 13))
        ] == [3]
        assert working_hours(db, "U1").code() == "08:00-16:00 mon,tue"
        assert working_hours(db, "U9").code() == "09:00-17:00 mon-fri"  # never set: defaults
    downgrade(empty_engine, "0015")
    assert "ix_onboarding_session_booked_by_state_start" not in session_indexes(empty_engine)
    with empty_engine.connect() as connection:
        kept = connection.execute(text("SELECT id FROM onboarding_session ORDER BY id")).all()
    assert [row[0] for row in kept] == [1, 2, 3]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fill_staff_at_0015(engine: Engine) -> None:
    """Two accounts, three sessions (one cancelled) and one staff member, as 0015 stored them."""
    at = (
        "'2027-01-01 10:00:00.000000'"
        if engine.dialect.name == "sqlite"
        else "'2027-01-01 10:00:00+00'"
    )
    statements = [
        "INSERT INTO account (id, company, channel_id, timezone, language, vendor_contact_id, "
        f"created_at) VALUES (1, 'Acme', 'C1', 'Europe/Helsinki', 'en', 'U1', {at}), "
        f"(2, 'Beta', 'C2', 'Europe/Helsinki', 'en', 'U2', {at})",
        "INSERT INTO contract (id, account_id, package_id, start, term_months, included_minutes, "
        "status_updates, minutes_spent, status_updates_spent, created_at) VALUES "
        f"(1, 1, 'premium', '2027-01-04', 12, 120, 12, 0, 0, {at}), "
        f"(2, 2, 'premium', '2027-01-04', 12, 120, 12, 0, 0, {at})",
        "INSERT INTO staff_member (user_id, work_start_minute, work_end_minute, work_days, "
        f"updated_at) VALUES ('U1', 480, 960, '12', {at})",
    ]
    for id_, account, state, booked_by, hour in (
        (1, 1, "booked", "U3", 8),
        (2, 1, "cancelled", "U1", 9),
        (3, 2, "booked", "U1", 10),
    ):
        starts = f"'2027-01-12 {hour:02d}:00:00" + (
            ".000000'" if engine.dialect.name == "sqlite" else "+00'"
        )
        statements.append(
            "INSERT INTO onboarding_session (id, account_id, contract_id, session_type, "
            "starts_at, minutes_booked, included_minutes, billable_minutes, uses_status_update, "
            "billable_confirmed_minutes, state, booked_by, booked_by_team, created_at, "
            f"updated_at) VALUES ({id_}, {account}, {account}, 'kickoff', {starts}, 60, 60, 0, "
            f"false, 0, '{state}', '{booked_by}', 'T1', {at}, {at})"
        )
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_0019_adds_the_living_balance_and_keeps_every_account(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0015")
    fill_staff_at_0015(empty_engine)
    upgrade(empty_engine, "0018")
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        assert db.exec(select(BalanceMessage)).all() == []  # posted on each one's next change
        assert [a.company for a in db.exec(select(Account).order_by(Account.id)).all()] == [
            "Acme",
            "Beta",
        ]
    booking = BookingService(empty_engine, "Europe/Helsinki")
    balances = BalanceMessages(booking)
    first = balances.ticket(1, "C1")
    assert (first.version, first.ts, first.post) == (1, None, True)
    assert balances.ticket(1, "C1").post is False  # the first one is posting it
    balances.posted(1, "C1", "1700000000.000100")
    version, usage = balances.snapshot(1)
    assert (version, usage.account.company, usage.balance.minutes_left) == (2, "Acme", 120)
    downgrade(empty_engine, "0018")
    with empty_engine.connect() as connection:
        assert "balance_message" not in inspect(connection).get_table_names()
        kept = connection.execute(text("SELECT id FROM account ORDER BY id")).all()
    assert [row[0] for row in kept] == [1, 2]


def test_0020_keeps_every_request_as_a_new_session_one(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0015")
    fill_staff_at_0015(empty_engine)
    upgrade(empty_engine, "0018")
    at = (
        "'2027-01-02 10:00:00.000000'"
        if empty_engine.dialect.name == "sqlite"
        else "'2027-01-02 10:00:00+00'"
    )
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO session_request (id, account_id, requested_by, requested_by_team, "
                "session_type, minutes, preferred_times, note, state, session_id, created_at, "
                f"updated_at) VALUES (1, 1, 'U5', 'T5', 'training', 45, '[]', 'R&D', "
                f"'confirmed', 1, {at}, {at}), (2, 2, 'U6', 'T6', 'kickoff', 30, '[]', '', "
                f"'open', NULL, {at}, {at})"
            )
        )
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        rows = db.exec(select(SessionRequest).order_by(SessionRequest.id)).all()
        assert [(r.id, r.kind, r.state, r.session_id, r.note) for r in rows] == [
            (1, "new", "confirmed", 1, "R&D"),
            (2, "new", "open", None, ""),
        ]
        # A move request, which the code before does not know.
        db.add(
            SessionRequest(
                id=3,
                account_id=1,
                requested_by="U5",
                requested_by_team="T5",
                session_type="kickoff",
                minutes=60,
                preferred_times="[]",
                kind="move",
                session_id=1,
            )
        )
        db.commit()
    downgrade(empty_engine, "0018")
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("session_request")}
        kept = connection.execute(text("SELECT id FROM session_request ORDER BY id")).all()
    assert "kind" not in columns
    assert [row[0] for row in kept] == [1, 2]


def test_0021_leaves_one_open_ask_per_session_and_refuses_a_second(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0015")
    fill_staff_at_0015(empty_engine)
    upgrade(empty_engine, "0020")
    at = (
        "'2027-01-02 10:00:00.000000'"
        if empty_engine.dialect.name == "sqlite"
        else "'2027-01-02 10:00:00+00'"
    )
    rows = [
        (1, "move", "open", 1),
        (2, "cancel", "open", 1),  # the newest open ask of session 1 stays open
        (3, "move", "declined", 1),
        (4, "cancel", "open", 2),
        (5, "new", "open", 1),  # a new-session request is no ask
    ]
    values = ", ".join(
        f"({id_}, 1, 'U5', 'T5', 'training', 45, '[]', '', '{state}', '{kind}', {session}, "
        f"{at}, {at})"
        for id_, kind, state, session in rows
    )
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO session_request (id, account_id, requested_by, requested_by_team, "
                "session_type, minutes, preferred_times, note, state, kind, session_id, "
                f"created_at, updated_at) VALUES {values}"
            )
        )
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        states = connection.execute(text("SELECT id, state FROM session_request ORDER BY id"))
        assert dict(states.all()) == {
            1: "declined",
            2: "open",
            3: "declined",
            4: "open",
            5: "open",
        }
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO session_request (id, account_id, requested_by, requested_by_team, "
                "session_type, minutes, preferred_times, note, state, kind, session_id, "
                f"created_at, updated_at) VALUES (6, 1, 'U5', 'T5', 'training', 45, '[]', '', "
                f"'open', 'move', 2, {at}, {at})"
            )
        )
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE onboarding_session SET state = 'late_cancelled'"))
    downgrade(empty_engine, "0020")
    with empty_engine.connect() as connection:
        states = connection.execute(text("SELECT DISTINCT state FROM onboarding_session"))
        assert [row[0] for row in states] == ["no_show"]


def test_0022_has_every_posted_balance_refreshed_once_by_the_clock(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0015")
    fill_staff_at_0015(empty_engine)
    upgrade(empty_engine, "0021")
    at = (
        "'2027-01-02 10:00:00.000000'"
        if empty_engine.dialect.name == "sqlite"
        else "'2027-01-02 10:00:00+00'"
    )
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO balance_message (account_id, channel_id, ts, claimed_at, version, "
                f"shown_version, updated_at) VALUES (1, 'C1', '1700000000.000100', NULL, 3, 3, "
                f"{at}), (2, 'C2', NULL, {at}, 1, 0, {at})"
            )
        )
    before = datetime.now(UTC)
    upgrade(empty_engine)
    assert is_up_to_date(empty_engine)
    with Session(empty_engine) as db:
        rows = db.exec(select(BalanceMessage).order_by(BalanceMessage.account_id)).all()
        assert [(r.account_id, r.ts, r.version, r.shown_version) for r in rows] == [
            (1, "1700000000.000100", 3, 3),
            (2, None, 1, 0),
        ]
        posted, posting = rows
        # Rendered before refresh_at existed: due at once; the one being posted sets its own.
        assert posted.refresh_at is not None and before <= posted.refresh_at <= datetime.now(UTC)
        assert posting.refresh_at is None
    balances = BalanceMessages(BookingService(empty_engine, "Europe/Helsinki"))
    assert balances.due(datetime.now(UTC), 10) == [(1, posted.refresh_at)]
    downgrade(empty_engine, "0021")
    with empty_engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("balance_message")}
        kept = connection.execute(text("SELECT account_id, ts FROM balance_message")).all()
    assert "refresh_at" not in columns
    assert sorted(kept) == [(1, "1700000000.000100"), (2, None)]
