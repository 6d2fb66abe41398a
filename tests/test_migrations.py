"""The migrations build exactly the tables of models/, on SQLite and on PostgreSQL.

A model changed without a migration fails here: `compare_metadata` lists what differs. Write the
migration with `alembic revision --autogenerate -m "..."`, review it, and run this again.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import SQLModel

from thidua import migrate
from thidua.db import create_schema, engine_for, session_scope
from thidua.errors import ThiduaError
from thidua.sample import load_sample
from thidua.services.audit import record
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.waits import plan_step

from .postgres import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
        yield engine_for(url)
        engine_for(url).dispose()
        return
    with temporary_database("thidua_migrations") as url:
        yield engine_for(url)


def test_a_migrated_database_matches_the_models(engine: Engine) -> None:
    before, after = migrate.upgrade(engine)
    assert (before, after) == (None, migrate.head_revision())
    assert migrate.differences(engine) == []
    assert migrate.current_revision(engine) == migrate.head_revision()
    # Upgrading a current database does nothing.
    assert migrate.upgrade(engine) == (after, after)


def test_the_audit_log_is_append_only_after_migrating(engine: Engine) -> None:
    create_schema(engine)
    with session_scope(engine) as s:
        load_sample(s)
        record(s, actor=None, action="test.event", entity="test")
    for statement in ("UPDATE auditevent SET action = 'x'", "DELETE FROM auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_the_downgrade_removes_everything_and_the_upgrade_comes_back(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {migrate.VERSION_TABLE}
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []


def test_ballots_have_no_rowid_on_sqlite(tmp_path: Path) -> None:
    """No rowid: neither insertion order nor time links a ballot to a line of the voter roll."""
    engine = engine_for(f"sqlite:///{tmp_path / 'b.db'}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ballot'")).scalar()
    assert sql is not None and "WITHOUT ROWID" in sql.upper()
    engine.dispose()


def test_a_database_made_before_migrations_is_refused_with_a_hint(tmp_path: Path) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    SQLModel.metadata.create_all(engine)
    with pytest.raises(ThiduaError, match="thidua db stamp"):
        migrate.upgrade(engine)
    engine.dispose()


def test_a_model_changed_without_its_migration_is_named_when_the_schema_is_made(
    tmp_path: Path,
) -> None:
    engine = engine_for(f"sqlite:///{tmp_path / 'drift.db'}")
    create_schema(engine)
    with engine.begin() as conn:  # as if models/ had gained an index no migration creates
        conn.execute(text("DROP INDEX ix_wait_stage_run_id"))
    with pytest.raises(ThiduaError, match="alembic revision --autogenerate"):
        migrate.require_models_match(engine)
    engine.dispose()


def test_sealing_action_codes_drops_unused_codes_and_keeps_used_ones(engine: Engine) -> None:
    """0002 cannot re-key a code it only knows by its plain hash: unused codes go, a used one
    stays as a record that matches no code, and the way back keeps it too."""
    # The services write today's tables: the data is made at head, then taken back to 0001.
    migrate.upgrade(engine)
    with session_scope(engine) as s:
        load_sample(s)
        admin = get_actor(s, "quantri")
        _, started = start_cycle(
            s, actor=admin, year=2019, movement_code="VANTQ", cluster_codes=["CTD4"]
        )
    with session_scope(engine) as s:
        plan_step(s, started[0].campaign_id)  # opens stage 1: a stage run for the codes
    migrate.downgrade(engine, "0001")
    with engine.begin() as conn:
        actor = conn.execute(text("SELECT id FROM actor WHERE username = 'quantri'")).scalar()
        run = conn.execute(text("SELECT min(id) FROM stagerun")).scalar()
        for n, used in ((1, "2026-01-01 00:00:00"), (2, None)):
            conn.execute(
                text(
                    "INSERT INTO actioncode (id, actor_id, stage_run_id, code_sha256, expires_at,"
                    " used_at) VALUES (:id, :actor, :run, :sha, '2030-01-01 00:00:00', :used)"
                ),
                {"id": n, "actor": actor, "run": run, "sha": f"sha-{n}", "used": used},
            )
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, code_hmac, failed_attempts FROM actioncode")).all()
    assert [tuple(r) for r in rows] == [(1, "", 0)]
    migrate.downgrade(engine, "0001")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, code_sha256 FROM actioncode")).all()
    assert [tuple(r) for r in rows] == [(1, "void-1")]
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
