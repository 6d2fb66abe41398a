"""Alembic's environment: the tables of models/ (SQLModel.metadata), the URL from thidua.settings.

Run three ways, all the same migrations:
- `thidua db upgrade` and `thidua init` (thidua.migrate), which hand over an open connection;
- `alembic upgrade head` from the repository's root (alembic.ini), on THIDUA_DATABASE_URL,
  or on `-x url=...`;
- `alembic upgrade head --sql` prints the SQL for a database administrator to run.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from thidua.settings import get_settings

config = context.config
if config.config_file_name is not None:  # the `alembic` command: its logging from alembic.ini
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = SQLModel.metadata


def _url() -> str:
    return (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or get_settings().effective_database_url
    )


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite changes a table by copying it: batch mode writes migrations that way.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # thidua.migrate: the caller owns the connection and transaction
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from thidua.db import engine_for  # SQLite pragmas and locking as the application uses them

    with engine_for(_url()).connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
