"""Behind a reverse proxy: the root path in links and cookies, client addresses from trusted
proxies only; and web settings that fail fast."""

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import select

from models import SignInAttempt
from thidua.db import session_scope
from thidua.settings import Settings, get_settings
from thidua.web.access import SESSION_COOKIE
from thidua.web.app import create_app


def _failed_sign_in(client: TestClient, prefix: str = "", **headers: str) -> None:
    form = client.get(f"{prefix}/signin", headers=headers).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    answer = client.post(
        f"{prefix}/signin",
        data={"username": "canbo.ptm", "secret": "sai", "csrf_token": token.group(1)},
        headers=headers,
    )
    assert answer.status_code == 401


def _addresses() -> list[str]:
    with session_scope() as s:
        return list(s.exec(select(SignInAttempt.address)).all())


def test_forwarded_addresses_count_only_from_a_trusted_proxy(
    web_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(create_app(), follow_redirects=False) as client:
        _failed_sign_in(client, **{"X-Forwarded-For": "203.0.113.7"})
    assert _addresses() == ["testclient"]  # not a trusted proxy: its header is ignored
    monkeypatch.setenv("THIDUA_WEB_TRUSTED_PROXIES", "*")
    get_settings.cache_clear()
    with TestClient(create_app(), follow_redirects=False) as client:
        _failed_sign_in(client, **{"X-Forwarded-For": "203.0.113.7"})
    assert sorted(_addresses()) == ["203.0.113.7", "testclient"]


def test_under_a_root_path_links_redirects_and_cookies_carry_it(
    web_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THIDUA_WEB_ROOT_PATH", "/thidua")
    get_settings.cache_clear()
    # The browser asks for /thidua/…: the cookie's path must match what it asks for. The proxy
    # strips the prefix and Uvicorn (serve.py) puts it back as root_path, as this client does.
    base = "http://testserver/thidua"
    app = create_app()
    with TestClient(app, follow_redirects=False, base_url=base, root_path="/thidua") as client:
        answer = client.get("/")
        assert answer.headers["location"] == "/thidua/signin?next=/"
        form = client.get("/signin").text
        assert 'action="/thidua/signin"' in form and 'href="/thidua/static/site.css"' in form
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        signed = client.post(
            "/signin",
            data={"username": "canbo.ptm", "secret": "bi-mat-cua-canbo.ptm",
                  "csrf_token": token.group(1), "next": "/"},
        )  # fmt: skip
        assert signed.headers["location"] == "/thidua/"
        cookie = next(v for k, v in signed.headers.multi_items() if k == "set-cookie"
                      and v.startswith(SESSION_COOKIE))  # fmt: skip
        assert "Path=/thidua" in cookie
        assert client.get("/static/site.css").status_code == 200


def test_secure_cookies_when_configured(web_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIDUA_WEB_SECURE_COOKIES", "true")
    get_settings.cache_clear()
    with TestClient(create_app(), follow_redirects=False) as client:
        answer = client.get("/signin")
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"web_idle_timeout": "PT13H"}, "web_idle_timeout"),
        ({"web_session_lifetime": "-PT1H"}, "web_session_lifetime"),
        ({"web_root_path": "thidua/"}, "web_root_path"),
        ({"web_trusted_proxies": "10.0.0.1, proxy.example"}, "web_trusted_proxies"),
        ({"web_port": "4200"}, "web_port"),
        ({"web_signin_max_per_username": "0"}, "web_signin_max_per_username"),
    ],
)
def test_bad_web_settings_fail_fast_naming_the_field(values: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**values)  # type: ignore[arg-type]
