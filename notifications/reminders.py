"""The deadline sweep's part: reminders before a stage's deadline and notices after it."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import (
    Campaign,
    CampaignStatus,
    PeerReview,
    SelfAssessment,
    StageRun,
    SubmissionStatus,
)
from models.types import utcnow
from notifications.outbox import enqueue
from notifications.recipients import (
    OFFICER_STAGES,
    Recipient,
    cluster_leaders,
    directorate,
    officers,
)
from notifications.render import local_naive
from rules.stages import Stage
from thidua.services.context import CampaignView, load_campaign
from thidua.services.deadlines import unit_due
from thidua.services.progress import progress
from thidua.settings import get_settings


def _missing_items(session: Session, view: CampaignView, run: StageRun) -> list[dict[str, Any]]:
    """What each unit still owes the open stage: ``unit_id``, ``name``, ``kind`` (not_submitted
    | returned | pending_reviews | not_voted | not_decided) and ``count`` (reviews to do)."""
    assert run.id is not None
    state = progress(session, view, run)
    by_code = {u.code: u for u in view.members}
    items: list[dict[str, Any]] = []
    for m in state.missing:
        unit = by_code.get(m.unit)
        item: dict[str, Any] = {"unit_id": unit.id if unit else None, "name": m.name, "count": 0}
        if run.stage == Stage.SELF_ASSESSMENT and unit is not None:
            latest = session.exec(
                select(SelfAssessment)
                .where(SelfAssessment.stage_run_id == run.id, SelfAssessment.unit_id == unit.id)
                .order_by(col(SelfAssessment.version).desc())
            ).first()
            again = latest is not None and latest.status == SubmissionStatus.RETURNED
            item["kind"] = "returned" if again else "not_submitted"
        elif run.stage == Stage.PEER_REVIEW and unit is not None:
            done = session.exec(
                select(func.count()).where(
                    PeerReview.stage_run_id == run.id, PeerReview.reviewer_unit_id == unit.id
                )
            ).one()
            item["kind"] = "pending_reviews"
            item["count"] = len(view.members) - 1 - int(done)
        elif run.stage == Stage.VOTE:
            item["kind"] = "not_voted"
        else:
            item["kind"] = "not_decided"
        items.append(item)
    return items


def due_reminders(session: Session, now: datetime | None = None) -> int:
    """The deadline sweep's part: `reminder` before a deadline and `overdue` after it, once per
    stage run and person, to whoever still owes the stage something, by their unit's own due
    time (an extension moves it); the cluster leader hears of the late units. Per person:
    ``missing`` (name, kind, count) and ``due``; ``closes``: whether the stage closes at its
    deadline. Returns the messages written."""
    settings = get_settings()
    if not settings.notifications_enabled:
        return 0
    now = now or utcnow()
    runs = session.exec(
        select(StageRun)
        .join(Campaign, col(Campaign.id) == col(StageRun.campaign_id))
        .where(
            col(StageRun.closed_at).is_(None),
            col(StageRun.stage).in_([*OFFICER_STAGES, Stage.APPROVAL]),
            col(Campaign.status).in_([CampaignStatus.RUNNING, CampaignStatus.WAITING]),
            col(StageRun.due_at) <= now + settings.reminder_before,
        )
        .order_by(col(StageRun.id))
    ).all()
    written = 0
    for run in runs:
        assert run.id is not None
        lead = min(settings.reminder_before, (run.due_at - run.opened_at) / 2)
        if now < run.due_at - lead:
            continue
        view = load_campaign(session, run.campaign_id)
        items = _missing_items(session, view, run)
        if not items:
            continue
        context = {"closes": run.on_deadline == "close"}
        if run.stage == Stage.APPROVAL:
            event = "overdue" if now >= run.due_at else "reminder"
            written += enqueue(
                session,
                event=event,
                view=view,
                run=run,
                recipients=[
                    Recipient(r.actor, r.role, None, {"missing": items})
                    for r in directorate(session)
                ],
                cause=str(run.id),
                context=context,
            )
            continue
        # An extension moves one unit's deadline: each unit is reminded by its own.
        by_unit = {i["unit_id"]: i for i in items}
        due = {uid: unit_due(session, run, uid) for uid in by_unit if uid is not None}
        told: dict[str, list[Recipient]] = {"reminder": [], "overdue": []}
        for r in officers(session, view, [u for u in view.members if u.id in due]):
            assert r.unit is not None and r.unit.id is not None
            own = due[r.unit.id]
            if now < own - lead:
                continue
            told["overdue" if now >= own else "reminder"].append(
                Recipient(
                    r.actor,
                    r.role,
                    r.unit,
                    {
                        "missing": [by_unit[r.unit.id]],
                        "due": local_naive(own),
                        "due_at_utc": own.astimezone(UTC).isoformat(),
                    },
                )
            )
        late = [i for i in items if i["unit_id"] in due and now >= due[i["unit_id"]]]
        if late:
            told["overdue"] += [
                Recipient(r.actor, r.role, r.unit, {"missing": late})
                for r in cluster_leaders(session, view)
            ]
        for event, recipients in told.items():
            written += enqueue(
                session,
                event=event,
                view=view,
                run=run,
                recipients=recipients,
                cause=str(run.id),
                context=context,
            )
    return written
