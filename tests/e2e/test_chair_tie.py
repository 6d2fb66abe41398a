"""End to end: a quota tie left after the count holds the vote until the chair of the meeting
(the cluster leader) decides it on the campaign run's form with a sealed one-time code; an
answer rewritten with another unit is refused; the campaign then goes on to its end."""

import time
from uuid import UUID

import pytest
from prefect.flow_runs import resume_flow_run
from sqlmodel import select
from typer.testing import CliRunner

from flows.forms import LeaderAction
from models import CampaignStatus, Decision, DecisionKind, StageRun
from rules.defaults import TITLE_QUYET_THANG as QT
from rules.stages import Stage
from simulation.demo import demo_rules, drive, wait_runs_final
from simulation.participants import Script, act
from tests.e2e.conftest import Stack, situation_shown
from tests.e2e.test_campaign import _audit, _stage_runs
from tests.test_vote_rules_cli import _everyone_votes_yes, _tie_for_one_place
from thidua import orchestration
from thidua.cli.main import app
from thidua.db import session_scope
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.services.queries import CampaignState, status
from thidua.services.results import vote_of
from thidua.settings import get_settings

pytestmark = pytest.mark.e2e

YEAR = 2047
LEADER = "chihuy.ptm"
SECRET = "bi-mat-cua-chu-toa"
REASON = "Đơn vị có thành tích đột xuất trong đợt cao điểm"
WIDE = 600  # seconds: a deadline on something that must happen, never a sleep


def _state() -> CampaignState:
    with session_scope() as s:
        (state,) = status(s, year=YEAR)
    return state


def _quiet(_: object) -> None:
    pass


def _until_vote_waits(cid: int, script: Script) -> UUID:
    """Let the participants act (the leader confirming on the command line's services) until
    the vote is open and its run suspended waiting for ballots."""
    deadline = time.monotonic() + WIDE
    while time.monotonic() < deadline:
        state = _state()
        if state.status == CampaignStatus.WAITING and state.flow_run_id is not None:
            if state.stage == Stage.VOTE:
                return state.flow_run_id
            with session_scope() as s:
                act(s, cid, script)
        orchestration.sweep_once()
        time.sleep(0.5)
    raise AssertionError(f"the vote did not open: {_state()}")


def _vote_wait(run_id: UUID, after: int) -> int:
    """The number of the vote's wait the run is suspended on, once newer than `after`."""
    deadline = time.monotonic() + WIDE
    while time.monotonic() < deadline:
        run = orchestration.read_run(run_id)
        assert run is not None and run.state is not None and not run.state.is_final(), run
        key = run.state.state_details.pause_key or ""
        if run.state.is_paused() and "-s3-" in key and int(key.rsplit("w", 1)[1]) > after:
            return int(key.rsplit("w", 1)[1])
        time.sleep(0.5)
    raise AssertionError("the campaign run did not suspend on the vote")


def _form(run_id: UUID, cid: int, number: int) -> str:
    return situation_shown(run_id, f"c{cid}-s3-a1-w{number}")


def _chair_decisions(cid: int) -> list[Decision]:
    with session_scope() as s:
        return list(
            s.exec(
                select(Decision)
                .join(StageRun, StageRun.id == Decision.stage_run_id)  # type: ignore[arg-type]
                .where(StageRun.campaign_id == cid, Decision.kind == DecisionKind.CHAIR_TIE)
            ).all()
        )


def test_the_chair_decides_a_tie_on_the_form_and_the_campaign_goes_on(stack: Stack) -> None:
    from prefect.deployments import run_deployment

    stack.add_year(YEAR)
    with session_scope() as s:
        set_secret(s, get_actor(s, LEADER), SECRET)
    cycle = run_deployment(
        get_settings().cycle_deployment,
        timeout=0,
        as_subflow=False,
        parameters={"year": YEAR, "clusters": ["CTD4"], "rules": demo_rules(WIDE)},
    )
    wait_runs_final([cycle.id])
    cid = _state().campaign_id
    script = Script(late_unit=None, returned_unit=None)
    run_id = _until_vote_waits(cid, script)
    # The run is suspended: no process holds the campaign while the ranking is made a tie for
    # QT's one place and every unit votes yes to every proposed title but its own.
    a, b = _tie_for_one_place(cid)
    _everyone_votes_yes(cid)
    first = _vote_wait(run_id, after=0)
    assert orchestration.nudge(run_id, wait_seconds=WIDE)  # as `thidua sweep` would wake it

    # The form now asks the chair for the tie: the title, its place, the tied units.
    tied = _vote_wait(run_id, after=first)
    form = _form(run_id, cid, tied)
    assert f"Danh hiệu “{QT}”: **1** suất cho 2 đơn vị." in form
    assert f"| {a} |" in form and f"| {b} |" in form
    assert LeaderAction.CHAIR_TIE.value in form

    words = ["code", "--campaign", str(cid), "--actor", LEADER, "chair", "--title", QT]
    words += ["--choose", b, "--reason", REASON]
    issued = CliRunner().invoke(app, words, env={"THIDUA_SECRET": SECRET})
    assert issued.exit_code == 0, issued.output
    code = " ".join(issued.stdout.split()).split("Mã xác nhận một lần: ")[1].split()[0]
    honest = {
        "actor": LEADER,
        "code": code,
        "action": LeaderAction.CHAIR_TIE.value,
        "title": QT,
        "units": b,
        "comment": REASON,
    }
    # An answer with the same code and the other unit is refused; the run waits again.
    resume_flow_run(run_id, run_input={**honest, "units": a})
    again = _vote_wait(run_id, after=tied)
    refusal = _form(run_id, cid, again)
    assert "Bị từ chối: Mã xác nhận được cấp cho một quyết định khác" in refusal
    assert f"Danh hiệu “{QT}”: **1** suất cho 2 đơn vị." in refusal  # still to decide
    assert _chair_decisions(cid) == []

    # The chair's own answer is applied; the form no longer asks for the tie.
    resume_flow_run(run_id, run_input=honest)
    after = _form(run_id, cid, _vote_wait(run_id, after=again))
    assert f"{LeaderAction.CHAIR_TIE.value}" in after and "Danh hiệu “" not in after
    [decision] = _chair_decisions(cid)
    assert (decision.payload["units"], decision.payload["by"], decision.via) == (
        [b],
        "chair",
        "prefect-ui",
    )
    assert decision.reason == REASON

    # The campaign goes on: the leader confirms the vote, the directorate approves on its form.
    drive([cid], script, _quiet, _quiet, timeout=1500)
    assert [(stage, reason) for stage, _, reason in _stage_runs(cid)] == [
        ("self_assessment", "confirmed"),
        ("peer_review", "confirmed"),
        ("vote", "confirmed"),
        ("approval", "decided"),
        ("nomination", "automatic"),
    ]
    with session_scope() as s:
        vote = vote_of(s, cid)
    assert vote is not None and vote.chair_pending == ()
    placed = {t.unit: (t.approved, t.decided_by) for t in vote.titles if t.title == QT}
    assert (placed[a], placed[b]) == ((False, "chair"), (True, "chair"))
    audit = _audit(cid)
    assert (audit["vote.chair_tie"], audit["form.refused"]) == (1, 1)
    wait_runs_final([run_id])
