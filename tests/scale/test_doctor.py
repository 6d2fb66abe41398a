"""`thidua deploy` and `thidua doctor` against a real Prefect server that requires its API auth
string: each missing piece is reported as failed with its fix, until nothing is missing."""

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from prefect import get_client
from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

from thidua.cli.main import app
from thidua.db import engine_for
from thidua.localserver import LocalPrefect, start_server
from thidua.settings import get_settings

pytestmark = pytest.mark.slow

AUTH = "quantri:mat-khau-rat-dai"
POOL = "thidua-doctor"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrefect]:
    home = tmp_path_factory.mktemp("doctor")
    env = pytest.MonkeyPatch()
    env.setenv("PREFECT_SERVER_API_AUTH_STRING", AUTH)  # the server's; inherited by the child
    try:
        local = start_server(home / "prefect", port=0)
    finally:
        env.undo()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture
def settings(server: LocalPrefect, database_url: str) -> Iterator[str]:
    """Prefect reads its settings once: they are changed in its settings context, not the env."""
    with temporary_settings(updates={PREFECT_API_URL: server.url, PREFECT_API_AUTH_STRING: AUTH}):
        yield database_url


def doctor(*args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = CliRunner().invoke(app, ["doctor", "--json", "--pool", POOL, *args])
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    return result.exit_code, checks


def test_each_missing_piece_is_named_with_its_fix(settings: str) -> None:
    # A new database: no schema yet.
    code, checks = doctor()
    assert code == 1
    assert checks["database"]["ok"]
    assert not checks["migrations"]["ok"] and "thidua db upgrade" in checks["migrations"]["fix"]
    assert checks["prefect_api"]["ok"]
    assert not checks["deployments"]["ok"] and "thidua deploy" in checks["deployments"]["fix"]

    upgraded = CliRunner().invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert doctor()[1]["migrations"]["ok"]

    # The server wants its auth string: without it the API check says so.
    with temporary_settings(restore_defaults={PREFECT_API_AUTH_STRING}):
        code, checks = doctor()
    assert code == 1 and not checks["prefect_api"]["ok"]
    assert "401" in checks["prefect_api"]["detail"]
    assert "PREFECT_API_AUTH_STRING" in checks["prefect_api"]["fix"]

    deployed = CliRunner().invoke(app, ["deploy", "--pool", POOL, "--sweep-minutes", "30"])
    assert deployed.exit_code == 0, deployed.output
    assert f"prefect worker start --pool {POOL}" in " ".join(deployed.output.split())
    code, checks = doctor()
    assert checks["deployments"]["ok"] and POOL in checks["deployments"]["detail"]
    assert code == 1 and not checks["workers"]["ok"]
    assert f"prefect worker start --pool {POOL}" in checks["workers"]["fix"]

    # Deploying again updates in place: still one pool, three deployments, one schedule each.
    again = CliRunner().invoke(app, ["deploy", "--pool", POOL, "--sweep-minutes", "30"])
    assert again.exit_code == 0, again.output
    with get_client(sync_client=True) as client:
        assert client.read_work_pool(POOL).type == "process"
        cycle = client.read_deployment_by_name("thidua-yearly-cycle/yearly-cycle")
        assert len(cycle.schedules) == 1 and cycle.work_pool_name == POOL
    engine_for(settings).dispose()


def test_a_database_that_does_not_answer_is_reported(
    settings: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THIDUA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    code, checks = doctor()
    assert code == 1
    assert not checks["database"]["ok"] and "THIDUA_DATABASE_URL" in checks["database"]["fix"]
    assert not checks["migrations"]["ok"]
    assert os.environ["THIDUA_DATABASE_URL"].endswith("/none")
