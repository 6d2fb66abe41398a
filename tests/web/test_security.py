"""An attacker's view of the portal: what a hostile officer, a curious unit or an outsider on the
network tries beyond the routes' own tests (read scope of every page, headers, redirects)."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from models import Actor, AuditEvent, Role, SignInAttempt, TokenScope
from rules.stages import Stage
from simulation.participants import ballot_for
from simulation.synthetic import drive_in_process
from tests.postgres import temporary_database
from thidua.db import create_schema, engine_for, session_scope
from thidua.sample import load_sample, officer_username
from thidua.services import api_tokens, submissions
from thidua.services.auth import set_secret
from thidua.services.context import get_actor, load_campaign
from thidua.services.cycles import start_cycle
from thidua.services.waits import plan_step
from thidua.settings import get_settings
from thidua.web.app import create_app

from .conftest import csrf_of, secret_for
from .test_ballot_pages import SCRIPT
from .test_pages import _outsider
from .test_signin import _sign_in


def test_receipt_checks_of_a_campaign_are_for_its_readers_only(client_as, campaign_id: int) -> None:
    """An officer of a unit outside the cluster is refused the campaign's receipt check (GET or
    POST) as every other page of the campaign refuses them."""
    stranger: TestClient = client_as(_outsider())
    path = f"/campaigns/{campaign_id}/ballot/verify"
    shown = stranger.get(path)
    assert shown.status_code == 403 and "không được xem" in shown.text
    assert "Kiểm tra biên nhận" not in shown.text
    checked = stranger.post(path, data={"csrf_token": csrf_of(stranger), "receipt": "A" * 20})
    assert checked.status_code == 403 and "Kiểm tra biên nhận" not in checked.text
    # A member of the cluster still checks receipts.
    assert client_as("canbo.ptm").get(path).status_code == 200


def test_no_page_links_to_another_site_through_its_own_path(anonymous: TestClient) -> None:
    """/%2F%2Fevil.example is a 404 whose language switch linked to ///evil.example?lang=en,
    which a browser opens as https://evil.example/: a phishing link dressed as the portal."""
    for path in ("/%2F%2Fevil.example", "/%5C%5Cevil.example", "/%2F%5Cevil.example"):
        page = anonymous.get(path)
        assert page.status_code == 404
        links = re.findall(r'href="([^"]*)"', page.text)
        assert links and all(not re.match(r"[/\\]{2}", link) for link in links), links


def test_an_error_page_under_the_static_files_links_the_real_stylesheet(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/static/no-such-file.css")
    assert page.status_code == 404
    assert 'href="/static/site.css"' in page.text and "/static/static/" not in page.text
    assert not any("Path=/static" in v for k, v in page.headers.multi_items() if k == "set-cookie")


@pytest.fixture
def on_postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The sample with everyone's secret and the 2019 campaign of CTD4, on PostgreSQL (which
    refuses NUL in text, where SQLite takes it); yields the campaign's id."""
    with temporary_database() as url:
        monkeypatch.setenv("THIDUA_DATABASE_URL", url)
        get_settings.cache_clear()
        create_schema(engine_for(url))
        with session_scope() as s:
            load_sample(s)
            for a in s.exec(select(Actor)).all():
                set_secret(s, a, secret_for(a.username))
        with session_scope() as s:
            admin = get_actor(s, "quantri")
            _, started = start_cycle(
                s, actor=admin, year=2019, movement_code="VANTQ", cluster_codes=["CTD4"]
            )
        with session_scope() as s:
            plan_step(s, started[0].campaign_id)
        yield started[0].campaign_id
        get_settings.cache_clear()


