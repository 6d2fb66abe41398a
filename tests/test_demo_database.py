"""Where `thidua demo` keeps its data: the home's own database when that is free for it, never
a database of real work."""

import os
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from models import Actor
from simulation.demo import prepare_database
from thidua.cli.main import app
from thidua.db import engine_for, session_scope
from thidua.settings import DEMO_MARK, get_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / ".thidua"
    monkeypatch.setenv("THIDUA_HOME", str(home))
    monkeypatch.delenv("THIDUA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield home
    url = os.environ.get("THIDUA_DATABASE_URL")
    get_settings.cache_clear()
    if url:
        engine_for(url).dispose()


def _reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THIDUA_DATABASE_URL", raising=False)
    get_settings.cache_clear()


def test_a_fresh_home_gets_the_demo_in_its_own_database_and_a_second_demo_starts_anew(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert prepare_database(home) == ""  # the next commands need no prefix
    own = home / "thidua.db"
    assert get_settings().effective_database_url == f"sqlite:///{own.resolve()}"
    assert (home / DEMO_MARK).exists()
    with session_scope() as s:
        s.add(Actor(username="left.over", full_name="Từ lần trước", role="unit_officer"))
    engine_for(get_settings().effective_database_url).dispose()

    _reset(monkeypatch)
    assert prepare_database(home) == ""
    with session_scope() as s:
        assert s.exec(select(Actor).where(Actor.username == "left.over")).first() is None


def test_a_database_of_real_work_is_never_touched(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_database(home)
    with session_scope() as s:
        s.add(Actor(username="that.nguoi", full_name="Người dùng thật", role="unit_officer"))
    engine_for(get_settings().effective_database_url).dispose()
    _reset(monkeypatch)
    taken = CliRunner().invoke(app, ["init"])  # a person takes the database over
    assert taken.exit_code == 0, taken.output
    assert not (home / DEMO_MARK).exists()
    engine_for(get_settings().effective_database_url).dispose()

    _reset(monkeypatch)
    prefix = prepare_database(home)
    demo_db = (home / "demo.db").resolve()
    assert prefix == f"THIDUA_DATABASE_URL=sqlite:///{demo_db} "
    assert get_settings().effective_database_url == f"sqlite:///{demo_db}"
    engine_for(get_settings().effective_database_url).dispose()

    _reset(monkeypatch)
    with session_scope() as s:
        kept = s.exec(select(Actor).where(Actor.username == "that.nguoi")).first()
    assert kept is not None and kept.full_name == "Người dùng thật"
