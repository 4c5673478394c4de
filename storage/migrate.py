"""Bring a database's schema up to date with the Alembic migrations shipped in `storage`."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SAWarning

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    _migrate(engine, lambda config: command.upgrade(config, revision))


def downgrade(engine: Engine, revision: str) -> None:
    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run migrations in one transaction. On SQLite, a migration that must rebuild a table
    (ALTER TABLE can't drop a column there) would trip the other tables' foreign keys, so they
    are switched off around the transaction, as SQLite's own procedure for schema changes
    says, and every key is checked before the commit."""
    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with warnings.catch_warnings(), engine.connect() as connection:
        # Reflection can't read the account's expression indexes (lower(company)); they are
        # made by 0012, after every batch rebuild of that table (tests/test_storage.py checks
        # they are there), so the warning tells nothing.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        if sqlite:
            # Outside any transaction, where SQLite takes this pragma; on the driver's connection
            # so that SQLAlchemy does not begin one first.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration would break foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def is_up_to_date(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads
