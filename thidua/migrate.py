"""Alembic migrations of the application database, from code: upgrade, current and head revision.

The migrations live in the `migrations` package (migrations/env.py, migrations/versions/), so an
installed thidua finds them wherever it runs; alembic.ini at the repository's root points at the
same folder for the `alembic` command.
"""

from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from thidua.errors import ThiduaError

VERSION_TABLE = "alembic_version"


def script_location() -> Path:
    return Path(str(files("migrations")))


def alembic_config(connection: Connection | None = None) -> Config:
    """A Config without an ini file; with `connection`, migrations run on it (its transaction)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to `revision` in one transaction. Returns (before, after).

    A database whose tables were made before thidua had migrations (no alembic_version) is
    refused rather than guessed at: `thidua db stamp` adopts it once it is known to match.
    """
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        if tables and VERSION_TABLE not in tables and "auditevent" in tables:
            raise ThiduaError(
                "Cơ sở dữ liệu đã có bảng nhưng chưa có phiên bản migration (alembic_version): "
                "nó được tạo trước khi thidua dùng migration. Sao lưu rồi tạo lại bằng "
                "`thidua init`, hoặc nếu chắc chắn lược đồ khớp, đánh dấu bằng "
                "`thidua db stamp head`."
            )
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(alembic_config(conn), revision)
        after = MigrationContext.configure(conn).get_current_revision()
    return before, after


def differences(engine: Engine) -> list[Any]:
    """What the models (SQLModel.metadata) have that the database has not, or the reverse."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def require_models_match(engine: Engine) -> None:
    found = differences(engine)
    if found:
        listed = "; ".join(str(d)[:160] for d in found[:5])
        raise ThiduaError(
            f"Các bảng trong models/ khác lược đồ sau migration ({len(found)} khác biệt: "
            f'{listed}). Viết migration: `alembic revision --autogenerate -m "..."`, xem lại, '
            "rồi chạy lại (tests/test_migrations.py kiểm tra điều này)."
        )


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def stamp(engine: Engine, revision: str = "head") -> None:
    """Record `revision` as the database's version without running anything."""
    with engine.begin() as conn:
        command.stamp(alembic_config(conn), revision)
