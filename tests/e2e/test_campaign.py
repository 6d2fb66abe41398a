"""End to end: campaigns run through the real Prefect engine, server and worker, suspending
while people act and resuming when a stage may move on."""

from collections import Counter
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    ArtifactFilterType,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.input.actions import read_flow_run_input
from sqlmodel import col, func, select
from typer.testing import CliRunner

from models import (
    Actor,
    AuditEvent,
    Ballot,
    Document,
    Nomination,
    OutboxMessage,
    PeerReview,
    SelfAssessment,
    StageRun,
    VoterRoll,
    Wait,
)
from rules.stages import Stage
from simulation.demo import run_cycle
from simulation.participants import Script
from tests.e2e.conftest import FAULT_YEAR, Stack, situation_shown
from thidua.cli.main import app
from thidua.db import session_scope
from thidua.errors import Forbidden
from thidua.services.auth import consume_action_code, issue_action_code, set_secret
from thidua.services.context import get_actor
from thidua.services.form_decisions import FormDecision
from thidua.services.queries import CampaignState, report

pytestmark = pytest.mark.e2e


def _quiet(_: object) -> None:
    pass


def _count(model: Any, campaign_id: int) -> int:
    with session_scope() as s:
        return s.exec(
            select(func.count())
            .select_from(model)
            .join(StageRun, col(StageRun.id) == col(model.stage_run_id))
            .where(StageRun.campaign_id == campaign_id)
        ).one()


def _audit(campaign_id: int) -> Counter[str]:
    with session_scope() as s:
        return Counter(
            e.action
            for e in s.exec(select(AuditEvent).where(AuditEvent.campaign_id == campaign_id)).all()
        )


def _outbox(campaign_id: int) -> list[tuple[str, str, OutboxMessage]]:
    """The campaign's messages: (event, recipient's username, message)."""
    with session_scope() as s:
        return [
            (m.event, a.username, m)
            for m, a in s.exec(
                select(OutboxMessage, Actor)
                .join(Actor, col(Actor.id) == col(OutboxMessage.actor_id))
                .where(OutboxMessage.campaign_id == campaign_id)
            ).all()
        ]


def _stage_runs(campaign_id: int) -> list[tuple[str, int, str | None]]:
    with session_scope() as s:
        return [
            (r.stage.value, r.attempt, r.close_reason)
            for r in s.exec(
                select(StageRun)
                .where(StageRun.campaign_id == campaign_id)
                .order_by(col(StageRun.id))
            ).all()
        ]


