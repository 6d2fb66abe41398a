"""One real Prefect server, one worker serving thidua's deployments, and one application
database (SQLite) for every end-to-end test of the session. Tests keep apart by cycle year."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from uuid import UUID

import pytest
from prefect.input.actions import read_flow_run_input
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings
from sqlmodel import select

from models import Membership
from simulation.demo import wait_for_deployments
from thidua.db import create_schema, engine_for, session_scope
from thidua.localserver import Child, LocalPrefect, start_server
from thidua.sample import load_sample
from thidua.settings import get_settings

# Years whose stage tasks fail once right after their commit (see thidua/faults.py).
FAULT_YEAR = 2031
FAULTS = ",".join(
    f"{p}@{FAULT_YEAR}"
    for p in (
        "close_self_assessment",
        "close_peer_review",
        "close_vote",
        "close_approval",
        "close_nomination",
    )
)


def start_worker(server: LocalPrefect, home: Path) -> Child:
    return server.start_worker(
        log=home / "worker.log", poll_seconds=1, sweep_seconds=3600, THIDUA_INJECT_FAULT=FAULTS
    )


@dataclass
class Stack:
    server: LocalPrefect
    worker: Child
    home: Path
    database_url: str

    def start_worker(self) -> None:
        self.worker = start_worker(self.server, self.home)

    def restart_after_crash(self) -> None:
        """SIGKILL the worker (and the flow runs it started) and the server, then start both
        again on the same port and Prefect database, as an operator would after a crash."""
        port = urlsplit(self.server.url).port
        assert port is not None
        for child in self.server.children:
            child.kill()
        self.server.children.clear()
        again = start_server(self.server.home, port=port)
        assert again.url == self.server.url
        self.server.children.extend(again.children)
        self.start_worker()

    def add_year(self, year: int) -> None:
        """The sample cluster's 2019 membership (leader and deputy included), again in `year`."""
        with session_scope() as session:
            for m in session.exec(select(Membership).where(Membership.year == 2019)).all():
                exists = session.exec(
                    select(Membership).where(
                        Membership.cluster_id == m.cluster_id,
                        Membership.unit_id == m.unit_id,
                        Membership.year == year,
                    )
                ).first()
                if exists is None:
                    session.add(
                        Membership(
                            cluster_id=m.cluster_id, unit_id=m.unit_id, year=year, role=m.role
                        )
                    )


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e")) as shared:
        yield shared


@contextmanager
def running_stack(home: Path) -> Iterator[Stack]:
    """A Prefect server, a worker and an application database of their own, under `home`."""
    url = f"sqlite:///{home / 'thidua.db'}"
    env = pytest.MonkeyPatch()
    env.setenv("THIDUA_DATABASE_URL", url)
    env.setenv("THIDUA_HOME", str(home))
    get_settings.cache_clear()
    create_schema()
    with session_scope() as session:
        load_sample(session)
    server = start_server(home / "prefect", port=0)
    env.setenv("PREFECT_API_URL", server.url)
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.url, PREFECT_UI_URL: server.ui}):
            worker = start_worker(server, home)
            settings = get_settings()
            wait_for_deployments([settings.cycle_deployment, settings.campaign_deployment])
            yield Stack(server=server, worker=worker, home=home, database_url=url)
    finally:
        server.stop()
        env.undo()
        get_settings.cache_clear()
        engine_for(url).dispose()


# Every wait in these tests is a deadline on something that must happen, polled, never a fixed
# sleep: on a quiet machine they return in seconds. The deadlines are wide (minutes) because a
# flow run's process start costs seconds of CPU, and a busy 2-core machine (CI, other builds)
# stretches that many times over; the per-test timeout leaves room for them.
E2E_TIMEOUT_SECONDS = 1800


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("e2e") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_SECONDS))


def situation_shown(run_id: UUID, pause_key: str) -> str:
    """What the form of a wait shows above the decision (flows.forms.with_situation), as stored
    in Prefect; line breaks as they were written."""
    schema = read_flow_run_input(f"suspended-{pause_key}-schema", run_id)
    return str(schema["properties"]["action"]["description"]).replace("\n\n", "\n")
