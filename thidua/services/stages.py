"""The system's side of a campaign: open a stage, close it with its results, open the next.

Called by the Prefect stage tasks. Each function is one transaction and checks the database
first, so a retried or re-run task finds the work done and does nothing twice.
"""

from typing import Any

from sqlmodel import Session, col, select

from models import (
    CampaignStatus,
    Decision,
    DecisionKind,
    MemberRole,
    Membership,
    Nomination,
    NominationStatus,
    SelfAssessment,
    StageRun,
    SubmissionStatus,
    TitleHistory,
    VoterRoll,
)
from models.types import utcnow
from notifications import events
from rules.eligibility import nominate
from rules.stages import Stage
from thidua.errors import WrongStage
from thidua.services import audit, council, receipts, votes
from thidua.services import documents as docs
from thidua.services.context import (
    CampaignView,
    latest_stage_run,
    open_stage_run,
)
from thidua.services.drive_points import fix_drive_points
from thidua.services.gaps import Review, rankings
from thidua.services.progress import Verdict, latest_assessments
from thidua.services.results import closed_result, outcome_of, ranking_of, vote_of


def ensure_open(session: Session, view: CampaignView) -> StageRun | None:
    """The stage run the campaign is in, opening the first stage on a fresh campaign.

    None once the campaign has completed.
    """
    if view.campaign.status == CampaignStatus.COMPLETED:
        return None
    run = open_stage_run(session, view)
    if run is not None:
        return run
    if latest_stage_run(session, view.id, Stage.SELF_ASSESSMENT) is None:
        return open_stage(session, view, Stage.SELF_ASSESSMENT)
    raise WrongStage(f"{view.run_name}: không có giai đoạn nào đang mở")


def open_stage(session: Session, view: CampaignView, stage: Stage) -> StageRun:
    previous = latest_stage_run(session, view.id, stage)
    attempt = previous.attempt + 1 if previous else 1
    deadline = view.rules.deadlines[stage]
    now = utcnow()
    run = StageRun(
        campaign_id=view.id,
        stage=stage,
        attempt=attempt,
        opened_at=now,
        due_at=now + deadline.duration,
        on_deadline=deadline.on_deadline,
    )
    session.add(run)
    view.campaign.stage = stage
    view.campaign.status = CampaignStatus.RUNNING
    view.campaign.updated_at = now
    session.add(view.campaign)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="stage.open",
        campaign_id=view.id,
        entity="stagerun",
        entity_id=run.id,
        after={"stage": stage, "attempt": attempt, "due_at": run.due_at.isoformat()},
        key=f"stage.open:{view.id}:{stage}:{attempt}",
    )
    if stage == Stage.SELF_ASSESSMENT:
        fix_drive_points(session, view)  # once per campaign: a later opening keeps them
    events.stage_opened(session, view, run)
    return run


def close_stage(session: Session, view: CampaignView, run: StageRun, verdict: Verdict) -> bool:
    """Close `run` with its results and open what follows. False if it was already closed."""
    session.refresh(run, with_for_update=True)
    if run.closed_at is not None:
        return False
    closer = _CLOSERS[run.stage]
    result, follow = closer(session, view, run)
    run.closed_at = utcnow()
    run.close_reason = "returned" if result.get("returned_to") else verdict.value
    run.result_json = result
    session.add(run)
    audit.record(
        session,
        actor=None,
        action="stage.close",
        campaign_id=view.id,
        entity="stagerun",
        entity_id=run.id,
        after={"stage": run.stage, "attempt": run.attempt, "reason": run.close_reason},
        key=f"stage.close:{run.id}",
    )
    events.stage_closed(session, view, run)
    if follow is not None:
        open_stage(session, view, follow)
    else:
        view.campaign.status = CampaignStatus.COMPLETED
        view.campaign.updated_at = utcnow()
        session.add(view.campaign)
        audit.record(
            session,
            actor=None,
            action="campaign.complete",
            campaign_id=view.id,
            entity="campaign",
            entity_id=view.id,
            key=f"campaign.complete:{view.id}",
        )
    return True