def test_a_whole_cycle_runs_through_the_five_stages(stack: Stack) -> None:
    (cid,), (run_id,) = run_cycle(
        script=Script(), log=_quiet, on_change=_quiet, self_assessment_seconds=20, year=2019
    )
    with session_scope() as s:
        data = report(s, cid)
    ranking = data["ranking"]
    top = ranking[0]["unit"]
    assert {
        k: data[k] for k in ("status", "stage", "missing_self_assessment", "returned_for_revision")
    } == {
        "status": "completed",
        "stage": "nomination",
        "missing_self_assessment": ["CTT8"],  # missed the deadline: closed without it
        "returned_for_revision": ["BANTD"],
    }
    ctt8 = next(r for r in ranking if r["unit"] == "CTT8")
    assert (ctt8["eligible"], ctt8["proposed_title"], ctt8["self_total"]) == (False, None, None)
    # The simulated scores follow the campaign's id (so the tests run before this one): each
    # unit is flagged exactly when its self-score is over 10 points from its peers' mean, and
    # the boastful TTR rated itself above what its peers saw.
    scored = [r for r in ranking if r["gap"] is not None]
    assert [r["gap_flagged"] for r in scored] == [abs(Decimal(r["gap"])) > 10 for r in scored]
    assert Decimal(next(r for r in ranking if r["unit"] == "TTR")["gap"]) > 0
    outcome = data["outcome"]
    assert (outcome["acclaimed"], outcome["leader"], outcome["deputy"]) == (top, "PTCCB", "PTC")
    assert "CTT8" not in outcome["titles"]
    assert (data["nominations"][0]["title"], data["nominations"][0]["unit"]) == ("Cờ luân lưu", top)
    assert {"bien-ban-lan-1.md", "bien-ban-lan-1.html", "to-trinh.md", "to-trinh.html"} <= set(
        data["documents"]
    )

    # One row per input, one stage run per stage, each closed once; one ballot per voter.
    assert _stage_runs(cid) == [
        ("self_assessment", 1, "deadline"),
        ("peer_review", 1, "confirmed"),
        ("vote", 1, "confirmed"),
        ("approval", 1, "decided"),
        ("nomination", 1, "automatic"),
    ]
    assert (_count(SelfAssessment, cid), _count(PeerReview, cid)) == (10, 90)  # BANTD twice
    assert (_count(Ballot, cid), _count(VoterRoll, cid)) == (10, 10)
    audit = _audit(cid)
    assert (audit["stage.open"], audit["stage.close"], audit["campaign.complete"]) == (5, 5, 1)
    assert (audit["ballot.cast"], audit["directorate.approve"]) == (10, 1)
    # Who was told what, once each; no SMTP here, so the e-mails wait in the outbox and say why.
    messages = _outbox(cid)
    events = Counter(e for e, _, _ in messages)
    assert (events["stage_opened"], events["decision_requested"], events["returned"]) == (30, 1, 1)
    assert (events["stage_closed"], events["campaign_finished"]) == (44, 11)
    assert events["nominations_filed"] >= 3
    assert ("reminder", "canbo.ctt8") in {(e, u) for e, u, _ in messages}
    assert {u for e, u, _ in messages if e == "overdue"} >= {"canbo.ctt8", "chihuy.ptm"}
    assert all(m.status == "pending" and m.last_error for _, _, m in messages)
    assert all(str(run_id) in m.body_text for e, _, m in messages if e == "stage_opened")

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        assert run.state is not None and run.state.is_completed()
        assert run.name == "2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc"
        assert {"năm:2019", "cụm:CTD4", "giai-đoạn:5-nomination"} <= set(run.tags)
        for key in ("tien-do", "xep-hang", "ket-qua-bo-phieu", "bien-ban", "to-trinh"):
            found = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"c{cid}-{key}"]))
            )
            assert found, f"artifact c{cid}-{key} missing"
        # A lean run: one bookkeeping task run per pass besides the five stage closers, and one
        # progress artifact, updated in place up to 100 %.
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
        names = Counter(t.name.rsplit(" · đợt #", 1)[0] for t in task_runs)
        assert len(task_runs) <= 12, names
        assert sum(n for name, n in names.items() if name.startswith("Giai đoạn")) == 5
        # Every progress artifact of the run, whatever its key: exactly the one.
        progress = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]),
                type=ArtifactFilterType(any_=["progress"]),
            )
        )
        assert [a.data for a in progress] == [100.0]
    # The directorate's answer on the form named an actor: the stored response is gone.
    with session_scope() as s:
        keys = [
            w.key
            for w in s.exec(
                select(Wait)
                .join(StageRun, col(StageRun.id) == col(Wait.stage_run_id))
                .where(StageRun.campaign_id == cid)
            ).all()
        ]
    assert keys and all(
        read_flow_run_input(f"suspended-{k}-response", run_id) is None for k in keys
    )


def test_a_stage_task_that_fails_once_retries_without_duplicates(stack: Stack) -> None:
    """Every stage task of this year fails right after its commit on the first attempt."""
    stack.add_year(FAULT_YEAR)
    (cid,), (run_id,) = run_cycle(
        script=Script(late_unit=None, returned_unit=None),
        log=_quiet,
        on_change=_quiet,
        self_assessment_seconds=600,
        year=FAULT_YEAR,
    )
    assert [(s, a) for s, a, _ in _stage_runs(cid)] == [(s.value, 1) for s in Stage]
    audit = _audit(cid)
    assert (audit["stage.open"], audit["stage.close"], audit["campaign.complete"]) == (5, 5, 1)
    with session_scope() as s:
        nominations = s.exec(select(Nomination).where(Nomination.campaign_id == cid)).all()
        documents = s.exec(select(Document.key).where(Document.campaign_id == cid)).all()
    assert len({(n.unit_id, n.title) for n in nominations}) == len(nominations) > 0
    assert len(set(documents)) == len(documents)
    assert (_count(Ballot, cid), _count(VoterRoll, cid)) == (10, 10)
    events = Counter(e for e, _, _ in _outbox(cid))  # retried stage tasks told nobody twice
    assert (events["stage_opened"], events["stage_closed"], events["campaign_finished"]) == (
        30,
        44,
        11,
    )
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    retried = {
        t.name.rsplit(" · đợt #", 1)[0]
        for t in task_runs
        if t.name.startswith("Giai đoạn")
        and t.run_count >= 2
        and t.state is not None
        and t.state.is_completed()
    }
    assert retried == {
        "Giai đoạn 1 · Tự chấm điểm",
        "Giai đoạn 2 · Chấm chéo",
        "Giai đoạn 3 · Bình xét, bỏ phiếu kín",
        "Giai đoạn 4 · Ban Giám đốc phê duyệt",
        "Giai đoạn 5 · Đề nghị khen thưởng",
    }