def test_a_nul_in_a_name_or_a_key_is_refused_not_a_server_error(on_postgres: int) -> None:
    """PostgreSQL fails a query holding NUL: a sign-in with one was a 500, neither counted
    toward the limit nor audited; a document key with one, a 500 too (page and API)."""
    app = create_app()
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as browser:
        assert _sign_in(browser, "canbo.ptm\x00", secret_for("canbo.ptm")) == 401
        with session_scope() as s:
            assert s.exec(select(SignInAttempt.username)).all() == ["canbo.ptm\\x00"]
            refused = s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused"))
            assert [e.after["claimed_username"] for e in refused] == ["ca…(13 ký tự)"]
        assert _sign_in(browser, "canbo.ptm", secret_for("canbo.ptm")) == 303
        path = f"/campaigns/{on_postgres}/documents"
        assert browser.get(f"{path}/bien-ban%00.md").status_code == 404
        assert browser.get(f"{path}/bien-ban%00.docx").status_code == 404
    with session_scope() as s:
        _, token = api_tokens.issue(
            s, by=get_actor(s, "quantri"), system="Cổng tỉnh", scope=TokenScope.READ,
            actor=get_actor(s, "canbo.ptm"),
        )  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as system:
        answer = system.get(
            f"/api/v1{path}/bien-ban%00.md", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 404 and answer.json()["detail"]


def test_no_cache_keeps_a_signed_in_page_or_an_api_answer(
    client_as, campaign_id: int, api_auth
) -> None:
    """After sign-out on a shared computer, Back must not show the audit log from a cache."""
    director: TestClient = client_as("bgd.phogiamdoc")
    for path in ("/", f"/campaigns/{campaign_id}", f"/campaigns/{campaign_id}/audit"):
        assert director.get(path).headers["cache-control"] == "no-store", path
    api = director.get("/api/v1/pending", headers=api_auth(Role.DIRECTORATE))
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"
    assert "no-store" not in director.get("/static/site.css").headers.get("cache-control", "")


def test_one_address_cannot_lock_a_colleague_out(
    web_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Usernames are guessable (canbo.ptm): a hostile officer's five wrong tries at the deadline
    locked the unit's officer out everywhere. Now they lock that address only; the username is
    locked everywhere only after many addresses failed."""
    monkeypatch.setenv("THIDUA_WEB_SIGNIN_MAX_PER_USERNAME", "3")
    monkeypatch.setenv("THIDUA_WEB_SIGNIN_MAX_PER_USERNAME_ANYWHERE", "7")
    monkeypatch.setenv("THIDUA_WEB_TRUSTED_PROXIES", "*")  # addresses as the proxy tells them
    get_settings.cache_clear()
    app = create_app()

    def sign_in(address: str, secret: str) -> int:
        with TestClient(app, follow_redirects=False, headers={"X-Forwarded-For": address}) as c:
            return _sign_in(c, "canbo.ptm", secret)

    for _ in range(3):
        assert sign_in("10.0.0.66", "doan-bua") == 401
    assert sign_in("10.0.0.66", secret_for("canbo.ptm")) == 429  # that address waits
    assert sign_in("10.0.0.7", secret_for("canbo.ptm")) == 303  # the officer's own does not
    for address in ("10.0.0.67", "10.0.0.67", "10.0.0.68", "10.0.0.68"):
        assert sign_in(address, "doan-bua") == 401
    assert sign_in("10.0.0.7", secret_for("canbo.ptm")) == 429  # seven from many: everywhere


def test_with_no_trusted_proxy_no_forwarded_address_is_believed(
    web_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """THIDUA_WEB_TRUSTED_PROXIES empty: a client on the server itself (127.0.0.1) named any
    address it liked in X-Forwarded-For, one per try, and escaped the per-address limit."""
    monkeypatch.setenv("THIDUA_WEB_TRUSTED_PROXIES", "")
    get_settings.cache_clear()
    local = TestClient(create_app(), follow_redirects=False, client=("127.0.0.1", 50000))
    with local:
        for i in range(2):
            local.headers["X-Forwarded-For"] = f"203.0.113.{i}"
            assert _sign_in(local, "canbo.ptm", "doan-bua") == 401
    with session_scope() as s:
        assert s.exec(select(SignInAttempt.address)).all() == ["127.0.0.1", "127.0.0.1"]


def test_a_secret_typed_in_the_name_field_stays_out_of_the_audit_log(
    anonymous: TestClient, client_as
) -> None:
    """The audit log is append-only and readable over the API: a secret pasted into the name
    field (a wrong sign-in) must not be written there, in the name or in the reason."""
    secret = secret_for("canbo.ptm")
    assert _sign_in(anonymous, secret, secret) == 401
    assert _sign_in(anonymous, secret, "") in (401, 422)
    with session_scope() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
        assert events and all(secret not in str(e.after) for e in events)
        assert all(secret[2:] not in str(e.after) for e in events)


def test_made_up_api_tokens_cannot_fill_the_audit_log(
    web_db: str, api_auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request with a made-up token wrote an audit event (append-only, one SQLite writer at
    a time): an outsider could write as fast as it could send. Past the per-address limit the
    answer is the same 401, and nothing is written; a real token still works."""
    monkeypatch.setenv("THIDUA_WEB_SIGNIN_MAX_PER_ADDRESS", "3")
    get_settings.cache_clear()

    def refusals() -> int:
        with session_scope() as s:
            return len(
                s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
            )

    with TestClient(create_app()) as outsider:
        for i in range(8):
            made_up = {"Authorization": f"Bearer thidua_doan-bua-{i}"}
            assert outsider.get("/api/v1/pending", headers=made_up).status_code == 401
        assert refusals() == 3
        assert (
            outsider.get("/api/v1/pending", headers=api_auth(Role.UNIT_OFFICER)).status_code == 200
        )
        # A sign-in from the same address is not held back by the API's count.
        assert _sign_in(outsider, "canbo.ptm", secret_for("canbo.ptm")) in (200, 303)


def test_no_ballot_shares_a_transaction_id_with_the_voter_roll(on_postgres: int) -> None:
    """On PostgreSQL each row keeps the id of the transaction that wrote it (xmin), and a ballot
    was written with its unit's line on the roll: `SELECT xmin` on both tables joined every
    ballot to its voter. Once the vote is counted, no ballot shares an xmin with the roll."""
    drive_in_process(on_postgres, SCRIPT, until=Stage.VOTE)
    for unit in ("PTM", "PHC", "PTC"):  # each in its own transaction, as people cast them
        with session_scope() as s:
            view = load_campaign(s, on_postgres)
            submissions.cast_ballot(
                s, actor=get_actor(s, officer_username(unit)), campaign_id=on_postgres,
                ballot=ballot_for(s, view, unit, SCRIPT),
            )  # fmt: skip
    with session_scope() as s:
        roll = set(s.execute(text("SELECT xmin::text FROM voterroll")).scalars())
        assert roll <= set(s.execute(text("SELECT xmin::text FROM ballot")).scalars())
    drive_in_process(on_postgres, SCRIPT, until=Stage.APPROVAL)
    with session_scope() as s:
        roll = set(s.execute(text("SELECT xmin::text FROM voterroll")).scalars())
        ballots = list(s.execute(text("SELECT xmin::text FROM ballot")).scalars())
    assert len(roll) >= 3 and len(ballots) == 10
    assert not roll & set(ballots)
