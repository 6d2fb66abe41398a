"""Sign-in, sessions, CSRF, throttling and nonces, against the real database."""

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, update
from sqlmodel import col, select

from models import AuditEvent, WebSession
from thidua.db import session_scope
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.settings import get_settings
from thidua.web import sessions
from thidua.web.access import SESSION_COOKIE

from .conftest import csrf_of, secret_for


def _form_token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text)
    assert found
    return found.group(1)


def _sign_in(client: TestClient, username: str, secret: str) -> int:
    data = {"username": username, "secret": secret, "csrf_token": _form_token(client)}
    return client.post("/signin", data=data).status_code


def _refusals() -> list[AuditEvent]:
    with session_scope() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all())


def test_signing_in_sets_a_strict_httponly_cookie_and_keeps_only_a_hash(
    anonymous: TestClient,
) -> None:
    answer = anonymous.post(
        "/signin",
        data={
            "username": "canbo.ptm",
            "secret": secret_for("canbo.ptm"),
            "next": "/",
            "csrf_token": _form_token(anonymous),
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    token = anonymous.cookies[SESSION_COOKIE]
    with session_scope() as s:
        row = s.exec(select(WebSession)).one()
        assert row.token_hash != token and token not in row.token_hash
    home = anonymous.get("/")
    assert home.status_code == 200 and "Việc của tôi" in home.text


def test_a_wrong_secret_is_refused_audited_and_never_logged(anonymous: TestClient) -> None:
    assert _sign_in(anonymous, "canbo.ptm", "doan-bua") == 401
    assert _sign_in(anonymous, "khong.co.ai", "doan-bua") == 401
    refusals = _refusals()
    # A name that is no account's is kept masked: it may be a secret typed in the wrong field.
    assert [e.after["claimed_username"] for e in refusals] == ["canbo.ptm", "kh…(11 ký tự)"]
    assert all("doan-bua" not in str(e.after) for e in refusals)
    assert SESSION_COOKIE not in anonymous.cookies


def test_sign_in_attempts_are_limited_per_username_and_per_address(
    anonymous: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THIDUA_WEB_SIGNIN_MAX_PER_USERNAME", "3")
    monkeypatch.setenv("THIDUA_WEB_SIGNIN_MAX_PER_ADDRESS", "5")
    get_settings.cache_clear()
    for _ in range(3):
        assert _sign_in(anonymous, "canbo.ptm", "sai") == 401
    # Even the right secret now waits for the window to pass.
    assert _sign_in(anonymous, "canbo.ptm", secret_for("canbo.ptm")) == 429
    # Another username from the same address: two more failures reach the address's limit.
    for _ in range(2):
        assert _sign_in(anonymous, "chihuy.ptm", "sai") == 401
    assert _sign_in(anonymous, "chihuy.ptm", secret_for("chihuy.ptm")) == 429
    assert len(_refusals()) == 7


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_audited(
    client_as,
) -> None:
    officer = client_as("canbo.ptm")
    assert officer.post("/signout").status_code == 403
    assert officer.post("/signout", data={"csrf_token": "x" * 64}).status_code == 403
    assert len(_refusals()) == 2
    assert officer.get("/").status_code == 200  # still signed in
    anonymous = TestClient(officer.app, follow_redirects=False)
    answer = anonymous.post(
        "/signin", data={"username": "canbo.ptm", "secret": secret_for("canbo.ptm")}
    )
    assert answer.status_code == 403


def test_signing_out_deletes_the_session(client_as) -> None:
    officer = client_as("canbo.ptm")
    token = officer.cookies[SESSION_COOKIE]
    assert officer.post("/signout", data={"csrf_token": csrf_of(officer)}).status_code == 303
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(WebSession)).one() == 0
    replay = TestClient(officer.app, follow_redirects=False, cookies={SESSION_COOKIE: token})
    assert replay.get("/").status_code == 303


@pytest.mark.parametrize("column", ["expires_at", "last_seen_at"])
def test_sessions_expire_absolutely_and_when_idle(client_as, column: str) -> None:
    officer = client_as("canbo.ptm")
    assert officer.get("/").status_code == 200
    with session_scope() as s:
        past = sessions.utcnow() - get_settings().web_session_lifetime - timedelta(seconds=1)
        s.execute(update(WebSession).values({column: past}))
    answer = officer.get("/")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")


def test_a_new_secret_ends_the_sessions_of_the_old_one(client_as) -> None:
    officer = client_as("canbo.ptm")
    with session_scope() as s:
        set_secret(s, get_actor(s, "canbo.ptm"), "moi")
    assert officer.get("/").status_code == 303


def test_a_form_nonce_is_spent_once_by_its_own_session(client_as, web: FastAPI) -> None:
    one, two = client_as("canbo.ptm"), client_as("canbo.phc")
    with session_scope() as s:
        signed_one = sessions.resolve(s, one.cookies[SESSION_COOKIE])
        signed_two = sessions.resolve(s, two.cookies[SESSION_COOKIE])
        assert signed_one and signed_two
        nonce = sessions.issue_nonce(s, signed_one, "ballot:1")
    with session_scope() as s:
        assert not sessions.spend_nonce(s, signed_two, "ballot:1", nonce)
        assert not sessions.spend_nonce(s, signed_one, "ballot:2", nonce)
        assert sessions.spend_nonce(s, signed_one, "ballot:1", nonce)
    with session_scope() as s:
        assert not sessions.spend_nonce(s, signed_one, "ballot:1", nonce)  # replayed
        assert not sessions.spend_nonce(s, signed_one, "ballot:1", None)
        ids = s.exec(select(WebSession.id).where(col(WebSession.id).is_not(None))).all()
        assert len(ids) == 2


def test_the_next_page_after_sign_in_stays_inside_the_app(anonymous: TestClient) -> None:
    answer = anonymous.post(
        "/signin",
        data={
            "username": "canbo.ptm",
            "secret": secret_for("canbo.ptm"),
            "next": "//evil.example/",
            "csrf_token": _form_token(anonymous),
        },
    )
    assert answer.headers["location"] == "/"


def test_a_page_asked_for_before_sign_in_is_where_sign_in_leads(anonymous: TestClient) -> None:
    answer = anonymous.get("/?lang=en")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/%3Flang%3Den"


def test_signing_in_again_ends_the_session_the_browser_had(client_as) -> None:
    officer = client_as("canbo.ptm")
    old = officer.cookies[SESSION_COOKIE]
    assert _sign_in(officer, "canbo.phc", secret_for("canbo.phc")) == 303
    with session_scope() as s:
        assert sessions.resolve(s, old) is None
        assert s.exec(select(func.count()).select_from(WebSession)).one() == 1
