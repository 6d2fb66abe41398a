"""The application database: one engine per URL, short sessions, schema creation (migrations)."""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from thidua.homedir import new_private_file, sqlite_file
from thidua.settings import get_settings

BUSY_TIMEOUT_S = 30


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Several flow-run processes write at once: WAL lets readers go on, busy_timeout queues writers.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cur.close()


class _TakingTurns(sqlite3.Connection):
    """A SQLite connection whose transactions take turns with the others of this process.

    SQLite's busy handler polls: a writer that finds the lock taken sleeps (1, 2, 5 … up to
    100 ms) and tries again, so with many threads waiting the lock sits free between a commit
    and the next try. Waiting on a Python lock first, the next writer of the process starts the
    moment the last one commits; other processes (flow runs) still meet SQLite's busy handler.
    After BUSY_TIMEOUT_S without a turn (a transaction left open), SQLite's own wait decides."""

    turn: Any = None  # a threading.Lock, shared by the connections of one engine
    holding = False

    def take_turn(self) -> None:
        if self.turn is not None and not self.holding:
            self.holding = self.turn.acquire(timeout=BUSY_TIMEOUT_S)

    def let_go(self) -> None:
        if self.holding and self.turn is not None:
            self.holding = False
            self.turn.release()

    # The turn ends once the transaction has released SQLite's lock, not before.
    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.let_go()


def _begin_immediate(conn: Any) -> None:
    raw = conn.connection.dbapi_connection
    if isinstance(raw, _TakingTurns):
        raw.take_turn()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(raw, _TakingTurns):
            raw.let_go()
        raise


@cache
def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if (database := sqlite_file(url)) is not None:
            new_private_file(database)
        # isolation_level=None hands transaction control to SQLAlchemy, so that every
        # transaction can start with BEGIN IMMEDIATE: a check-then-write (one ballot per
        # voter, closing a stage once) then runs under the write lock, never on a stale read.
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "isolation_level": None,
                "factory": _TakingTurns,
            },
        )
        turn = threading.Lock()  # one writer of this database at a time in this process

        def _connect(dbapi_conn: Any, record: Any) -> None:
            dbapi_conn.turn = turn
            _sqlite_pragmas(dbapi_conn, record)

        event.listen(engine, "connect", _connect)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine() -> Engine:
    return engine_for(get_settings().effective_database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back on any exception."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def create_schema(engine: Engine | None = None) -> None:
    """Bring the database to the newest migration: the same migrations as `thidua db upgrade`
    on a production database (tables, indexes, the audit log's append-only triggers), so a
    database made by `thidua init` can be upgraded later. Then check that the models hold
    nothing the migrations lack (a model changed without its migration fails here, clearly)."""
    from thidua import migrate

    engine = engine or get_engine()
    migrate.upgrade(engine)
    migrate.require_models_match(engine)
