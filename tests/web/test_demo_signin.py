"""The demo's throwaway secrets: set only on the demo's own database, they let each sample
person the demo names sign in to the portal and see their own "Việc của tôi"; a database taken
over by `thidua init` forgets them, and its first admin secret is then issued the ordinary way."""

import re
from pathlib import Path

from fastapi.testclient import TestClient

from models import Role
from thidua.db import session_scope
from thidua.demo_secrets import DEMO_PEOPLE, demo_owned, forget_demo_secrets, issue_demo_secrets
from thidua.errors import Forbidden
from thidua.services.auth import authenticate, issue_secret
from thidua.services.context import get_actor
from thidua.settings import DEMO_MARK, get_settings


def _sign_in(client: TestClient, username: str, secret: str) -> int:
    form = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    data = {"username": username, "secret": secret, "csrf_token": token.group(1)}
    return client.post("/signin", data=data).status_code


def test_only_the_demos_own_database_is_the_demos(tmp_path: Path) -> None:
    own, spare = tmp_path / "thidua.db", tmp_path / "demo.db"
    assert demo_owned(tmp_path, f"sqlite:///{spare}")
    assert not demo_owned(tmp_path, f"sqlite:///{own}")  # no mark: real work, or nobody's
    (tmp_path / DEMO_MARK).write_text("demo")
    assert demo_owned(tmp_path, f"sqlite:///{own}")
    # A mark never makes another database the demo's.
    assert not demo_owned(tmp_path, f"sqlite:///{tmp_path / 'khac.db'}")
    assert not demo_owned(tmp_path, "postgresql+psycopg://127.0.0.1/test")


def test_each_demo_person_signs_in_with_the_printed_secret(anonymous: TestClient, web) -> None:
    with session_scope() as s:
        issued = issue_demo_secrets(s)
    with session_scope() as s:
        roles = {get_actor(s, d.username).role for d in issued}
    assert {Role.UNIT_OFFICER, Role.CLUSTER_LEADER, Role.DIRECTORATE, Role.ADMIN} <= roles
    assert [d.username for d in issued] == [u for u, _ in DEMO_PEOPLE]
    for d in issued:
        with TestClient(web, follow_redirects=False) as client:
            assert _sign_in(client, d.username, "demo-sai-ma") == 401
            assert _sign_in(client, d.username, d.secret) == 303
            home = client.get("/")
            assert home.status_code == 200 and d.full_name in home.text


def test_taking_the_database_over_forgets_the_demo_secrets(web) -> None:
    with session_scope() as s:
        issued = issue_demo_secrets(s)
    with session_scope() as s:
        assert forget_demo_secrets(s) > 0
    with session_scope() as s:
        for d in issued:
            try:
                authenticate(s, d.username, d.secret)
            except Forbidden:
                continue
            raise AssertionError(f"{d.username}: the demo's secret still works")
        # Nobody holds a secret and none was ever issued: the first admin secret bootstraps.
        assert issue_secret(s, by=None, actor=get_actor(s, "quantri"))


def test_the_sign_in_page_of_the_demo_says_where_its_secrets_are(
    anonymous: TestClient, tmp_path: Path, monkeypatch
) -> None:
    assert "thidua demo --keep-running" not in anonymous.get("/signin").text
    # The database of these tests is tmp_path/thidua.db: with the demo's mark beside it, and
    # that folder as the home, it is the demo's own.
    monkeypatch.setenv("THIDUA_HOME", str(tmp_path))
    get_settings.cache_clear()
    (tmp_path / DEMO_MARK).write_text("demo")
    page = anonymous.get("/signin").text
    assert "được in trong cửa sổ lệnh đang chạy “thidua demo --keep-running”" in page
    english = anonymous.get("/signin?lang=en").text
    assert "printed in the terminal running “thidua demo --keep-running”" in english
