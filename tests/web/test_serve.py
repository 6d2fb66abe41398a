"""The portal as `thidua demo --keep-running` starts it: a Uvicorn process of its own, beside
the Prefect server's children, stopped with them."""

from pathlib import Path

import httpx
import pytest

from thidua.localserver import LocalPrefect
from thidua.settings import get_settings


def test_the_demo_starts_the_portal_as_a_process_and_stops_it(web_db: str, tmp_path: Path) -> None:
    local = LocalPrefect(url="http://127.0.0.1:9/api", home=tmp_path / "prefect")
    try:
        url = local.start_web(log=tmp_path / "web.log", port=get_settings().web_port)
        page = httpx.get(f"{url}/signin", timeout=30)
        assert page.status_code == 200 and "Đăng nhập" in page.text
        assert httpx.get(f"{url}/", timeout=30).status_code == 303
        (child,) = local.children
    finally:
        local.stop()
    assert child.process.poll() is not None


def test_the_proxy_prefix_is_uvicorns_root_path(
    web_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy that serves /thidua/… and strips the prefix, Uvicorn gives the app its
    root path: the pages link, redirect and set cookies under /thidua."""
    monkeypatch.setenv("THIDUA_WEB_ROOT_PATH", "/thidua")
    local = LocalPrefect(url="http://127.0.0.1:9/api", home=tmp_path / "prefect")
    try:
        url = local.start_web(log=tmp_path / "web.log", port=get_settings().web_port)
        page = httpx.get(f"{url}/signin", timeout=30)  # as the proxy forwards /thidua/signin
        assert page.status_code == 200 and 'action="/thidua/signin"' in page.text
        assert "Path=/thidua" in page.headers["set-cookie"]
        assert httpx.get(f"{url}/", timeout=30).headers["location"] == "/thidua/signin?next=/"
    finally:
        local.stop()
