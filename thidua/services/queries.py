"""Read models for people: every campaign's state, a person's inbox, a campaign's results."""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import false, or_, tuple_
from sqlmodel import Session, col, select

from models import (
    Actor,
    AuditEvent,
    Campaign,
    CampaignStatus,
    Cycle,
    Document,
    MemberRole,
    Membership,
    Nomination,
    Role,
    StageRun,
    Unit,
)
from rules.stages import Stage
from thidua import localtime
from thidua.services.access import READ_ALL
from thidua.services.context import CampaignView, load_campaign, open_stage_run
from thidua.services.explanations import Gap, flagged
from thidua.services.progress import Verdict, progress
from thidua.services.results import closed_result, outcome_of, ranking_of, vote_of


@dataclass(frozen=True)
class CampaignState:
    campaign_id: int
    name: str
    stage: str
    stage_label: str
    status: str
    attempt: int | None
    due_at: datetime | None
    received: int
    expected: int
    missing: list[dict[str, str]]
    ready: bool  # may move on now (inputs in and confirmed, deadline passed, decided)
    flow_run_id: UUID | None
    # During the peer review: units flagged for their self/peer gap, with their explanation.
    explanations: list[dict[str, str | None]] = field(default_factory=list)
    # Units that have done what the open stage asks of them ({"unit", "name"}).
    acted: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["due_at"] = localtime.iso(self.due_at)
        d["flow_run_id"] = str(self.flow_run_id) if self.flow_run_id else None
        return d


def campaign_state(session: Session, view: CampaignView) -> CampaignState:
    run = open_stage_run(session, view)
    base = dict(
        campaign_id=view.id,
        name=view.run_name,
        stage=view.campaign.stage.value,
        stage_label=view.campaign.stage.label,
        status=view.campaign.status.value,
        flow_run_id=view.campaign.flow_run_id,
    )
    if run is None:
        return CampaignState(
            **base, attempt=None, due_at=None, received=0, expected=0, missing=[], ready=False
        )
    state = progress(session, view, run)
    return CampaignState(
        **base,
        attempt=run.attempt,
        due_at=run.due_at,
        received=state.received,
        expected=state.expected,
        missing=[{"unit": m.unit, "name": m.name, "what": m.what} for m in state.missing],
        ready=state.verdict != Verdict.WAITING,
        explanations=[_gap_json(g) for g in flagged_now(session, view, run)],
        acted=[
            {"unit": u.code, "name": u.name}
            for u in view.members
            if u.code in set(state.received_units)
        ],
    )


def flagged_now(session: Session, view: CampaignView, run: StageRun) -> list[Gap]:
    return flagged(session, view, run) if run.stage == Stage.PEER_REVIEW else []


def _gap_json(g: Gap) -> dict[str, str | None]:
    def num(v: object) -> str | None:
        return None if v is None else str(v)

    return {
        "unit": g.unit,
        "name": g.name,
        "self_total": num(g.self_total),
        "peer_mean": num(g.peer_mean),
        "gap": num(g.gap),
        "text": g.text,
    }


OPEN = (CampaignStatus.WAITING, CampaignStatus.RUNNING)


def campaign_ids(
    session: Session,
    *,
    year: int | None = None,
    concerning: Actor | None = None,
    readable_by: Actor | None = None,
    open_only: bool = False,
) -> list[int]:
    """Campaign ids in order; `concerning` keeps those where the person has a part (their unit
    is a member, or leads the cluster, that year; the directorate: those at approval or
    escalated to it), chosen in SQL so that a person's commands cost what their work costs.
    `readable_by` keeps those the person may read (access.require_reader_of)."""
    stmt = select(Campaign.id).join(Cycle, col(Cycle.id) == col(Campaign.cycle_id))
    if year is not None:
        stmt = stmt.where(Cycle.year == year)
    if open_only:
        stmt = stmt.where(col(Campaign.status).in_(OPEN))
    assert readable_by is None or concerning is None, "one scope at a time"
    if readable_by is not None and readable_by.role not in READ_ALL:
        stmt = _member_of(session, stmt, readable_by)
    if concerning is not None:
        scoped = _concerning(session, stmt, concerning)
        if scoped is None:
            return []
        stmt = scoped
    return [i for i in session.exec(stmt.order_by(col(Campaign.id))).all() if i is not None]


