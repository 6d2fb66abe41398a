"""Decisions of approvers: the cluster leader confirms stages 1–3, the directorate decides 4."""

from enum import StrEnum

from sqlmodel import Session, select

from models import Actor, Decision, DecisionKind, Role, StageRun
from rules.stages import Stage
from thidua.errors import Conflict, InvalidInput, NotReady, WrongStage
from thidua.limits import REASON, check_text
from thidua.services import audit
from thidua.services.access import require_cluster_leader, require_role
from thidua.services.context import load_campaign, require_open_stage
from thidua.services.meeting import check_meeting, recorded

CONFIRMABLE = (Stage.SELF_ASSESSMENT, Stage.PEER_REVIEW, Stage.VOTE)
RETURNABLE = CONFIRMABLE


class Outcome(StrEnum):
    APPROVE = "approve"
    AMEND = "amend"
    RETURN = "return"


def confirm_stage(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    stage: Stage | None = None,
    via: str = "cli",
    meeting: dict[str, str] | None = None,
) -> StageRun:
    """The cluster leader confirms that the stage is complete, so the campaign may move on.

    Confirming the vote may name the meeting's chair, secretary and place (thidua/services/
    meeting.py): the minutes print them.
    """
    view = load_campaign(session, campaign_id)
    if stage is None:
        stage = view.campaign.stage
    meeting = check_meeting(meeting or {})
    if meeting and stage != Stage.VOTE:
        raise InvalidInput(
            next(iter(meeting)), "chủ trì, thư ký, địa điểm chỉ ghi khi xác nhận kết quả bỏ phiếu"
        )
    run = require_open_stage(session, view, stage, lock="update")  # one confirmation at a time
    if stage not in CONFIRMABLE:
        raise WrongStage(f"Giai đoạn '{stage.label}' không do Cụm trưởng xác nhận")
    if not (run.escalated_at is not None and actor.role == Role.DIRECTORATE):
        require_cluster_leader(actor, view, f"xác nhận giai đoạn '{stage.label}'")
    if run.confirmed_by is not None:
        if meeting and meeting != recorded(session, run):
            # The minutes may already be written: a later change would not reach them.
            raise Conflict(
                f"Giai đoạn '{stage.label}' đã được xác nhận; thông tin cuộc họp không đổi được"
            )
        return run
    # Imported here: every `thidua submit` loads the CLI module of confirm and decide, and
    # needs none of the progress (the votes, ties and tallies behind it).
    from thidua.services.progress import progress

    state = progress(session, view, run)
    # Past its due time a stage may be closed with what it received; before it, only when full.
    if state.missing and not state.overdue:
        lines = "; ".join(f"{m.name}: {m.what}" for m in state.missing)
        raise NotReady(f"Chưa thể xác nhận '{stage.label}': {lines}")
    assert run.id is not None and actor.id is not None
    run.confirmed_by = actor.id
    session.add(run)
    session.add(
        Decision(
            stage_run_id=run.id,
            kind=DecisionKind.CONFIRM,
            actor_id=actor.id,
            via=via,
            payload={"meeting": meeting} if meeting else {},
        )
    )
    audit.record(
        session,
        actor=actor,
        action="stage.confirm",
        campaign_id=view.id,
        entity="stagerun",
        entity_id=run.id,
        before={"confirmed_by": None},
        after={
            "stage": stage,
            "attempt": run.attempt,
            "confirmed_by": actor.username,
            "via": via,
            **({"meeting": meeting} if meeting else {}),
        },
    )
    return run


def decide(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    outcome: Outcome,
    reason: str = "",
    amendments: dict[str, str | None] | None = None,
    return_to: Stage | None = None,
    via: str = "cli",
) -> Decision:
    """The directorate approves, amends titles with a reason, or returns to an earlier stage."""
    # Forms reach this too, not only the command line: the reason is bounded here.
    check_text("reason", reason, max_length=REASON, multiline=True)
    view = load_campaign(session, campaign_id)
    require_role(actor, Role.DIRECTORATE, "phê duyệt kết quả của cụm")
    run = require_open_stage(session, view, Stage.APPROVAL, lock="update")  # one decision
    assert run.id is not None and actor.id is not None
    earlier = session.exec(select(Decision).where(Decision.stage_run_id == run.id)).first()
    if earlier is not None:
        raise Conflict("Ban Giám đốc đã quyết định cho lần phê duyệt này")
    payload: dict[str, object] = {}
    kind = DecisionKind.APPROVE
    if outcome == Outcome.AMEND:
        kind = DecisionKind.AMEND
        if not reason.strip():
            raise InvalidInput("reason", "điều chỉnh kết quả phải ghi rõ lý do")
        if not amendments:
            raise InvalidInput("amendments", "chưa nêu điều chỉnh nào (đơn vị: danh hiệu)")
        titles = {t.title for t in view.rules.titles}
        for code, title in amendments.items():
            if code not in view.member_codes:
                raise InvalidInput(f"amendments.{code}", "không phải đơn vị thành viên của cụm")
            if title is not None and title not in titles:
                raise InvalidInput(
                    f"amendments.{code}",
                    f"danh hiệu '{title}' không có trong quy định của đợt "
                    f"({', '.join(sorted(titles))})",
                )
        payload["amendments"] = dict(amendments)
    elif outcome == Outcome.RETURN:
        kind = DecisionKind.RETURN_STAGE
        if not reason.strip():
            raise InvalidInput("reason", "trả lại phải ghi rõ lý do")
        if return_to not in RETURNABLE:
            raise InvalidInput(
                "return_to",
                "chỉ được trả về giai đoạn 1 (tự chấm), 2 (chấm chéo) hoặc 3 (bỏ phiếu)",
            )
        payload["return_to"] = str(return_to)
    decision = Decision(
        stage_run_id=run.id, kind=kind, actor_id=actor.id, payload=payload, reason=reason, via=via
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"directorate.{kind.value}",
        campaign_id=view.id,
        entity="decision",
        entity_id=decision.id,
        after={"reason": reason, "via": via, **payload},
    )
    return decision
