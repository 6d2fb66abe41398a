"""Issue 15: a one-time code is sealed to one decision, kept as a keyed hash, and dies after
five wrong tries; the admin's secret is bootstrapped once, never again (no Prefect needed)."""

import hashlib
import hmac

import pytest
from sqlmodel import select

from flows.forms import DirectorateAction, LeaderAction, ReturnTarget
from models import ActionCode, AuditEvent, Decision, StageRun
from rules.stages import Stage
from simulation.participants import Script
from simulation.synthetic import drive_in_process
from thidua.db import create_schema, session_scope
from thidua.errors import Forbidden, InvalidInput
from thidua.sample import load_sample
from thidua.secretkey import server_key
from thidua.services import auth
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.form_decisions import FormDecision
from thidua.services.waits import answer, plan_step

DIRECTOR = "bgd.phogiamdoc"
LEADER = "chihuy.ptm"
REFUSED = "Bị từ chối:"


def _start(until: Stage) -> int:
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
    drive_in_process(cid, Script(late_unit=None, returned_unit=None), until=until)
    return cid


@pytest.fixture
def approval(database_url: str) -> int:
    """The sample's 2019 campaign waiting for the directorate."""
    return _start(Stage.APPROVAL)


@pytest.fixture
def self_assessment(database_url: str) -> int:
    """The sample's 2019 campaign at stage 1, every self-assessment in, waiting for the leader."""
    cid = _start(Stage.SELF_ASSESSMENT)
    from simulation.participants import act

    with session_scope() as s:
        plan_step(s, cid)
        act(s, cid, Script(late_unit=None, returned_unit=None))
    return cid


def _code(cid: int, who: str, decision: FormDecision) -> str:
    with session_scope() as s:
        code, _ = auth.issue_action_code(
            s, actor=get_actor(s, who), campaign_id=cid, decision=decision
        )
    return code


def _answer(cid: int, data: dict[str, str]) -> str:
    with session_scope() as s:
        step = plan_step(s, cid)
        assert step.kind == "wait" and step.wait_id is not None
        return answer(s, cid, step.wait_id, data)


def _decisions(cid: int) -> list[Decision]:
    """The directorate's decisions on the campaign."""
    with session_scope() as s:
        runs = s.exec(
            select(StageRun.id).where(StageRun.campaign_id == cid, StageRun.stage == Stage.APPROVAL)
        ).all()
        return list(s.exec(select(Decision).where(Decision.stage_run_id.in_(runs))).all())  # type: ignore[attr-defined]


APPROVE = {
    "actor": DIRECTOR,
    "action": DirectorateAction.APPROVE.value,
    "reason": "Đồng ý với kết quả bình xét",
}
FORGED = {
    "actor": DIRECTOR,
    "action": DirectorateAction.AMEND.value,
    "amendments": "PHC = Đơn vị Quyết thắng",
    "reason": "Đồng ý với kết quả bình xét",
}


def test_a_forged_answer_with_an_honest_code_is_refused_and_nothing_is_decided(
    approval: int,
) -> None:
    approved = FormDecision(action="approve", reason=" Đồng ý với kết quả bình xét ")
    code = _code(approval, DIRECTOR, approved)
    before = len(_decisions(approval))
    outcome = _answer(approval, {**FORGED, "code": code})
    assert outcome.startswith(REFUSED) and "quyết định khác" in outcome, outcome
    assert len(_decisions(approval)) == before  # no amend, no approve
    with session_scope() as s:
        refusals = s.exec(select(AuditEvent).where(AuditEvent.action == "form.refused")).all()
        assert len(refusals) == 1
    # The person's own answer still goes through with the same code.
    outcome = _answer(approval, {**APPROVE, "code": code.lower()})
    assert not outcome.startswith(REFUSED), outcome
    [decided] = _decisions(approval)
    assert decided.kind.value == "approve"
    assert decided.reason == "Đồng ý với kết quả bình xét"


def test_an_amendment_is_sealed_to_its_titles_and_reason(approval: int) -> None:
    amend = FormDecision(
        action="amend", amendments={"PHC": "Đơn vị Quyết thắng"}, reason="Thành tích đột xuất"
    )
    code = _code(approval, DIRECTOR, amend)
    other_title = {
        **FORGED,
        "amendments": "PHC = Đơn vị tiên tiến",
        "reason": "Thành tích đột xuất",
        "code": code,
    }
    assert _answer(approval, other_title).startswith(REFUSED)
    honest = {**other_title, "amendments": "PHC=Đơn vị Quyết thắng;"}
    assert not _answer(approval, honest).startswith(REFUSED)
    [decided] = _decisions(approval)
    assert decided.payload == {"amendments": {"PHC": "Đơn vị Quyết thắng"}}


def test_a_return_is_sealed_to_its_stage(approval: int) -> None:
    back = FormDecision(action="return", return_to=2, reason="Chấm chéo chưa khách quan")
    code = _code(approval, DIRECTOR, back)
    data = {
        "actor": DIRECTOR,
        "code": code,
        "action": DirectorateAction.RETURN.value,
        "return_to": ReturnTarget.SELF_ASSESSMENT.value,
        "reason": "Chấm chéo chưa khách quan",
    }
    assert _answer(approval, data).startswith(REFUSED)
    data["return_to"] = ReturnTarget.PEER_REVIEW.value
    assert not _answer(approval, data).startswith(REFUSED)


