"""Engines and transactions for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from bot.domain.errors import Unavailable

_WRITE = "oura_write"
CONNECT_TIMEOUT_SECONDS = 3
# How long SQLite waits for another process's write to finish. Our own writes take
# milliseconds; a database held longer than this is out of reach for the person waiting, who is
# told so (and that nothing was changed) rather than left without an answer.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A database that cannot be reached (PostgreSQL down, SQLite locked past its busy timeout).
UNREACHABLE = (OperationalError, InterfaceError)
_SQLITE_WRITERS: dict[str, threading.RLock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def normalise_url(url: str) -> str:
    """Accept the `postgres://` forms hosts hand out; drive PostgreSQL with psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # A server that is down must fail a request in seconds (the person is told to try again),
    # not hang it until the operating system gives up on the connection.
    kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    return create_engine(url, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    _create_private(make_url(url).database)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (below) instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if make_url(url).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # SQLite has no row locks: a writing transaction takes the write lock up front, so
        # reading the contract and updating it can never interleave with another writer.
        if connection.get_execution_options().get(_WRITE):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _create_private(database: str | None) -> None:
    """A new SQLite file holds customers' data: readable by its owner only (0600). SQLite gives
    its -wal and -shm files the database file's permissions."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    # A missing folder is left for SQLite to report as it always does.
    with suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    except UNREACHABLE as error:
        _raise_unavailable(error)


def _one_writer_at_a_time(engine: Engine) -> AbstractContextManager[object]:
    """SQLite takes one writer at a time. Threads of this process queue on a lock that wakes
    the next one as soon as it is free, instead of on SQLite's busy handler, which polls with
    growing sleeps (up to 100 ms each): that was the long tail of bench/ack.py's bookings.
    Other processes still wait through the busy timeout."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(str(engine.url.database), threading.RLock())


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A transaction that will write; commits on success, rolls back on any error."""
    try:
        with _one_writer_at_a_time(engine), Session(engine, expire_on_commit=False) as session:
            session.connection(execution_options={_WRITE: True})
            try:
                yield session
                session.commit()
            except BaseException:
                _roll_back(session)
                raise
    except UNREACHABLE as error:
        _raise_unavailable(error)


def _raise_unavailable(error: OperationalError | InterfaceError) -> None:
    """Tell the person the database is out of reach; a deadlock or serialization failure
    (SQLSTATE class 40) is no outage, so it goes on as the error it is."""
    if str(getattr(error.orig, "sqlstate", "") or "").startswith("40"):
        raise error
    raise Unavailable() from error


def _roll_back(session: Session) -> None:
    # When the connection is gone, so is the transaction: nothing to roll back.
    with suppress(*UNREACHABLE):
        session.rollback()


def insert_into(bind: Engine | Connection, model: type) -> Any:
    """An INSERT into `model`'s table that can say what to do on a conflict
    (`on_conflict_do_nothing`, `on_conflict_do_update`): both databases have one, each its own."""
    insert = postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert
    return insert(model)