def _member_of(session: Session, stmt: Any, actor: Actor, *, leading: bool = False) -> Any:
    """Campaigns of the clusters `actor`'s unit belongs to (or leads), in their year; none
    without a unit. The unit's few (cluster, year) places are read first, by its own index, and
    the campaigns chosen by them: one join of campaigns to memberships lets PostgreSQL, before
    it has statistics (a freshly loaded nation), scan every membership of the year once per
    campaign (1 s at 1000 open campaigns, against 20 ms with this plan)."""
    places = select(Membership.cluster_id, Membership.year).where(
        Membership.unit_id == (actor.unit_id if actor.unit_id is not None else -1)
    )
    if leading:
        places = places.where(Membership.role == MemberRole.LEADER)
    rows = [tuple(r) for r in session.exec(places).all()]
    if not rows:
        return stmt.where(false())
    return stmt.where(tuple_(col(Campaign.cluster_id), col(Cycle.year)).in_(rows))


def _concerning(session: Session, stmt: Any, actor: Actor) -> Any:
    if actor.role in (Role.UNIT_OFFICER, Role.CLUSTER_LEADER):
        if actor.unit_id is None:
            return None
        return _member_of(session, stmt, actor, leading=actor.role == Role.CLUSTER_LEADER)
    if actor.role == Role.DIRECTORATE:
        return stmt.where(
            col(Campaign.id).in_(
                select(StageRun.campaign_id).where(
                    col(StageRun.closed_at).is_(None),
                    or_(
                        col(StageRun.stage) == Stage.APPROVAL,
                        col(StageRun.escalated_at).is_not(None),
                    ),
                )
            )
        )
    return None


def status(
    session: Session,
    *,
    year: int | None = None,
    concerning: Actor | None = None,
    campaign_id: int | None = None,
) -> list[CampaignState]:
    if campaign_id is not None:
        return [campaign_state(session, load_campaign(session, campaign_id))]
    return [
        campaign_state(session, load_campaign(session, i))
        for i in campaign_ids(session, year=year, concerning=concerning)
    ]


def ready_to_move(session: Session) -> list[CampaignState]:
    """Waiting campaigns that could move now: what the deadline sweep wakes."""
    states = []
    for i in session.exec(
        select(Campaign.id).where(Campaign.status == CampaignStatus.WAITING)
    ).all():
        assert i is not None
        state = campaign_state(session, load_campaign(session, i))
        if state.ready and state.flow_run_id is not None:
            states.append(state)
    return states


def unit_code_of(session: Session, unit_id: int) -> str:
    unit = session.get(Unit, unit_id)
    return unit.code if unit else ""


def report(session: Session, campaign_id: int) -> dict[str, Any]:
    """Everything a campaign decided, in one structure (the CLI prints it; --json dumps it)."""
    # Imported here: the council's decisions and the history are the report's alone, and
    # `thidua pending` and `status` import this module at every start.
    from thidua.services.council import latest_decisions, nomination_status
    from thidua.services.history import history

    view = load_campaign(session, campaign_id)
    names = {u.code: u.name for u in view.members}
    ranking = ranking_of(session, campaign_id)
    vote = vote_of(session, campaign_id)
    outcome = outcome_of(session, campaign_id)
    sa = closed_result(session, campaign_id, Stage.SELF_ASSESSMENT)
    nominations = session.exec(
        select(Nomination, Unit)
        .join(Unit, col(Unit.id) == col(Nomination.unit_id))
        .where(Nomination.campaign_id == campaign_id)
        .order_by(col(Nomination.id))
    ).all()
    council_decisions = latest_decisions(session, [n.id for n, _ in nominations if n.id])
    documents = session.exec(
        select(Document.key)
        .where(Document.campaign_id == campaign_id, Document.fmt != "json")  # contexts: for Word
        .order_by(col(Document.id))
    ).all()
    returns = session.exec(
        select(AuditEvent).where(
            AuditEvent.campaign_id == campaign_id, AuditEvent.action == "self_assessment.return"
        )
    ).all()
    return {
        "campaign_id": campaign_id,
        "name": view.run_name,
        "stage": view.campaign.stage.value,
        "status": view.campaign.status.value,
        "units": names,
        "missing_self_assessment": sa["missing"] if sa else [],
        "returned_for_revision": [e.after["unit"] for e in returns if e.after],
        "ranking": [r.model_dump(mode="json") for r in ranking] if ranking else [],
        "vote": vote.model_dump(mode="json") if vote else None,
        "outcome": outcome,
        "nominations": [
            {
                "unit": u.code,
                "name": u.name,
                "title": n.title,
                "rank": n.rank,
                "score": n.score,
                "eligible": n.eligible,
                "status": n.status.value,
                "reasons": n.reasons,
                **nomination_status(n, council_decisions.get(n.id or 0)),
            }
            for n, u in nominations
        ],
        "documents": list(documents),
        "history": history(session, campaign_id, names),
        "flow_run_id": str(view.campaign.flow_run_id) if view.campaign.flow_run_id else None,
    }