def test_a_code_is_only_issued_for_a_decision_that_can_be_taken(approval: int) -> None:
    with session_scope() as s:
        director = get_actor(s, DIRECTOR)
        for wrong, field in (
            (FormDecision(action="amend", reason="x"), "amendments"),
            (FormDecision(action="amend", amendments={"PHC": "Đơn vị Quyết thắng"}), "reason"),
            (FormDecision(action="amend", amendments={"XYZ": None}, reason="x"), "amendments.XYZ"),
            (FormDecision(action="return", return_to=2), "reason"),
            (FormDecision(action="confirm"), "decision"),
        ):
            with pytest.raises(InvalidInput) as caught:
                auth.issue_action_code(s, actor=director, campaign_id=approval, decision=wrong)
            assert caught.value.field == field, (wrong, caught.value.message)
        assert s.exec(select(ActionCode)).all() == []
    assert _decisions(approval) == []


def test_five_wrong_tries_void_the_code(self_assessment: int) -> None:
    confirm = FormDecision(action="confirm")
    code = _code(self_assessment, LEADER, confirm)
    form = {"actor": LEADER, "action": LeaderAction.CONFIRM.value}
    for n in range(1, 5):
        outcome = _answer(self_assessment, {**form, "code": "0000-0000-0000"})
        assert outcome.startswith(REFUSED) and f"còn {5 - n} lần" in outcome, outcome
    fifth = _answer(self_assessment, {**form, "code": "0000-0000-0001"})
    assert "vô hiệu" in fifth and "thidua code" in fifth, fifth
    late = _answer(self_assessment, {**form, "code": code})  # the right code, too late
    assert late.startswith(REFUSED) and "vô hiệu" in late, late
    with session_scope() as s:
        assert s.exec(select(StageRun)).one().confirmed_by is None
    # A new code works.
    fresh = _code(self_assessment, LEADER, confirm)
    assert not _answer(self_assessment, {**form, "code": fresh}).startswith(REFUSED)


def test_a_wrong_decision_counts_as_a_wrong_try(self_assessment: int) -> None:
    code = _code(self_assessment, LEADER, FormDecision(action="confirm"))
    forged = {
        "actor": LEADER,
        "code": code,
        "action": LeaderAction.RETURN_UNIT.value,
        "unit": "PHC",
        "comment": "Thiếu minh chứng",
    }
    for _ in range(5):
        assert _answer(self_assessment, forged).startswith(REFUSED)
    honest = {"actor": LEADER, "code": code, "action": LeaderAction.CONFIRM.value}
    assert "vô hiệu" in _answer(self_assessment, honest)


def test_codes_are_kept_as_a_keyed_hash(self_assessment: int) -> None:
    code = _code(self_assessment, LEADER, FormDecision(action="confirm"))
    with session_scope() as s:
        row = s.exec(select(ActionCode)).one()
        stored = {k: str(v) for k, v in row.model_dump().items()}
    plain = hashlib.sha256(code.encode()).hexdigest()
    assert all(plain not in v and code not in v for v in stored.values())
    keyed = hmac.new(server_key(), code.encode(), hashlib.sha256).hexdigest()
    assert keyed in stored.values()
    assert '"action":"confirm"' in stored["decision"]


def test_the_server_key_file_is_private_and_stable(
    database_url: str, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from thidua.settings import get_settings

    first = server_key()
    path = get_settings().home / "secret.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert server_key() == first and len(first) >= 32
    monkeypatch.setenv("THIDUA_SECRET_KEY", "khoa-rieng-cua-may-chu")
    get_settings.cache_clear()
    assert server_key() == b"khoa-rieng-cua-may-chu"


def test_the_admin_bootstrap_happens_once_not_again_after_a_revoke(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        admin = get_actor(s, "quantri")
        auth.issue_secret(s, by=None, actor=admin)
        auth.revoke_secret(s, by=admin, actor=admin)
    with session_scope() as s, pytest.raises(Forbidden):
        auth.issue_secret(s, by=None, actor=get_actor(s, "quantri"))
    with session_scope() as s:
        assert get_actor(s, "quantri").secret_hash is None


def test_no_bootstrap_once_anyone_holds_a_secret(database_url: str) -> None:
    """A database set up with secrets some other way (thidua init, a test) has been bootstrapped."""
    create_schema()
    with session_scope() as s:
        load_sample(s)
        auth.set_secret(s, get_actor(s, "canbo.ptm"), "bi-mat")
    with session_scope() as s, pytest.raises(Forbidden):
        auth.issue_secret(s, by=None, actor=get_actor(s, "quantri"))


def test_a_locked_out_admin_recovers_with_the_server_key_only(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        admin = get_actor(s, "quantri")
        auth.issue_secret(s, by=None, actor=admin)
        auth.revoke_secret(s, by=admin, actor=admin)
    with session_scope() as s, pytest.raises(Forbidden, match="Khóa khôi phục"):
        auth.issue_secret(s, by=None, actor=get_actor(s, "quantri"), recovery_key=b"doan-bua")
    with session_scope() as s, pytest.raises(Forbidden):  # only an admin's secret is recovered
        auth.issue_secret(s, by=None, actor=get_actor(s, "canbo.ptm"), recovery_key=server_key())
    with session_scope() as s:
        secret = auth.issue_secret(
            s, by=None, actor=get_actor(s, "quantri"), recovery_key=server_key() + b"\n"
        )
    with session_scope() as s:
        assert auth.authenticate(s, "quantri", secret).username == "quantri"
        last = s.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "actor.secret_issue")
            .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
        ).first()
        assert last is not None and last.after == {"bootstrap": False, "recovery": True}
