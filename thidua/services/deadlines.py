"""The deadline ladder: a stage's due time, per-unit extensions, and escalation.

A stage closes at its due time with what it received ("close"), or stays open past it until
the cluster leader closes it ("wait"). The leader may give one unit more time; the stage then
closes when the last extension ends. A "wait" stage still open `escalate_after` past its due
time is escalated: the directorate may then close it in the leader's place.
"""

from datetime import datetime

from sqlmodel import Session, col, select

from models import Actor, Extension, StageRun
from models.types import utcnow
from rules.stages import Stage
from thidua import localtime
from thidua.errors import InvalidInput, WrongStage
from thidua.limits import REASON, check_text
from thidua.services import audit
from thidua.services.access import require_cluster_leader
from thidua.services.context import load_campaign, open_stage_run

EXTENDABLE = (Stage.SELF_ASSESSMENT, Stage.PEER_REVIEW, Stage.VOTE)


def _extensions(session: Session, run: StageRun) -> list[Extension]:
    return list(session.exec(select(Extension).where(Extension.stage_run_id == run.id)).all())


def effective_due(session: Session, run: StageRun) -> datetime:
    """When the stage as a whole is due: its due time, or the end of its latest extension."""
    return max([run.due_at, *(e.until for e in _extensions(session, run))])


def unit_due(session: Session, run: StageRun, unit_id: int) -> datetime:
    ext = session.exec(
        select(Extension).where(Extension.stage_run_id == run.id, Extension.unit_id == unit_id)
    ).first()
    return ext.until if ext is not None else run.due_at


def grant_extension(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    unit_code: str,
    until: datetime,
    reason: str,
) -> Extension:
    view = load_campaign(session, campaign_id)
    require_cluster_leader(actor, view, "gia hạn cho đơn vị")
    run = open_stage_run(session, view)
    if run is None or run.stage not in EXTENDABLE:
        raise WrongStage(f"{view.run_name}: không có giai đoạn nào đang mở để gia hạn")
    if not reason.strip():
        raise InvalidInput("reason", "gia hạn phải ghi rõ lý do")
    check_text("reason", reason, max_length=REASON, multiline=True)
    limit = run.due_at + view.rules.deadlines[run.stage].max_extension
    if until.tzinfo is None:
        raise InvalidInput("until", "phải có múi giờ (ví dụ 2019-11-20T17:00+07:00)")
    if not run.due_at < until <= limit:
        raise InvalidInput(
            "until",
            f"phải sau hạn của giai đoạn và không quá {localtime.iso(limit)} "
            "(giới hạn gia hạn trong quy định của đợt)",
        )
    unit = view.unit(unit_code)
    assert run.id is not None and unit.id is not None and actor.id is not None
    ext = session.exec(
        select(Extension).where(Extension.stage_run_id == run.id, Extension.unit_id == unit.id)
    ).first()
    before = {"until": ext.until.isoformat()} if ext else None
    if ext is None:
        ext = Extension(
            stage_run_id=run.id, unit_id=unit.id, until=until, reason=reason, granted_by=actor.id
        )
    else:
        ext.until, ext.reason, ext.granted_by = until, reason, actor.id
    session.add(ext)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="stage.extend",
        campaign_id=view.id,
        entity="extension",
        entity_id=ext.id,
        before=before,
        after={"unit": unit.code, "stage": run.stage, "until": until.isoformat(), "reason": reason},
    )
    return ext


def escalate_due(session: Session, now: datetime | None = None) -> list[int]:
    """Escalate every waiting stage whose leader has not acted in time. Returns campaign ids."""
    now = now or utcnow()
    escalated = []
    for run in session.exec(
        select(StageRun).where(
            col(StageRun.closed_at).is_(None),
            col(StageRun.escalated_at).is_(None),
            col(StageRun.stage).in_(list(EXTENDABLE)),
            StageRun.on_deadline == "wait",
        )
    ).all():
        view = load_campaign(session, run.campaign_id)
        after = view.rules.deadlines[run.stage].escalate_after
        if after is None or run.confirmed_by is not None:
            continue
        if now < effective_due(session, run) + after:
            continue
        run.escalated_at = now
        session.add(run)
        audit.record(
            session,
            actor=None,
            action="stage.escalate",
            campaign_id=view.id,
            entity="stagerun",
            entity_id=run.id,
            after={"stage": run.stage, "attempt": run.attempt},
            key=f"stage.escalate:{run.id}",
        )
        escalated.append(view.id)
    return escalated
