"""The audit log's hash chain: an attacker with database access who edits, removes or slips in
an event past the append-only triggers is named by `audit verify`; the migration chains the
events that were there before it."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from models.audit import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL
from thidua import migrate
from thidua.cli.main import app
from thidua.db import create_schema, engine_for, session_scope
from thidua.sample import load_sample
from thidua.services import audit, audit_log, auth
from thidua.services.context import get_actor

from .postgres import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chain.db'}"
        yield engine_for(url)
        engine_for(url).dispose()
        return
    with temporary_database("thidua_chain") as url:
        yield engine_for(url)


def _events(engine: Engine, n: int = 5) -> None:
    with session_scope(engine) as s:
        load_sample(s)
        for i in range(n):
            audit.record(s, actor=None, action="test.event", entity="test", after={"i": i})


def _check(engine: Engine) -> audit_log.ChainCheck:
    with session_scope(engine) as s:
        return audit_log.verify(s, batch=3)  # small pages: the walk crosses page ends


def _as_attacker(engine: Engine, *statements: str) -> None:
    dialect = engine.dialect.name
    with engine.begin() as conn:
        for sql in (*DROP_APPEND_ONLY_DDL[dialect], *statements, *APPEND_ONLY_DDL[dialect]):
            conn.execute(text(sql))


def _ids(conn: Connection) -> list[int]:
    return [r[0] for r in conn.execute(text("SELECT id FROM auditevent ORDER BY id"))]


def test_an_untouched_chain_holds(engine: Engine) -> None:
    create_schema(engine)
    _events(engine)
    check = _check(engine)
    assert check.ok and check.events == 5


TAMPERING: dict[str, Callable[[list[int]], tuple[str, int, str]]] = {
    # (statement, the event to be named, words of the message)
    "changed": lambda ids: (
        f"UPDATE auditevent SET action = 'khác' WHERE id = {ids[2]}",
        ids[2],
        "đã bị sửa",
    ),
    "removed": lambda ids: (f"DELETE FROM auditevent WHERE id = {ids[2]}", ids[3], "bị xóa"),
    "inserted": lambda ids: (
        "INSERT INTO auditevent (at, action, entity, entity_id, prev_hash, hash) "
        f"SELECT at, 'chèn', entity, entity_id, hash, hash FROM auditevent WHERE id = {ids[1]}",
        -1,  # the new row, last by id: it links to an event that is not the one before it
        "chèn",
    ),
    "truncated": lambda ids: (f"DELETE FROM auditevent WHERE id = {ids[-1]}", ids[-1], "cuối"),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_is_found_and_the_event_named(engine: Engine, how: str) -> None:
    create_schema(engine)
    _events(engine)
    with engine.connect() as conn:
        ids = _ids(conn)
    statement, named, words = TAMPERING[how](ids)
    _as_attacker(engine, statement)
    check = _check(engine)
    assert not check.ok and words in check.problem
    if how == "inserted":
        with engine.connect() as conn:
            named = _ids(conn)[-1]
        assert check.broken_at == named
    else:
        assert check.broken_at == named and f"#{named}" in check.problem


def test_the_cli_names_the_changed_event(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        secret = auth.issue_secret(s, by=None, actor=get_actor(s, "quantri"))
    engine = engine_for(database_url)
    _events(engine, 2)
    with engine.connect() as conn:
        target = _ids(conn)[1]
    _as_attacker(engine, f"UPDATE auditevent SET after = '{{\"i\": 99}}' WHERE id = {target}")
    result = CliRunner().invoke(
        app, ["audit", "verify", "--by", "quantri"], env={"THIDUA_SECRET": secret}
    )
    assert result.exit_code != 0 and f"Sự kiện #{target}" in result.stderr, result.output


def test_the_migration_chains_the_events_already_there(engine: Engine) -> None:
    migrate.upgrade(engine)
    _events(engine, 4)
    migrate.downgrade(engine, "0003_vote_rules")
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    check = _check(engine)
    assert check.ok and check.events == 4
    _events(engine, 1)  # the chain goes on from the head the migration wrote
    assert _check(engine).ok
    # And the log is still append-only.
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM auditevent"))


def test_a_key_logged_by_a_concurrent_command_is_skipped_and_the_command_keeps_its_rows(
    engine: Engine,
) -> None:
    """Two commands log the same keyed event at once: the second waits for the chain head,
    then finds the first's event and logs nothing under the key, with no savepoint and no
    error; its other rows and events are kept. On PostgreSQL the second is seen waiting on
    the head's lock before the first commits."""
    import threading
    import time

    from sqlmodel import select

    from models import AuditEvent

    create_schema(engine)
    with session_scope(engine) as s:
        load_sample(s)
    first_logged, second_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def second() -> None:
        first_logged.wait(60)
        try:
            with session_scope(engine) as s:
                audit.record(s, actor=None, action="test.other", entity="test")
                outcome["second"] = audit.record(s, actor=None, action="test.keyed", key="k:1")
        except Exception as exc:  # reported below, with its type
            outcome["second"] = exc
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with session_scope(engine) as s:
        assert audit.record(s, actor=None, action="test.keyed", key="k:1") is not None
        first_logged.set()
        if engine.dialect.name == "postgresql":
            deadline = time.monotonic() + 120
            while not _waiting_on_a_lock(engine):
                assert time.monotonic() < deadline, "the second command never waited"
                time.sleep(0.05)
    assert second_done.wait(120)
    thread.join()
    assert outcome["second"] is None, outcome
    with session_scope(engine) as s:
        actions = s.exec(select(AuditEvent.action).where(AuditEvent.entity == "")).all()
        assert list(actions).count("test.keyed") == 1
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "test.other")).first()
    assert _check(engine).ok


def _waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar()
        )
