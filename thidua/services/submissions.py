"""Commands of unit officers: self-assessment, peer review, secret ballot; and returns for revision.

Each checks who acts, for which unit, in which stage; validates against the cycle's rules; and
writes its rows and an audit event in the caller's transaction. Sending the same content again
is a no-op, so a retried command never duplicates anything.
"""

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from models import (
    Actor,
    Ballot,
    Decision,
    DecisionKind,
    SelfAssessment,
    SelfScore,
    StageRun,
    SubmissionStatus,
    Unit,
    VoterRoll,
)
from models.types import utcnow
from rules.errors import RuleViolation
from rules.results import BallotContent
from rules.scoring import ScoreValue, total_score, validate_scores
from rules.stages import Stage
from thidua import localtime
from thidua.errors import Conflict, InvalidInput, NotReady, WrongStage
from thidua.limits import REASON, check_text
from thidua.services import audit, receipts
from thidua.services.access import require_cluster_leader, require_member_officer
from thidua.services.context import (
    CampaignView,
    apply_ballot_rules,
    load_campaign,
    require_open_stage,
)
from thidua.services.deadlines import unit_due
from thidua.services.drive_points import fixed_points
from thidua.services.inputs import SelfAssessmentInput
from thidua.services.results import ranking_of


def content_sha(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def accepting(session: Session, view: CampaignView, stage: Stage, unit: Unit) -> StageRun:
    """The open stage run, if this unit may still submit to it (its due time, or extension)."""
    run = require_open_stage(session, view, stage, lock="share")  # not closed under us
    assert unit.id is not None
    due = unit_due(session, run, unit.id)
    if run.on_deadline == "close" and utcnow() >= due:
        local = localtime.local(due)
        raise WrongStage(f"Giai đoạn '{stage.label}' đã hết hạn lúc {local:%H:%M ngày %d/%m/%Y}")
    return run


def checked_scores(
    view: CampaignView,
    scores: Mapping[str, ScoreValue],
    prefix: str = "",
    fixed: Mapping[str, Decimal] | None = None,
) -> dict[str, Decimal]:
    try:
        return validate_scores(view.rules.scheme, scores, fixed)
    except RuleViolation as exc:
        raise InvalidInput.from_rule(exc, prefix) from exc


def latest_assessment(session: Session, run_id: int, unit_id: int) -> SelfAssessment | None:
    return session.exec(
        select(SelfAssessment)
        .where(SelfAssessment.stage_run_id == run_id, SelfAssessment.unit_id == unit_id)
        .order_by(col(SelfAssessment.version).desc())
    ).first()


def submit_self_assessment(
    session: Session, *, actor: Actor, campaign_id: int, data: SelfAssessmentInput, via: str = "cli"
) -> SelfAssessment:
    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "nộp bản tự chấm điểm")
    run = accepting(session, view, Stage.SELF_ASSESSMENT, unit)
    fixed = fixed_points(session, view).get(unit.code)
    scores = checked_scores(view, data.scores, fixed=fixed)
    content = {
        "scores": {k: str(v) for k, v in scores.items()},
        "achievements": data.achievements,
        "shortcomings": data.shortcomings,
        "evidence": data.evidence,
    }
    digest = content_sha(content)
    assert run.id is not None and unit.id is not None and actor.id is not None
    latest = latest_assessment(session, run.id, unit.id)
    if latest is not None and latest.status == SubmissionStatus.SUBMITTED:
        if latest.content_sha256 == digest:
            return latest
        raise Conflict(
            f"{unit.name} đã nộp bản tự chấm (lần {latest.version}); chỉ nộp lại khi Cụm trưởng "
            "trả lại để sửa"
        )
    total = total_score(view.rules.scheme, scores)
    assessment = SelfAssessment(
        stage_run_id=run.id,
        unit_id=unit.id,
        version=(latest.version + 1) if latest else 1,
        total=float(total),
        achievements=data.achievements,
        shortcomings=data.shortcomings,
        evidence=data.evidence,
        content_sha256=digest,
        submitted_by=actor.id,
    )
    session.add(assessment)
    flush_or_conflict(session, f"{unit.name} vừa nộp bản tự chấm này")
    assert assessment.id is not None
    insert_rows(
        session,
        SelfScore,
        [
            {"assessment_id": assessment.id, "item_code": k, "points": float(v)}
            for k, v in scores.items()
        ],
    )
    audit.record(
        session,
        actor=actor,
        action="self_assessment.submit",
        campaign_id=view.id,
        entity="selfassessment",
        entity_id=assessment.id,
        before={"version": latest.version, "status": latest.status} if latest else None,
        after={
            "unit": unit.code,
            "version": assessment.version,
            "total": str(total),
            "via": via,
            **content,
        },
    )
    return assessment


