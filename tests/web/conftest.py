"""The web portal against a real SQLite file: the sample organisation with every person's
secret set, and the 2019 campaign of Cụm thi đua số 4 in its open self-assessment stage.

    def test_x(web, client_as, campaign_id): ...
        officer = client_as("canbo.ptm")          # a TestClient signed in as that person
        officer.get(f"/campaigns/{campaign_id}")
        officer.post("/somewhere", data={"csrf_token": csrf_of(officer), ...})
"""

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from models import Campaign, Role
from thidua.db import session_scope
from thidua.sample import ADMIN, COUNCIL, DIRECTORATE, commander_username, officer_username
from thidua.services.context import get_actor
from thidua.web.access import SESSION_COOKIE
from thidua.web.app import create_app
from thidua.web.sessions import csrf_for

# The CLI tests' databases (built once a session): the sample with every person's secret, and
# the 2019 campaign of Cụm thi đua số 4 in its open self-assessment stage.
from ..test_cli import secret_for, templates  # noqa: F401 (a fixture and its secrets)

# One person of each role in the sample (PTM leads Cụm thi đua số 4 in 2019).
USER_OF_ROLE: dict[Role, str] = {
    Role.UNIT_OFFICER: officer_username("PTM"),
    Role.CLUSTER_LEADER: commander_username("PTM"),
    Role.DIRECTORATE: DIRECTORATE[0],
    Role.COUNCIL: COUNCIL[0],
    Role.ADMIN: ADMIN[0],
}


@pytest.fixture
def web_db(
    database_url: str,
    templates: dict[str, Path],  # noqa: F811 (pytest passes the imported fixture by its name)
    tmp_path: Path,
) -> str:
    shutil.copy(templates["campaign"], tmp_path / "thidua.db")
    return database_url


@pytest.fixture
def campaign_id(web_db: str) -> int:
    with session_scope() as s:
        campaign = s.exec(select(Campaign)).one()
        assert campaign.id is not None
        return campaign.id


@pytest.fixture
def web(web_db: str) -> FastAPI:
    return create_app()


@pytest.fixture
def anonymous(web: FastAPI) -> Iterator[TestClient]:
    with TestClient(web, follow_redirects=False) as client:
        yield client


@pytest.fixture
def client_as(web: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def sign_in(username: str) -> TestClient:
        client = TestClient(web, follow_redirects=False)
        clients.append(client)
        form = client.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        answer = client.post(
            "/signin",
            data={
                "username": username,
                "secret": secret_for(username),
                "next": "/",
                "csrf_token": token.group(1),
            },
        )
        assert answer.status_code == 303, answer.text
        return client

    yield sign_in
    for client in clients:
        client.close()


def csrf_of(client: TestClient) -> str:
    """The CSRF token the signed-in client's forms carry."""
    return csrf_for(client.cookies[SESSION_COOKIE])


@pytest.fixture
def api_auth(web_db: str) -> Callable[[Role], dict[str, str]]:
    """Headers that authenticate an /api/ request as `role`: a token an admin issued for that
    role's person in the sample, scoped to act (an admin's token only reads)."""
    from models import TokenScope
    from thidua.services import api_tokens

    issued: dict[Role, str] = {}

    def headers(role: Role) -> dict[str, str]:
        if role not in issued:
            scope = TokenScope.READ if role == Role.ADMIN else TokenScope.ACT
            with session_scope() as s:
                _, issued[role] = api_tokens.issue(
                    s,
                    by=get_actor(s, ADMIN[0]),
                    system=f"Hệ thống thử ({role.value})",
                    actor=get_actor(s, USER_OF_ROLE[role]),
                    scope=scope,
                )
        return {"Authorization": f"Bearer {issued[role]}"}

    return headers
