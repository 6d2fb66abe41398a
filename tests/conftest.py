"""Fixtures shared by every test folder. Keep this small and generic."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from thidua.db import engine_for
from thidua.settings import get_settings


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