def _latest_submitted(session: Session, run_id: int) -> dict[int, SelfAssessment]:
    latest = latest_assessments(session, run_id)
    return {u: sa for u, sa in latest.items() if sa.status == SubmissionStatus.SUBMITTED}


def _close_self_assessment(
    session: Session, view: CampaignView, run: StageRun
) -> tuple[dict[str, Any], Stage | None]:
    assert run.id is not None
    latest = _latest_submitted(session, run.id)
    submitted = [u.code for u in view.members if u.id in latest]
    missing = [u.code for u in view.members if u.id not in latest]
    return {"submitted": submitted, "missing": missing}, Stage.PEER_REVIEW


def _close_peer_review(
    session: Session, view: CampaignView, run: StageRun
) -> tuple[dict[str, Any], Stage | None]:
    assert run.id is not None
    ranking = rankings(session, [Review.of(view, run)])[run.id]
    return {"ranking": [r.model_dump(mode="json") for r in ranking]}, Stage.VOTE


def _close_vote(
    session: Session, view: CampaignView, run: StageRun
) -> tuple[dict[str, Any], Stage | None]:
    ranking = ranking_of(session, view.id)
    assert ranking is not None and run.id is not None
    receipts.reseal(session, run)
    result = votes.count(session, view, run)
    roll = {
        r.unit_id: r.written
        for r in session.exec(select(VoterRoll).where(VoterRoll.stage_run_id == run.id)).all()
    }
    voted = [u.code for u in view.members if u.id in roll]
    absent = [u.code for u in view.members if u.id not in roll]
    written = [u.code for u in view.members if roll.get(u.id)]
    docs.store_minutes(
        session,
        view,
        run,
        ranking=ranking,
        vote=result,
        voted=voted,
        absent=absent,
        written=written,
    )
    return (
        {
            "vote": result.model_dump(mode="json"),
            "voted": voted,
            "absent": absent,
            "written": written,
            "receipts": receipts.counted_fingerprints(session, run),
        },
        Stage.APPROVAL,
    )


def _close_approval(
    session: Session, view: CampaignView, run: StageRun
) -> tuple[dict[str, Any], Stage | None]:
    decision = session.exec(
        select(Decision).where(
            Decision.stage_run_id == run.id,
            col(Decision.kind).in_(
                [DecisionKind.APPROVE, DecisionKind.AMEND, DecisionKind.RETURN_STAGE]
            ),
        )
    ).one()
    if decision.kind == DecisionKind.RETURN_STAGE:
        target = Stage(str(decision.payload["return_to"]))
        return {"returned_to": target.value, "reason": decision.reason}, target
    vote = vote_of(session, view.id)
    assert vote is not None
    titles: dict[str, str | None] = {t.unit: t.title for t in vote.titles if t.approved}
    amendments = decision.payload.get("amendments") or {}
    assert isinstance(amendments, dict)
    titles.update(amendments)
    outcome = {
        "decision": decision.kind.value,
        "reason": decision.reason,
        "amendments": amendments,
        "titles": {u: t for u, t in titles.items() if t},
        "acclaimed": vote.acclaim.winner,
        # Stored results from before flags had their own threshold put the acclaimed forward.
        "flag": vote.flag.unit
        if vote.flag is not None and vote.flag.nominated
        else (vote.acclaim.winner if vote.flag is None else None),
        "leader": vote.leader.winner,
        "deputy": vote.deputy.winner,
    }
    ranking = ranking_of(session, view.id)
    assert ranking is not None
    docs.store_decision(session, view, decision, outcome=outcome, ranking=ranking)
    return outcome, Stage.NOMINATION


