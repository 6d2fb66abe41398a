"""The deadline ladder (extensions, closing past the due time, escalation) and delegation."""

from datetime import timedelta

import pytest
from sqlmodel import select

from models import AuditEvent, StageRun
from models.types import utcnow
from rules.config import StageDeadline
from rules.defaults import default_rules, example_scores
from rules.stages import Stage
from thidua.db import create_schema, session_scope
from thidua.errors import Forbidden, InvalidInput, NotReady, WrongStage
from thidua.sample import load_sample
from thidua.services import deadlines, decisions, delegation
from thidua.services.audit import acting_substitute
from thidua.services.context import get_actor, load_campaign
from thidua.services.cycles import start_cycle
from thidua.services.inputs import SelfAssessmentInput
from thidua.services.progress import Verdict, progress
from thidua.services.submissions import submit_self_assessment
from thidua.services.waits import plan_step


def _campaign(on_deadline: str = "close", escalate_after: timedelta | None = None) -> int:
    rules = default_rules(lot_seed="cố định")
    stages = dict(rules.deadlines)
    stages[Stage.SELF_ASSESSMENT] = StageDeadline(
        duration=timedelta(days=14), on_deadline=on_deadline, escalate_after=escalate_after
    )
    create_schema()
    with session_scope() as s:
        load_sample(s)
        _, started = start_cycle(
            s,
            actor=get_actor(s, "quantri"),
            year=2019,
            movement_code="VANTQ",
            cluster_codes=["CTD4"],
            rules=rules.model_copy(update={"deadlines": stages}),
        )
    cid = started[0].campaign_id
    with session_scope() as s:
        plan_step(s, cid)
    return cid


def _submit(cid: int, unit: str) -> None:
    with session_scope() as s:
        submit_self_assessment(
            s,
            actor=get_actor(s, f"canbo.{unit.lower()}"),
            campaign_id=cid,
            data=SelfAssessmentInput(scores=example_scores(default_rules().scheme, 0.9)),
        )


def _shift_due(cid: int, delta: timedelta) -> None:
    with session_scope() as s:
        run = s.exec(select(StageRun).where(StageRun.campaign_id == cid)).one()
        run.due_at = utcnow() + delta
        s.add(run)


def _verdict(cid: int) -> Verdict:
    with session_scope() as s:
        view = load_campaign(s, cid)
        run = s.exec(select(StageRun).where(StageRun.campaign_id == cid)).one()
        return progress(s, view, run).verdict


def test_an_extension_lets_one_unit_submit_late_and_holds_the_stage_open(
    database_url: str,
) -> None:
    cid = _campaign()
    _shift_due(cid, -timedelta(minutes=1))
    assert _verdict(cid) == Verdict.DEADLINE
    with session_scope() as s:
        leader, officer = get_actor(s, "chihuy.ptm"), get_actor(s, "canbo.ctt8")
        later = utcnow() + timedelta(hours=2)
        with pytest.raises(Forbidden):
            deadlines.grant_extension(
                s, actor=officer, campaign_id=cid, unit_code="CTT8", until=later, reason="Ốm"
            )
        with pytest.raises(InvalidInput, match="until"):
            deadlines.grant_extension(
                s,
                actor=leader,
                campaign_id=cid,
                unit_code="CTT8",
                until=utcnow() + timedelta(days=30),
                reason="Quá dài",
            )
        with pytest.raises(InvalidInput, match="reason"):
            deadlines.grant_extension(
                s, actor=leader, campaign_id=cid, unit_code="CTT8", until=later, reason=" "
            )
        deadlines.grant_extension(
            s,
            actor=leader,
            campaign_id=cid,
            unit_code="CTT8",
            until=later,
            reason="Đơn vị trực cao điểm tấn công tội phạm",
        )
    assert _verdict(cid) == Verdict.WAITING  # the stage waits for the extension to end
    _submit(cid, "CTT8")  # the extended unit may still submit
    with pytest.raises(WrongStage, match="hết hạn"):
        _submit(cid, "PTM")  # the others may not
    with session_scope() as s:
        (event,) = s.exec(select(AuditEvent).where(AuditEvent.action == "stage.extend")).all()
        assert event.after is not None and event.after["unit"] == "CTT8"


def test_a_waiting_stage_is_escalated_and_the_directorate_may_close_it(
    database_url: str,
) -> None:
    cid = _campaign(on_deadline="wait", escalate_after=timedelta(hours=1))
    _submit(cid, "PTM")
    _shift_due(cid, -timedelta(minutes=30))
    with session_scope() as s:
        assert deadlines.escalate_due(s) == []  # not yet: one hour after the due time
        with pytest.raises(Forbidden):
            decisions.confirm_stage(s, actor=get_actor(s, "bgd.phogiamdoc"), campaign_id=cid)
    assert _verdict(cid) == Verdict.WAITING  # a "wait" stage does not close by itself
    _shift_due(cid, -timedelta(hours=2))
    with session_scope() as s:
        assert deadlines.escalate_due(s) == [cid]
        assert deadlines.escalate_due(s) == []  # once
        decisions.confirm_stage(s, actor=get_actor(s, "bgd.phogiamdoc"), campaign_id=cid)
    assert _verdict(cid) == Verdict.CONFIRMED  # closed past its due time with what it had


def test_before_its_due_time_a_stage_is_confirmed_only_when_full(database_url: str) -> None:
    cid = _campaign()
    _submit(cid, "PTM")
    with session_scope() as s, pytest.raises(NotReady, match="Công ty Tháng Tám"):
        decisions.confirm_stage(s, actor=get_actor(s, "chihuy.ptm"), campaign_id=cid)


def test_a_substitute_acts_under_a_delegation_and_both_names_are_kept(
    database_url: str,
) -> None:
    cid = _campaign()
    for unit in ("PTM", "PTCCB", "PHC", "PTC", "BANTD", "TTHL", "PXDPT", "CTT8", "TTR", "PCTD"):
        _submit(cid, unit)
    with session_scope() as s:
        substitute = get_actor(s, "chihuy.phc")
        with pytest.raises(Forbidden):
            delegation.acting_for(s, substitute, "chihuy.ptm")  # no delegation yet
        delegation.delegate(
            s,
            principal=get_actor(s, "chihuy.ptm"),
            substitute="chihuy.phc",
            starts=utcnow() - timedelta(minutes=1),
            ends=utcnow() + timedelta(days=3),
        )
    token = None
    try:
        with session_scope() as s:
            principal = delegation.acting_for(s, get_actor(s, "chihuy.phc"), "chihuy.ptm")
            token = acting_substitute.get()
            decisions.confirm_stage(s, actor=principal, campaign_id=cid)
    finally:
        acting_substitute.set(None)
    with session_scope() as s:
        (event,) = s.exec(select(AuditEvent).where(AuditEvent.action == "stage.confirm")).all()
        names = (get_actor(s, "chihuy.ptm").id, get_actor(s, "chihuy.phc").id)
    assert token is not None and (event.actor_id, event.substitute_id) == names
