"""The cluster vote beyond one's own ballot: written ballots of absent members, the chair's
decision of a quota tie, and the recount of the stored ballots (kiểm phiếu lại)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from models import Actor, Ballot, Decision, DecisionKind, Role, StageRun, VoterRoll
from models.types import utcnow
from rules.errors import RuleViolation
from rules.quota import check_chair_choice
from rules.results import BallotContent, QuotaTie, VoteResult
from rules.stages import Stage
from rules.tally import tally
from thidua.errors import Forbidden, InvalidInput, NotFound, NotReady
from thidua.limits import REASON, check_text
from thidua.services import audit
from thidua.services.access import require_cluster_leader
from thidua.services.context import CampaignView, load_campaign, require_open_stage
from thidua.services.deadlines import effective_due
from thidua.services.results import ranking_of


def cast_written_ballot(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    unit_code: str,
    ballot: BallotContent,
    via: str = "cli",
) -> str:
    """The cluster leader enters the sealed written ballot of a member absent from the meeting.

    It is checked as that unit's own ballot (no vote for itself), counts for the quorum like any
    other, and only the voter roll says it was written: the ballot row stays anonymous.
    """
    # Imported here: counting and the ties (read by `thidua pending`, `status`) write nothing.
    from thidua.services.submissions import store_ballot

    view = load_campaign(session, campaign_id)
    require_cluster_leader(actor, view, "nhập phiếu bầu bằng văn bản của đơn vị vắng mặt")
    unit = view.unit(unit_code)
    return store_ballot(session, view, unit, ballot, actor=actor, via=via, written=True)


# Who decided a tie, as the decision's payload and the minutes name it.
BY_CHAIR, BY_DIRECTORATE = "chair", "directorate"


def tie_decisions(session: Session, run: StageRun) -> dict[str, Decision]:
    """The recorded decision per title; a later decision for a title replaces an earlier."""
    rows = session.exec(
        select(Decision)
        .where(Decision.stage_run_id == run.id, Decision.kind == DecisionKind.CHAIR_TIE)
        .order_by(col(Decision.id))
    ).all()
    return {
        str(row.payload.get("title")): row
        for row in rows
        if isinstance(row.payload.get("units"), list)
    }


def chair_choices(session: Session, run: StageRun) -> dict[str, list[str]]:
    """The chair's (or, after escalation, the directorate's) recorded choice per title."""
    return {title: chosen_units(row) for title, row in tie_decisions(session, run).items()}


def chosen_units(row: Decision) -> list[str]:
    units = row.payload.get("units")
    return [str(u) for u in units] if isinstance(units, list) else []


def count(session: Session, view: CampaignView, run: StageRun) -> VoteResult:
    """The tally of the ballots stored for `run`, with the chair's recorded choices."""
    ranking = ranking_of(session, view.id)
    if ranking is None:
        raise NotReady(f"{view.run_name}: chưa có bảng xếp hạng để kiểm phiếu")
    rows = session.exec(select(Ballot).where(Ballot.stage_run_id == run.id)).all()
    # Sorted by content, never by the database's order: the count cannot depend on it.
    contents = sorted((r.content for r in rows), key=lambda c: repr(sorted(c.items())))
    ballots = [BallotContent.model_validate(c) for c in contents]
    decided = tie_decisions(session, run)
    result = tally(view.rules, ballots, ranking, chair_choices(session, run))
    by_directorate = {t for t, row in decided.items() if row.payload.get("by") == BY_DIRECTORATE}
    if not by_directorate:
        return result
    # The rules know one chair; the record says who sat in its place, and the minutes name it.
    titles = tuple(
        t.model_copy(update={"decided_by": BY_DIRECTORATE})
        if t.title in by_directorate and t.decided_by == BY_CHAIR
        else t
        for t in result.titles
    )
    return result.model_copy(update={"titles": titles})


def _vote_is_in(session: Session, view: CampaignView, run: StageRun) -> bool:
    """No ballot can still change the count: every member voted, or the vote is past due."""
    voted = session.exec(select(VoterRoll.unit_id).where(VoterRoll.stage_run_id == run.id)).all()
    return len(set(voted)) >= len(view.members) or utcnow() >= effective_due(session, run)


def _count_if_chair_decides(
    session: Session, view: CampaignView, run: StageRun
) -> VoteResult | None:
    """The count while its ties are the chair's to decide; None while ballots may still come,
    or where no quota or the lot decides."""
    if run.stage != Stage.VOTE or view.rules.vote.final_tie_break != "chair":
        return None
    if not view.rules.quotas or not _vote_is_in(session, view, run):
        return None
    return count(session, view, run)


def pending_ties(session: Session, view: CampaignView, run: StageRun) -> tuple[QuotaTie, ...]:
    """Ties the chair must decide before the vote closes; none while ballots may still come."""
    result = _count_if_chair_decides(session, view, run)
    return result.chair_pending if result is not None else ()


@dataclass(frozen=True)
class TiedUnit:
    code: str
    name: str
    yes: int
    score: Decimal
    rank: int


@dataclass(frozen=True)
class TieToDecide:
    """A tie as the chair sees it: the title, its places, the tied units' votes and scores."""

    title: str
    places: int
    units: tuple[TiedUnit, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)


