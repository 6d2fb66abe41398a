"""Secrets for the CLI and one-time codes for Prefect forms (no Prefect server needed)."""

from datetime import timedelta

import pytest
from sqlmodel import select

from flows.forms import LeaderAction
from models import ActionCode, AuditEvent, StageRun, Wait
from rules.stages import Stage
from simulation.participants import Script, act
from thidua.db import create_schema, session_scope
from thidua.errors import Forbidden, WrongStage
from thidua.sample import load_sample
from thidua.services import auth
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.form_decisions import FormDecision
from thidua.services.waits import answer, plan_step

CONFIRM = FormDecision(action="confirm")


@pytest.fixture
def campaign(database_url: str) -> int:
    """The sample's 2019 campaign with every self-assessment in, waiting for the leader."""
    create_schema()
    with session_scope() as s:
        load_sample(s)
        _, started = start_cycle(
            s,
            actor=get_actor(s, "quantri"),
            year=2019,
            movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )
    cid = started[0].campaign_id
    with session_scope() as s:
        plan_step(s, cid)
        act(s, cid, Script(late_unit=None, returned_unit=None))
    return cid


def test_a_secret_is_issued_once_kept_as_a_hash_and_can_be_revoked(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        admin = get_actor(s, "quantri")
        first = auth.issue_secret(s, by=None, actor=admin)  # bootstrap: the first secret ever
        assert admin.secret_hash is not None and first not in admin.secret_hash
        with pytest.raises(Forbidden):
            auth.issue_secret(s, by=None, actor=admin)  # no second bootstrap
        officer = get_actor(s, "canbo.ptm")
        with pytest.raises(Forbidden):
            auth.issue_secret(s, by=officer, actor=officer)  # only an admin issues
        secret = auth.issue_secret(s, by=admin, actor=officer)
    with session_scope() as s:
        assert auth.authenticate(s, "canbo.ptm", secret).username == "canbo.ptm"
        for who, given in (("canbo.ptm", first), ("canbo.ptm", ""), ("ai.do", secret)):
            with pytest.raises(Forbidden):
                auth.authenticate(s, who, given)
        auth.revoke_secret(s, by=get_actor(s, "quantri"), actor=get_actor(s, "canbo.ptm"))
    with session_scope() as s, pytest.raises(Forbidden):
        auth.authenticate(s, "canbo.ptm", secret)


def test_a_code_is_for_the_decider_of_the_open_stage(campaign: int) -> None:
    with session_scope() as s:
        for who in ("canbo.ptm", "bgd.phogiamdoc"):
            with pytest.raises(Forbidden):
                auth.issue_action_code(
                    s, actor=get_actor(s, who), campaign_id=campaign, decision=CONFIRM
                )
        code, _ = auth.issue_action_code(
            s, actor=get_actor(s, "chihuy.ptm"), campaign_id=campaign, decision=CONFIRM
        )
        stored = s.exec(select(ActionCode)).one()
        assert code not in stored.code_hmac and stored.used_at is None


def _answer(cid: int, data: dict[str, str]) -> str:
    with session_scope() as s:
        step = plan_step(s, cid)
        assert step.kind == "wait" and step.wait_id is not None
        return answer(s, cid, step.wait_id, data)


def test_a_form_answer_needs_a_fresh_code_of_its_own_actor(campaign: int) -> None:
    with session_scope() as s:
        leader = get_actor(s, "chihuy.ptm")
        code, _ = auth.issue_action_code(s, actor=leader, campaign_id=campaign, decision=CONFIRM)
        expired, _ = auth.issue_action_code(s, actor=leader, campaign_id=campaign, decision=CONFIRM)
        row = s.exec(select(ActionCode).order_by(ActionCode.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None
        row.expires_at = row.expires_at - timedelta(days=2)
    confirm = LeaderAction.CONFIRM.value
    refused = "Bị từ chối: Mã xác nhận một lần không đúng, đã dùng hoặc đã hết hạn"
    for who, given in (
        ("chihuy.ptm", "0000"),
        ("chihuy.ptm", expired),
        ("chihuy.phc", code),
        ("ai.do", code),
    ):
        outcome = _answer(campaign, {"actor": who, "action": confirm, "code": given})
        assert outcome.startswith(refused), outcome
    with session_scope() as s:
        run = s.exec(select(StageRun)).one()
        assert run.confirmed_by is None  # nothing of a refused answer was applied
    done = _answer(campaign, {"actor": "chihuy.ptm", "action": confirm, "code": code.lower()})
    assert done == f"Chỉ huy Phòng Tham mưu: {confirm}"
    with session_scope() as s:
        assert s.exec(select(StageRun)).one().confirmed_by == get_actor(s, "chihuy.ptm").id
        refusals = s.exec(select(AuditEvent).where(AuditEvent.action == "form.refused")).all()
        waits = s.exec(select(Wait)).all()
    assert len(refusals) == 4 and all(w.answered_at for w in waits) and len(waits) == 5
    # The used code cannot be used again, even by its own actor.
    with session_scope() as s, pytest.raises(Forbidden):
        auth.consume_action_code(
            s,
            actor=get_actor(s, "chihuy.ptm"),
            stage_run_id=s.exec(select(StageRun)).one().id or 0,
            code=code,
            decision=CONFIRM,
        )


def test_no_code_when_nothing_waits_for_a_decision(campaign: int) -> None:
    with session_scope() as s:
        run = s.exec(select(StageRun)).one()
        run.stage = Stage.NOMINATION  # a stage nobody decides on a form
        s.add(run)
    with session_scope() as s, pytest.raises(WrongStage):
        auth.issue_action_code(
            s, actor=get_actor(s, "chihuy.ptm"), campaign_id=campaign, decision=CONFIRM
        )