def return_self_assessment(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    unit_code: str,
    comment: str,
    via: str = "cli",
) -> SelfAssessment:
    view = load_campaign(session, campaign_id)
    require_cluster_leader(actor, view, "trả lại bản tự chấm")
    run = require_open_stage(session, view, Stage.SELF_ASSESSMENT, lock="update")
    if not comment.strip():
        raise InvalidInput("comment", "phải nêu lý do trả lại để đơn vị sửa")
    check_text("comment", comment, max_length=REASON, multiline=True)
    unit = view.unit(unit_code)
    assert run.id is not None and unit.id is not None and actor.id is not None
    latest = latest_assessment(session, run.id, unit.id)
    if latest is None or latest.status != SubmissionStatus.SUBMITTED:
        raise NotReady(f"{unit.name} chưa có bản tự chấm đang chờ duyệt để trả lại")
    latest.status = SubmissionStatus.RETURNED
    latest.returned_comment = comment
    session.add(latest)
    session.add(
        Decision(
            stage_run_id=run.id,
            kind=DecisionKind.RETURN_UNIT,
            actor_id=actor.id,
            unit_id=unit.id,
            reason=comment,
            via=via,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="self_assessment.return",
        campaign_id=view.id,
        entity="selfassessment",
        entity_id=latest.id,
        before={"status": SubmissionStatus.SUBMITTED},
        after={
            "status": SubmissionStatus.RETURNED,
            "unit": unit.code,
            "comment": comment,
            "via": via,
        },
    )
    # Imported here: of the submissions, only a return notifies anyone (the outbox, templates).
    from notifications import events

    events.returned(session, view, run, latest, actor)
    return latest


def cast_ballot(
    session: Session, *, actor: Actor, campaign_id: int, ballot: BallotContent, via: str = "cli"
) -> str:
    """Record the unit on the voter roll and the ballot apart from it; nothing links the two.
    Returns the ballot's receipt code, to be shown once to the voter and kept nowhere else."""
    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "bỏ phiếu")
    return store_ballot(session, view, unit, ballot, actor=actor, via=via)


def store_ballot(
    session: Session,
    view: CampaignView,
    unit: Unit,
    ballot: BallotContent,
    *,
    actor: Actor,
    via: str,
    written: bool = False,
) -> str:
    """One ballot of `unit`, cast in person or entered in writing, while the vote is open;
    returns its receipt code (thidua/services/receipts.py)."""
    run = accepting(session, view, Stage.VOTE, unit)
    assert run.id is not None and unit.id is not None
    ranking = ranking_of(session, view.id) or []
    proposed = {r.unit: r.proposed_title for r in ranking}
    try:
        apply_ballot_rules(view, unit.code, ballot, proposed)
    except RuleViolation as exc:
        raise InvalidInput.from_rule(exc) from exc
    voted = session.exec(
        select(VoterRoll).where(VoterRoll.stage_run_id == run.id, VoterRoll.unit_id == unit.id)
    ).first()
    if voted is not None:
        raise Conflict(f"{unit.name} đã bỏ phiếu; mỗi đơn vị chỉ bỏ một phiếu")
    session.add(VoterRoll(stage_run_id=run.id, unit_id=unit.id, written=written))
    flush_or_conflict(session, f"{unit.name} đã bỏ phiếu; mỗi đơn vị chỉ bỏ một phiếu")
    code = receipts.new_receipt()
    session.add(
        Ballot(
            stage_run_id=run.id,
            content=ballot.model_dump(mode="json"),
            receipt_sha256=receipts.fingerprint(code),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="ballot.cast",
        campaign_id=view.id,
        entity="voterroll",
        entity_id=unit.code,
        after={"unit": unit.code, "via": via, **({"written": True} if written else {})},
    )
    return code


def flush_or_conflict(session: Session, message: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message) from exc


def insert_rows(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Rows of a plain table (no defaults, no relationship read back in the command) in one
    executemany, in the caller's transaction: building an ORM object per score row and flushing
    it was most of a review's cost. The rows' order, so their ids, is the list's."""
    if rows:
        session.connection().execute(model.__table__.insert(), rows)  # type: ignore[attr-defined]
