"""Fixtures shared by every test folder. Keep this small and generic."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from thidua.db import engine_for
from thidua.settings import get_settings


def _needs_a_server(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in ("e2e", "slow"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The fast tests first, the tests with a real Prefect server last: a session's server (the
    # e2e stack) is then started only after every fast test has run, so no fast test meets it,
    # and a failure of the fast ones is reported minutes earlier.
    items.sort(key=_needs_a_server)


@pytest.fixture(autouse=True)
def _no_prefect_api(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Outside the e2e and scale tests no Prefect API is set: neither the server named in the
    environment nor a test session's stack is ever woken by a test that did not start it (they
    waited there for runs that never answer). A test that needs an address sets one itself."""
    if _needs_a_server(request.node):
        yield
        return
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    if "prefect" not in sys.modules:  # Prefect reads the (cleared) environment when imported
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        yield


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty SQLite file for this test, set as THIDUA_DATABASE_URL (no schema yet)."""
    url = f"sqlite:///{tmp_path / 'thidua.db'}"
    monkeypatch.setenv("THIDUA_DATABASE_URL", url)
    monkeypatch.setenv("THIDUA_HOME", str(tmp_path / ".thidua"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    engine_for(url).dispose()
