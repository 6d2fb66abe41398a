"""The worker and the Prefect server die (SIGKILL) while a campaign waits for people; both
start again and the campaign goes on from where it was, losing and repeating nothing."""

import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from prefect.deployments import run_deployment
from sqlmodel import col, func, select

from models import AuditEvent, PeerReview, SelfAssessment, StageRun
from simulation.demo import demo_rules, drive, wait_for_deployments, wait_runs_final
from simulation.participants import Script, act
from tests.e2e.conftest import Stack, running_stack
from thidua.db import session_scope
from thidua.orchestration import read_run
from thidua.services.queries import status
from thidua.settings import get_settings

pytestmark = pytest.mark.e2e


def _quiet(_: object) -> None:
    pass


def _suspended(flow_run_id: UUID) -> bool:
    run = read_run(flow_run_id)
    return bool(run and run.state and run.state.is_paused())


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack of its own: this test kills it, and must not disturb the other tests' runs."""
    with running_stack(tmp_path) as own:
        yield own


def test_a_waiting_campaign_survives_killed_worker_and_server(stack: Stack) -> None:
    year = 2037
    stack.add_year(year)
    settings = get_settings()
    cycle = run_deployment(
        settings.cycle_deployment,
        timeout=0,
        as_subflow=False,
        parameters={"year": year, "clusters": ["CTD4"], "rules": demo_rules(600)},
    )
    wait_runs_final([cycle.id])
    with session_scope() as s:
        (state,) = status(s, year=year)
    deadline = time.monotonic() + 600
    while state.status != "waiting" and time.monotonic() < deadline:
        time.sleep(0.5)
        with session_scope() as s:
            (state,) = status(s, year=year)
    cid = state.campaign_id
    assert state.flow_run_id is not None
    # The database says "waiting" a moment before the run has suspended: kill it mid-wait only.
    while not _suspended(state.flow_run_id) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _suspended(state.flow_run_id)
    script = Script(late_unit=None, returned_unit=None)
    with session_scope() as s:
        assert len(act(s, cid, script)) == 10  # every unit's self-assessment is in

    stack.restart_after_crash()
    wait_for_deployments([settings.cycle_deployment, settings.campaign_deployment])

    drive([cid], script, _quiet, _quiet)
    with session_scope() as s:
        (state,) = status(s, year=year)
        runs = s.exec(
            select(StageRun.stage, StageRun.attempt)
            .where(StageRun.campaign_id == cid)
            .order_by(col(StageRun.id))
        ).all()
        events = s.exec(
            select(AuditEvent.action, func.count())
            .where(AuditEvent.campaign_id == cid)
            .group_by(AuditEvent.action)
        ).all()
        assessments = s.exec(
            select(func.count())
            .select_from(SelfAssessment)
            .join(StageRun, col(StageRun.id) == col(SelfAssessment.stage_run_id))
            .where(StageRun.campaign_id == cid)
        ).one()
        reviews = s.exec(
            select(func.count())
            .select_from(PeerReview)
            .join(StageRun, col(StageRun.id) == col(PeerReview.stage_run_id))
            .where(StageRun.campaign_id == cid)
        ).one()
    assert state.status == "completed"
    assert [(str(st), a) for st, a in runs] == [
        ("self_assessment", 1),
        ("peer_review", 1),
        ("vote", 1),
        ("approval", 1),
        ("nomination", 1),
    ]
    counted = dict(events)
    assert (counted["stage.open"], counted["stage.close"], counted["campaign.complete"]) == (
        5,
        5,
        1,
    )
    assert (assessments, reviews) == (10, 90)
