"""The cluster vote beyond one's own ballot: written ballots of absent members, the chair's
decision of a quota tie, and the recount of the stored ballots (kiểm phiếu lại)."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from models import Actor, Ballot, Decision, DecisionKind, StageRun, VoterRoll
from models.types import utcnow
from rules.errors import RuleViolation
from rules.quota import check_chair_choice
from rules.results import BallotContent, QuotaTie, VoteResult
from rules.stages import Stage
from rules.tally import tally
from thidua.errors import InvalidInput, NotFound, NotReady
from thidua.limits import REASON, check_text
from thidua.services import audit
from thidua.services.access import require_cluster_leader
from thidua.services.context import CampaignView, load_campaign, require_open_stage
from thidua.services.deadlines import effective_due
from thidua.services.results import ranking_of
from thidua.services.submissions import store_ballot


def cast_written_ballot(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    unit_code: str,
    ballot: BallotContent,
    via: str = "cli",
) -> None:
    """The cluster leader enters the sealed written ballot of a member absent from the meeting.

    It is checked as that unit's own ballot (no vote for itself), counts for the quorum like any
    other, and only the voter roll says it was written: the ballot row stays anonymous.
    """
    view = load_campaign(session, campaign_id)
    require_cluster_leader(actor, view, "nhập phiếu bầu bằng văn bản của đơn vị vắng mặt")
    unit = view.unit(unit_code)
    store_ballot(session, view, unit, ballot, actor=actor, via=via, written=True)


def chair_choices(session: Session, run: StageRun) -> dict[str, list[str]]:
    """The chair's recorded choice per title; a later decision for a title replaces an earlier."""
    choices: dict[str, list[str]] = {}
    rows = session.exec(
        select(Decision)
        .where(Decision.stage_run_id == run.id, Decision.kind == DecisionKind.CHAIR_TIE)
        .order_by(col(Decision.id))
    ).all()
    for row in rows:
        units = row.payload.get("units")
        if isinstance(units, list):
            choices[str(row.payload.get("title"))] = [str(u) for u in units]
    return choices


def count(session: Session, view: CampaignView, run: StageRun) -> VoteResult:
    """The tally of the ballots stored for `run`, with the chair's recorded choices."""
    ranking = ranking_of(session, view.id)
    if ranking is None:
        raise NotReady(f"{view.run_name}: chưa có bảng xếp hạng để kiểm phiếu")
    rows = session.exec(select(Ballot).where(Ballot.stage_run_id == run.id)).all()
    # Sorted by content, never by the database's order: the count cannot depend on it.
    contents = sorted((r.content for r in rows), key=lambda c: repr(sorted(c.items())))
    ballots = [BallotContent.model_validate(c) for c in contents]
    return tally(view.rules, ballots, ranking, chair_choices(session, run))


def _vote_is_in(session: Session, view: CampaignView, run: StageRun) -> bool:
    """No ballot can still change the count: every member voted, or the vote is past due."""
    voted = session.exec(select(VoterRoll.unit_id).where(VoterRoll.stage_run_id == run.id)).all()
    return len(set(voted)) >= len(view.members) or utcnow() >= effective_due(session, run)


def pending_ties(session: Session, view: CampaignView, run: StageRun) -> tuple[QuotaTie, ...]:
    """Ties the chair must decide before the vote closes; none while ballots may still come."""
    if run.stage != Stage.VOTE or view.rules.vote.final_tie_break != "chair":
        return ()
    if not view.rules.quotas or not _vote_is_in(session, view, run):
        return ()
    return count(session, view, run).chair_pending


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
    """The chair of the meeting (the cluster leader) decides a tie for a quota, on the record."""
    view = load_campaign(session, campaign_id)
    require_cluster_leader(actor, view, "quyết định đơn vị hòa phiếu (chủ tọa cuộc họp)")
    run = require_open_stage(session, view, Stage.VOTE, lock="update")
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
