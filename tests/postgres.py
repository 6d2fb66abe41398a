"""Throwaway PostgreSQL databases for tests: created with a unique name, dropped afterwards.

The server is THIDUA_TEST_POSTGRES (default: the local one, trust auth, user postgres). Where no
server answers, the test is skipped on a developer's machine and fails in CI (CI=true).
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from thidua.db import engine_for

SERVER = os.environ.get(
    "THIDUA_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _unavailable(exc: Exception) -> None:
    message = f"PostgreSQL không trả lời ở {SERVER}: {exc}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def temporary_database(prefix: str = "thidua_test") -> Iterator[str]:
    """Yield the SQLAlchemy URL (psycopg) of a new, empty database; drop it afterwards."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        _unavailable(exc)
    url = make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def asyncpg_url(url: str) -> str:
    """The same database for the Prefect server, which speaks asyncpg."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
