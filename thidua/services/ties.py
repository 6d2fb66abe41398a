"""A quota tie left after the count, as the deadline sweep sees it: the chair hears of it, and
when the vote's deadline passes undecided, it goes up to the directorate.

The vote waits while a tie is left (thidua.services.progress), so a chair who never decides
would hold the campaign for ever. Past the vote's due time (and its `escalate_after`, if the
rules give one) the stage run is marked escalated: the directorate may then decide the tie in
the chair's place (thidua.services.votes.decide_tie), and both are told.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from models import StageRun
from models.types import utcnow
from notifications import events
from rules.stages import Stage
from thidua.services import audit
from thidua.services.context import load_campaign
from thidua.services.deadlines import effective_due
from thidua.services.votes import TieToDecide, ties_to_decide


def tie_context(ties: list[TieToDecide]) -> list[dict[str, Any]]:
    """The ties as messages, forms and the audit log show them."""
    return [
        {
            "title": t.title,
            "places": t.places,
            "units": [
                {"code": u.code, "name": u.name, "yes": u.yes, "score": u.score, "rank": u.rank}
                for u in t.units
            ],
        }
        for t in ties
    ]


def sweep_ties(session: Session, now: datetime | None = None) -> list[int]:
    """Tell each chair of a tie left once; escalate the ties still left past the vote's
    deadline. Returns the campaigns escalated now (each once)."""
    now = now or utcnow()
    escalated: list[int] = []
    runs = session.exec(
        select(StageRun).where(col(StageRun.closed_at).is_(None), StageRun.stage == Stage.VOTE)
    ).all()
    for run in runs:
        view = load_campaign(session, run.campaign_id)
        if view.rules.vote.final_tie_break != "chair" or not view.rules.quotas:
            continue
        ties = ties_to_decide(session, view, run)
        if not ties:
            continue
        context = tie_context(ties)
        events.chair_tie(session, view, run, context, escalated=False)  # once per stage run
        after = view.rules.deadlines[Stage.VOTE].escalate_after or timedelta(0)
        if now < effective_due(session, run) + after:
            continue
        if run.escalated_at is None:  # already, if the leader had not confirmed in time
            run.escalated_at = now
            session.add(run)
        logged = audit.record(
            session,
            actor=None,
            action="vote.chair_tie_escalate",
            campaign_id=view.id,
            entity="stagerun",
            entity_id=run.id,
            after={
                "stage": run.stage,
                "attempt": run.attempt,
                "ties": [
                    {"title": t["title"], "places": t["places"], "units": list(ties[i].codes)}
                    for i, t in enumerate(context)
                ],
            },
            key=f"vote.chair_tie_escalate:{run.id}",
        )
        events.chair_tie(session, view, run, context, escalated=True)
        if logged is not None:
            escalated.append(view.id)
    return escalated