def _close_nomination(
    session: Session, view: CampaignView, run: StageRun
) -> tuple[dict[str, Any], Stage | None]:
    outcome = outcome_of(session, view.id)
    ranking = ranking_of(session, view.id)
    assert outcome is not None and ranking is not None
    ids = {u.code: u.id for u in view.members}
    past = council.past_titles(session, ids, view.year)
    candidates = nominate(
        view.rules,
        year=view.year,
        ranking=ranking,
        approved_titles=outcome["titles"],
        acclaimed=outcome.get("flag", outcome["acclaimed"]),
        history=past.held,
        pending=past.pending,
    )
    for c in candidates:
        exists = session.exec(
            select(Nomination).where(
                Nomination.campaign_id == view.id,
                Nomination.unit_id == ids[c.unit],
                Nomination.title == c.title,
            )
        ).first()
        if exists is None:
            session.add(
                Nomination(
                    campaign_id=view.id,
                    unit_id=ids[c.unit],
                    title=c.title,
                    score=float(c.score),
                    rank=c.rank,
                    eligible=c.eligible,
                    reasons=list(c.reasons),
                    unrecorded_years=list(c.unrecorded_years) or None,
                    record_check="pending" if c.unrecorded_years else None,
                    status=NominationStatus.SUBMITTED
                    if c.eligible
                    else NominationStatus.INELIGIBLE,
                )
            )
    _record_year(session, view, outcome)
    docs.store_nomination_dossiers(
        session, view, run, candidates=candidates, outcome=outcome, ranking=ranking
    )
    return {"nominations": [c.model_dump(mode="json") for c in candidates]}, None


def _record_year(session: Session, view: CampaignView, outcome: dict[str, Any]) -> None:
    """Approved titles become history (for next years' prerequisites); the elected leader and
    deputy lead the cluster next year."""
    ids = {u.code: u.id for u in view.members}
    for code, title in outcome["titles"].items():
        unit_id = ids[code]
        assert unit_id is not None
        if (
            session.exec(
                select(TitleHistory).where(
                    TitleHistory.unit_id == unit_id,
                    TitleHistory.year == view.year,
                    TitleHistory.title == title,
                )
            ).first()
            is None
        ):
            session.add(TitleHistory(unit_id=unit_id, year=view.year, title=title))
    next_year = view.year + 1
    if (
        session.exec(
            select(Membership).where(
                Membership.cluster_id == view.cluster.id, Membership.year == next_year
            )
        ).first()
        is not None
    ):
        return  # next year's membership was already set up (by an admin or an earlier run)
    roles = next_roles(view, outcome.get("leader"), outcome.get("deputy"))
    for unit in view.members:
        if unit.retired_from is not None and unit.retired_from <= next_year:
            continue
        assert unit.id is not None and view.cluster.id is not None
        role, carried = roles.get(unit.code, (MemberRole.MEMBER, False))
        session.add(
            Membership(
                cluster_id=view.cluster.id,
                unit_id=unit.id,
                year=next_year,
                role=role,
                carried_over=carried,
            )
        )


def next_roles(
    view: CampaignView, leader: str | None, deputy: str | None
) -> dict[str, tuple[MemberRole, bool]]:
    """Next year's leader and deputy: the elected ones; where the vote elected no one (no
    quorum, an unresolved tie), this year's, carried over until the directorate appoints
    others, so that next year's cycle is never blocked by an election that did not happen."""
    roles: dict[str, tuple[MemberRole, bool]] = {}
    for role, elected, now in (
        (MemberRole.LEADER, leader, view.leader),
        (MemberRole.DEPUTY, deputy, view.deputy),
    ):
        if elected is not None and elected not in roles:
            roles[elected] = (role, False)
        elif now is not None and now.code not in roles:
            roles[now.code] = (role, True)
    return roles


_CLOSERS = {
    Stage.SELF_ASSESSMENT: _close_self_assessment,
    Stage.PEER_REVIEW: _close_peer_review,
    Stage.VOTE: _close_vote,
    Stage.APPROVAL: _close_approval,
    Stage.NOMINATION: _close_nomination,
}


def stage_summary(session: Session, campaign_id: int, stage: Stage) -> dict[str, Any] | None:
    return closed_result(session, campaign_id, stage)
