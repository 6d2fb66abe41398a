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

from models import Actor, Campaign, Role
from thidua.db import create_schema, engine_for, session_scope
from thidua.sample import ADMIN, COUNCIL, DIRECTORATE, commander_username, officer_username
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.waits import plan_step
from thidua.web.access import SESSION_COOKIE
from thidua.web.app import create_app
from thidua.web.sessions import csrf_for

# One person of each role in the sample (PTM leads Cụm thi đua số 4 in 2019).
USER_OF_ROLE: dict[Role, str] = {
    Role.UNIT_OFFICER: officer_username("PTM"),
    Role.CLUSTER_LEADER: commander_username("PTM"),
    Role.DIRECTORATE: DIRECTORATE[0],
    Role.COUNCIL: COUNCIL[0],
    Role.ADMIN: ADMIN[0],
}


def secret_for(username: str) -> str:
    return f"bi-mat-cua-{username}"


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "campaign.db"
    engine = engine_for(f"sqlite:///{path}")
    create_schema(engine)
    from thidua.sample import load_sample

    with session_scope(engine) as s:
        load_sample(s)
        for a in s.exec(select(Actor)).all():
            set_secret(s, a, secret_for(a.username))
    with session_scope(engine) as s:
        _, started = start_cycle(
            s,
            actor=get_actor(s, "quantri"),
            year=2019,
            movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )
    with session_scope(engine) as s:
        plan_step(s, started[0].campaign_id)
    engine.dispose()
    return path


@pytest.fixture
def web_db(database_url: str, web_template: Path, tmp_path: Path) -> str:
    shutil.copy(web_template, tmp_path / "thidua.db")
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
    """Headers that authenticate an /api/ request as `role` (a token an admin issued).
    The API module replaces this when it adds its token scheme."""

    def headers(role: Role) -> dict[str, str]:
        raise NotImplementedError("tests/web/conftest.py: api_auth needs the API's tokens")

    return headers
