"""Storage: UTC timestamps refuse naive values, migrations match the tables, quotas are bounded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

from storage.engine import make_engine, normalise_url, write_session
from storage.migrate import is_up_to_date, upgrade
from storage.models import Account, Contract, OnboardingSession


def account(**overrides: object) -> Account:
    values: dict[str, object] = {
        "company": "Acme",
        "channel_id": "C1",
        "timezone": "Europe/Helsinki",
        "vendor_contact_id": "U1",
    }
    values.update(overrides)
    return Account(**values)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime refused"), write_session(engine) as db:
        db.add(account(created_at=datetime(2027, 1, 1, 12, 0)))
    with Session(engine) as db:
        assert db.exec(select(Account)).all() == []


def test_aware_datetimes_come_back_in_utc(engine: Engine) -> None:
    helsinki_noon = datetime(2027, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    with write_session(engine) as db:
        db.add(account(created_at=helsinki_noon))
    with Session(engine) as db:
        stored = db.exec(select(Account)).one().created_at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def test_contract_counters_cannot_leave_their_bounds(engine: Engine) -> None:
    with write_session(engine) as db:
        db.add(account())
        db.flush()
        db.add(
            Contract(
                account_id=1,
                package_id="premium",
                start=date(2027, 1, 4),
                term_months=12,
                included_minutes=120,
                status_updates=12,
            )
        )
    for column, value in (("minutes_spent", 121), ("status_updates_spent", -1)):
        with pytest.raises(IntegrityError), write_session(engine) as db:
            setattr(db.exec(select(Contract)).one(), column, value)


def test_sessions_longer_than_60_minutes_cannot_be_stored(engine: Engine) -> None:
    with write_session(engine) as db:
        db.add(account())
        db.flush()
        db.add(
            Contract(
                account_id=1,
                package_id="premium",
                start=date(2027, 1, 4),
                term_months=12,
                included_minutes=120,
                status_updates=12,
            )
        )
    with pytest.raises(IntegrityError), write_session(engine) as db:
        db.add(
            OnboardingSession(
                account_id=1,
                contract_id=1,
                session_type="kickoff",
                starts_at=datetime(2027, 1, 5, tzinfo=UTC),
                minutes_booked=90,
                booked_by="U1",
                booked_by_team="T1",
            )
        )


# SQLite can't reflect expression indexes, so they are not compared there (PostgreSQL compares
# them; test_migrations checks they exist on both).
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_create_exactly_the_tables_the_code_uses(engine: Engine) -> None:
    assert is_up_to_date(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_expression_indexes_reflection_skips_are_there(engine: Engine) -> None:
    """compare_metadata can't see indexes on lower(company): asked of the database itself."""
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'account'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'account'"
    )
    with engine.connect() as connection:
        names = {row[0] for row in connection.exec_driver_sql(query)}
    assert {"ix_account_company", "ix_account_contact_company"} <= names


def test_upgrade_from_empty_then_again_is_harmless(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert not is_up_to_date(engine)
    upgrade(engine)
    upgrade(engine)
    assert is_up_to_date(engine)
    engine.dispose()


def test_postgres_urls_from_hosting_providers_use_psycopg() -> None:
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