def test_the_directorate_returns_the_vote_and_the_cluster_votes_again(stack: Stack) -> None:
    year = 2033
    stack.add_year(year)
    runner = CliRunner()
    secret = "bi-mat-cua-ban-giam-doc"
    with session_scope() as s:
        set_secret(s, get_actor(s, "bgd.phogiamdoc"), secret)

    def directorate(state: CampaignState) -> bool:
        if state.attempt == 1:
            result = runner.invoke(
                app,
                [
                    "decide",
                    "--campaign",
                    str(state.campaign_id),
                    "--actor",
                    "bgd.phogiamdoc",
                    "return",
                    "--to",
                    "vote",
                    "--reason",
                    "Cần bỏ phiếu lại danh hiệu của cụm",
                ],
                env={"THIDUA_SECRET": secret},
            )
            assert result.exit_code == 0, result.output
            return True
        from simulation.demo import _directorate_answers

        return _directorate_answers(state)

    (cid,), _ = run_cycle(
        script=Script(late_unit=None, returned_unit=None),
        log=_quiet,
        on_change=_quiet,
        self_assessment_seconds=600,
        year=year,
        directorate=directorate,
    )
    assert _stage_runs(cid) == [
        ("self_assessment", 1, "confirmed"),
        ("peer_review", 1, "confirmed"),
        ("vote", 1, "confirmed"),
        ("approval", 1, "returned"),
        ("vote", 2, "confirmed"),
        ("approval", 2, "decided"),
        ("nomination", 1, "automatic"),
    ]
    assert (_count(Ballot, cid), _count(VoterRoll, cid)) == (20, 20)  # ten per vote
    with session_scope() as s:
        data = report(s, cid)
    assert data["status"] == "completed"
    assert {"bien-ban-lan-1.md", "bien-ban-lan-2.md"} <= set(data["documents"])
    assert _audit(cid)["directorate.return_stage"] == 1


def _wait_suspended(run_id: UUID, after: int, timeout: float = 600) -> str:
    """The pause key once the run is suspended on a wait newer than the `after`-th one."""
    import time

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(run_id)
            key = run.state.state_details.pause_key if run.state else None
            if run.state and run.state.is_paused() and key and int(key.rsplit("w", 1)[1]) > after:
                return key
            assert not (run.state and run.state.is_final()), run.state
            time.sleep(0.5)
    raise AssertionError("the campaign run did not suspend")


def test_a_refused_form_answer_waits_again_and_a_right_one_moves_on(stack: Stack) -> None:
    import time

    from prefect.deployments import run_deployment
    from prefect.flow_runs import resume_flow_run

    from flows.forms import LeaderAction
    from simulation.demo import demo_rules, wait_runs_final
    from simulation.participants import act
    from thidua.services.queries import status
    from thidua.settings import get_settings

    year = 2035
    stack.add_year(year)
    cycle = run_deployment(
        get_settings().cycle_deployment,
        timeout=0,
        as_subflow=False,
        parameters={"year": year, "clusters": ["CTD4"], "rules": demo_rules(600)},
    )
    wait_runs_final([cycle.id])
    with session_scope() as s:
        (state,) = status(s, year=year)
    cid = state.campaign_id
    while state.flow_run_id is None or state.status != "waiting":
        time.sleep(0.5)
        with session_scope() as s:
            (state,) = status(s, year=year)
    run_id = state.flow_run_id
    first = _wait_suspended(run_id, after=0)
    with session_scope() as s:
        assert len(act(s, cid, Script(late_unit=None, returned_unit=None))) == 10

    with session_scope() as s:
        code, _ = issue_action_code(
            s,
            actor=get_actor(s, "chihuy.ptm"),
            campaign_id=cid,
            decision=FormDecision(action="confirm"),
        )
    confirm = LeaderAction.CONFIRM.value

    # A wrong code is refused and recorded; the run does not fail, it waits again and says why.
    resume_flow_run(
        run_id, run_input={"actor": "chihuy.ptm", "code": "0000-0000-0000", "action": confirm}
    )
    second = _wait_suspended(run_id, after=int(first.rsplit("w", 1)[1]))
    description = situation_shown(run_id, second)
    assert "Bị từ chối: Mã xác nhận một lần không đúng" in description
    assert read_flow_run_input(f"suspended-{first}-response", run_id) is None
    assert _audit(cid)["form.refused"] == 1
    assert _stage_runs(cid) == [("self_assessment", 1, None)]

    # The leading unit's commander confirms on the form: the stage closes, the next opens.
    resume_flow_run(run_id, run_input={"actor": "chihuy.ptm", "code": code, "action": confirm})
    deadline = time.monotonic() + 600
    while _stage_runs(cid)[-1][0] != "peer_review" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _stage_runs(cid) == [("self_assessment", 1, "confirmed"), ("peer_review", 1, None)]
    assert read_flow_run_input(f"suspended-{second}-response", run_id) is None
    audit = _audit(cid)
    assert (audit["stage.confirm"], audit["form.refused"]) == (1, 1)
    with session_scope() as s, pytest.raises(Forbidden):  # a used code is spent
        consume_action_code(
            s,
            actor=get_actor(s, "chihuy.ptm"),
            code=code,
            stage_run_id=s.exec(select(StageRun.id).where(StageRun.campaign_id == cid)).first()
            or 0,
            decision=FormDecision(action="confirm"),
        )