def ties_to_decide(session: Session, view: CampaignView, run: StageRun) -> list[TieToDecide]:
    """The pending ties with what the chair weighs: each tied unit's votes, score and rank."""
    result = _count_if_chair_decides(session, view, run)
    if result is None or not result.chair_pending:
        return []
    ranking = {r.unit: r for r in ranking_of(session, view.id) or []}
    yes = {(t.unit, t.title): t.yes for t in result.titles}
    names = {u.code: u.name for u in view.members}
    return [
        TieToDecide(
            title=tie.title,
            places=tie.places,
            units=tuple(
                sorted(
                    (
                        TiedUnit(
                            code=u,
                            name=names.get(u, u),
                            yes=yes.get((u, tie.title), 0),
                            score=ranking[u].consolidated,
                            rank=ranking[u].rank,
                        )
                        for u in tie.units
                    ),
                    key=lambda t: t.rank,
                )
            ),
        )
        for tie in result.chair_pending
    ]


def _may_decide_tie(actor: Actor, view: CampaignView, run: StageRun) -> str:
    """Who `actor` decides as: the chair (the cluster leader), or once the tie was escalated
    past the vote's deadline, the directorate in the chair's place."""
    if actor.role == Role.DIRECTORATE:
        if run.escalated_at is None:
            raise Forbidden(
                f"{view.run_name}: Ban Giám đốc chỉ quyết định thay chủ tọa khi Cụm trưởng chưa "
                "quyết định đến hạn bỏ phiếu và việc đã được chuyển lên"
            )
        return BY_DIRECTORATE
    require_cluster_leader(actor, view, "quyết định đơn vị hòa phiếu (chủ tọa cuộc họp)")
    return BY_CHAIR


def decide_tie(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    title: str,
    units: list[str],
    reason: str,
    via: str = "cli",
) -> Decision:
    """The chair of the meeting (the cluster leader) decides a tie for a quota, on the record;
    after the tie was escalated, the directorate may decide it in the chair's place."""
    view = load_campaign(session, campaign_id)
    if actor.role != Role.DIRECTORATE:
        require_cluster_leader(actor, view, "quyết định đơn vị hòa phiếu (chủ tọa cuộc họp)")
    run = require_open_stage(session, view, Stage.VOTE, lock="update")
    by = _may_decide_tie(actor, view, run)
    if not reason.strip():
        raise InvalidInput("reason", "quyết định của chủ tọa phải ghi rõ lý do")
    check_text("reason", reason, max_length=REASON, multiline=True)
    if not _vote_is_in(session, view, run):
        raise NotReady(
            f"{view.run_name}: còn đơn vị chưa bỏ phiếu và chưa hết hạn bỏ phiếu; chủ tọa chỉ "
            "quyết định khi đã kiểm phiếu xong"
        )
    ties = {t.title: t for t in count(session, view, run).chair_pending}
    previous = chair_choices(session, run).get(title)
    if title not in ties:
        if previous is not None and sorted(previous) == sorted(set(units)):
            # The same decision sent again: already on the record.
            return _latest_decision(session, run, title)
        raise NotFound(f"Không có đơn vị hòa phiếu, hòa điểm nào chờ quyết định cho “{title}”")
    try:
        chosen = check_chair_choice(ties[title], units)
    except RuleViolation as exc:
        raise InvalidInput(exc.field, exc.reason) from exc
    assert run.id is not None and actor.id is not None
    payload: dict[str, Any] = {
        "title": title,
        "units": list(chosen),
        "tied": list(ties[title].units),
        "by": by,
    }
    decision = Decision(
        stage_run_id=run.id,
        kind=DecisionKind.CHAIR_TIE,
        actor_id=actor.id,
        payload=payload,
        reason=reason,
        via=via,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="vote.chair_tie",
        campaign_id=view.id,
        entity="decision",
        entity_id=decision.id,
        after={**payload, "reason": reason, "via": via},
    )
    return decision


def _latest_decision(session: Session, run: StageRun, title: str) -> Decision:
    rows = session.exec(
        select(Decision)
        .where(Decision.stage_run_id == run.id, Decision.kind == DecisionKind.CHAIR_TIE)
        .order_by(col(Decision.id).desc())
    ).all()
    return next(r for r in rows if r.payload.get("title") == title)


@dataclass(frozen=True)
class Recount:
    stored: VoteResult
    recount: VoteResult
    differences: tuple[str, ...]  # paths of the stored result the recount disagrees with

    @property
    def equal(self) -> bool:
        return not self.differences


def _diff(a: object, b: object, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted({*a, *b}) for d in _diff(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _diff(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [path.lstrip(".")]


def retally(session: Session, campaign_id: int) -> Recount:
    """Count the stored ballots of the closed vote again and compare with the stored result."""
    view = load_campaign(session, campaign_id)
    run = session.exec(
        select(StageRun)
        .where(
            StageRun.campaign_id == view.id,
            StageRun.stage == Stage.VOTE,
            col(StageRun.closed_at).is_not(None),
            StageRun.close_reason != "returned",
        )
        .order_by(col(StageRun.attempt).desc())
    ).first()
    if run is None or not run.result_json:
        raise NotReady(f"{view.run_name}: chưa kết thúc bỏ phiếu, chưa có kết quả để kiểm lại")
    stored = VoteResult.model_validate(run.result_json["vote"])
    recount = count(session, view, run)
    differences = _diff(stored.model_dump(mode="json"), recount.model_dump(mode="json"), "")
    return Recount(stored=stored, recount=recount, differences=tuple(differences))
