"""Reading the results a closed stage stored: ranking, vote tally, the directorate's outcome."""

from typing import Any

from sqlmodel import Session, col, select

from models import StageRun
from rules.results import RankedUnit, VoteResult
from rules.stages import Stage


def latest_closed_run(session: Session, campaign_id: int, stage: Stage) -> StageRun | None:
    """The stage's latest run that closed with a result (a return can reopen a stage)."""
    return session.exec(
        select(StageRun)
        .where(
            StageRun.campaign_id == campaign_id,
            StageRun.stage == stage,
            col(StageRun.closed_at).is_not(None),
            StageRun.close_reason != "returned",
        )
        .order_by(col(StageRun.attempt).desc())
    ).first()


def closed_result(session: Session, campaign_id: int, stage: Stage) -> dict[str, Any] | None:
    """The result of the stage's latest closed run (a return can reopen a stage)."""
    run = latest_closed_run(session, campaign_id, stage)
    return dict(run.result_json) if run is not None and run.result_json else None


def ranking_of(session: Session, campaign_id: int) -> list[RankedUnit] | None:
    result = closed_result(session, campaign_id, Stage.PEER_REVIEW)
    if result is None:
        return None
    return [RankedUnit.model_validate(r) for r in result["ranking"]]


def vote_of(session: Session, campaign_id: int) -> VoteResult | None:
    result = closed_result(session, campaign_id, Stage.VOTE)
    return VoteResult.model_validate(result["vote"]) if result else None


def outcome_of(session: Session, campaign_id: int) -> dict[str, Any] | None:
    """What the directorate approved: titles, acclaimed unit, next leader and deputy."""
    return closed_result(session, campaign_id, Stage.APPROVAL)