def test_a_forged_directorate_answer_is_refused_and_the_honest_one_applied(stack: Stack) -> None:
    """Issue 15: between the directorate's Resume and the flow reading the answer, someone with
    access to the Prefect API reads it, deletes it and writes an amend with the same code. The
    flow refuses it (the code was issued for an approval); the real approval then goes through."""
    from prefect import get_client
    from prefect.flow_runs import resume_flow_run
    from prefect.input.actions import create_flow_run_input, delete_flow_run_input
    from prefect.states import Scheduled

    from flows.forms import DirectorateAction
    from simulation.demo import APPROVAL_REASON
    from thidua import orchestration
    from thidua.sample import DIRECTORATE

    year = 2036
    stack.add_year(year)
    approve = FormDecision(action="approve", reason=APPROVAL_REASON)
    seen: dict[str, Any] = {}

    def directorate(state: CampaignState) -> bool:
        assert state.flow_run_id is not None
        run_id = state.flow_run_id
        run = orchestration.read_run(run_id)
        if run is None or run.state is None or not run.state.is_paused():
            return False
        key = run.state.state_details.pause_key
        if "forged" not in seen:
            with session_scope() as s:
                code, _ = issue_action_code(
                    s,
                    actor=get_actor(s, DIRECTORATE[0]),
                    campaign_id=state.campaign_id,
                    decision=approve,
                )
            honest = {
                "actor": DIRECTORATE[0],
                "code": code,
                "action": DirectorateAction.APPROVE.value,
                "reason": APPROVAL_REASON,
            }
            response = f"suspended-{key}-response"
            # The directorate's answer is stored, as Resume in the UI stores it...
            create_flow_run_input(key=response, value=honest, flow_run_id=run_id)
            # ...and replaced through the API before the flow reads it: same actor and code.
            stolen = read_flow_run_input(response, run_id)
            delete_flow_run_input(response, run_id)
            forged = {
                **stolen,
                "action": DirectorateAction.AMEND.value,
                "amendments": "PHC = Đơn vị Quyết thắng",
            }
            create_flow_run_input(key=response, value=forged, flow_run_id=run_id)
            # Woken as Resume wakes it (the schema's required fields make an absent answer
            # invalid for Resume itself, but the state can be set through the API all the same).
            with get_client(sync_client=True) as client:
                client.set_flow_run_state(run_id, Scheduled(name="Resuming"))
            seen.update(forged=key, honest=honest)
            return False
        if key == seen["forged"]:
            return False  # the forged answer is not read yet
        seen["shown"] = situation_shown(run_id, key)
        resume_flow_run(run_id, run_input=seen["honest"])  # the same code, its own decision
        return True

    (cid,), _ = run_cycle(
        script=Script(late_unit=None, returned_unit=None),
        log=_quiet,
        on_change=_quiet,
        self_assessment_seconds=600,
        year=year,
        directorate=directorate,
    )
    assert "Bị từ chối: Mã xác nhận được cấp cho một quyết định khác" in seen["shown"]
    audit = _audit(cid)
    assert (audit["form.refused"], audit["directorate.amend"], audit["directorate.approve"]) == (
        1,
        0,
        1,
    )
    with session_scope() as s:
        refusal = s.exec(
            select(AuditEvent).where(
                AuditEvent.campaign_id == cid, AuditEvent.action == "form.refused"
            )
        ).one()
        assert refusal.after is not None and "quyết định khác" in refusal.after["reason"]
        data = report(s, cid)
    assert data["status"] == "completed"
    assert _stage_runs(cid)[3] == ("approval", 1, "decided")
