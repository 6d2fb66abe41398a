"""Next year's rules tried on this year's data (`thidua rules dry-run`): a year's campaigns
recomputed under draft rules, unit by unit, beside what was stored. Nothing is written.

The same pure rules the stages use do the work (rescore, consolidate, rank_units, tally,
nominate); the stored ballots are counted as cast, so only the outcomes that depend on scores
and thresholds can move: the ranking, the proposed titles, the acclaim that must go to the top
unit, quota places decided by score, eligibility and nominations. A unit that was not proposed
for a title that year has no answer on any ballot, so under the draft it gets no votes.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from models import (
    Ballot,
    Campaign,
    Cluster,
    Cycle,
    Movement,
    PeerReview,
    PeerScore,
    SelfAssessment,
    SelfScore,
    SubmissionStatus,
)
from rules.config import CycleRules
from rules.eligibility import nominate
from rules.rescore import recomputed_from_drives, rescore, scheme_changes
from rules.results import BallotContent, NominationCandidate, RankedUnit, VoteResult
from rules.scoring import consolidate, rank_units
from rules.stages import Stage
from rules.tally import tally
from thidua.errors import InvalidInput
from thidua.services import council, drive_points
from thidua.services.context import CampaignView, load_campaign
from thidua.services.progress import latest_assessments
from thidua.services.results import (
    closed_result,
    latest_closed_run,
    outcome_of,
    ranking_of,
    vote_of,
)
from thidua.services.votes import chair_choices


class Nominee(BaseModel):
    title: str
    eligible: bool

    def label(self) -> str:
        return self.title if self.eligible else f"{self.title} (không đủ điều kiện)"


class UnitOutcome(BaseModel):
    score: Decimal | None = None
    rank: int | None = None
    proposed_title: str | None = None
    title: str | None = None  # at the furthest stage reached: approved, else voted, else proposed
    nominations: list[Nominee] = []


class UnitChange(BaseModel):
    unit: str
    name: str
    before: UnitOutcome
    after: UnitOutcome
    changed: list[str]  # the fields of UnitOutcome that differ
    notes: list[str] = []


class CampaignDryRun(BaseModel):
    campaign_id: int
    cluster: str
    cluster_name: str
    reached: str  # the last stage with a stored result
    units: list[UnitChange]
    # acclaim, flag, leader, deputy: (before, after)
    elections: dict[str, tuple[str | None, str | None]]
    notes: list[str] = []


class DryRun(BaseModel):
    year: int
    movement: str
    scheme_notes: list[str]
    campaigns: list[CampaignDryRun]

    @property
    def changed_units(self) -> int:
        return sum(1 for c in self.campaigns for u in c.units if u.changed)


def _sheets(rows: Sequence[tuple[int | None, str, float]]) -> dict[int, dict[str, Decimal]]:
    sheets: dict[int, dict[str, Decimal]] = {}
    for owner, code, points in rows:
        assert owner is not None
        sheets.setdefault(owner, {})[code] = Decimal(str(points))
    return sheets


def _drive_points(
    session: Session, view: CampaignView, draft: CycleRules
) -> dict[int, dict[str, Decimal]]:
    """unit id -> the draft's lines computed from the drives that the stored sheets cannot give,
    from the year's recorded drive results as they stand (thidua/services/drive_points.py)."""
    codes = recomputed_from_drives(view.rules.scheme, draft.scheme)
    if not codes:
        return {}
    ids = [u.id for u in view.members if u.id is not None]
    computed = drive_points.compute(
        draft.scheme, drive_points.year_outcomes(session, year=view.year, unit_ids=ids)
    )
    return {u: {c: items[c][0] for c in codes} for u, items in computed.items()}


def _totals(
    session: Session, view: CampaignView, draft: CycleRules
) -> tuple[dict[str, Decimal], dict[str, list[Decimal]]]:
    """Every stored sheet of the campaign, totalled under the draft's scheme."""
    old, new = view.rules.scheme, draft.scheme
    codes = {u.id: u.code for u in view.members}
    sa_run = latest_closed_run(session, view.id, Stage.SELF_ASSESSMENT)
    pr_run = latest_closed_run(session, view.id, Stage.PEER_REVIEW)
    assert sa_run is not None and sa_run.id is not None and pr_run is not None
    # Two queries for all the campaign's sheets, not one per sheet.
    own = _sheets(
        session.exec(
            select(SelfScore.assessment_id, SelfScore.item_code, SelfScore.points)
            .join(SelfAssessment, col(SelfAssessment.id) == col(SelfScore.assessment_id))
            .where(SelfAssessment.stage_run_id == sa_run.id)
        ).all()
    )
    peers = _sheets(
        session.exec(
            select(PeerScore.review_id, PeerScore.item_code, PeerScore.points)
            .join(PeerReview, col(PeerReview.id) == col(PeerScore.review_id))
            .where(PeerReview.stage_run_id == pr_run.id)
        ).all()
    )
    fresh = _drive_points(session, view, draft)
    self_totals: dict[str, Decimal] = {}
    for unit_id, sa in latest_assessments(session, sa_run.id).items():
        if unit_id in codes and sa.status == SubmissionStatus.SUBMITTED:
            assert sa.id is not None
            self_totals[codes[unit_id]] = rescore(old, new, own.get(sa.id, {}), fresh.get(unit_id))
    peer_totals: dict[str, list[Decimal]] = {code: [] for code in view.member_codes}
    reviews = session.exec(select(PeerReview).where(PeerReview.stage_run_id == pr_run.id)).all()
    # In the reviewers' order, as the stage closed them (thidua/services/stages.py).
    for review in sorted(reviews, key=lambda r: codes.get(r.reviewer_unit_id, "")):
        if review.reviewee_unit_id in codes:
            assert review.id is not None
            total = rescore(
                old, new, peers.get(review.id, {}), fresh.get(review.reviewee_unit_id)
            )
            peer_totals[codes[review.reviewee_unit_id]].append(total)
    return self_totals, peer_totals


def _recount(
    session: Session, view: CampaignView, draft: CycleRules, ranking: list[RankedUnit]
) -> tuple[VoteResult | None, list[str]]:
    run = latest_closed_run(session, view.id, Stage.VOTE)
    if run is None:
        return None, []
    proposed = {r.unit for r in ranking if r.proposed_title is not None}
    notes: list[str] = []
    ballots: list[BallotContent] = []
    rows = session.exec(select(Ballot.content).where(Ballot.stage_run_id == run.id)).all()
    for content in sorted(rows, key=lambda c: repr(sorted(c.items()))):
        ballot = BallotContent.model_validate(content)
        kept = {u: ok for u, ok in ballot.titles.items() if u in proposed}
        ballots.append(ballot.model_copy(update={"titles": kept}))
    vote = tally(draft, ballots, ranking, chair_choices(session, run))
    for tie in vote.chair_pending:
        notes.append(
            f"Chỉ tiêu “{tie.title}”: {', '.join(tie.units)} bằng phiếu, bằng điểm cho "
            f"{tie.places} chỗ; chủ tọa sẽ phải quyết định"
        )
    return vote, notes


def _flag(vote: VoteResult) -> str | None:
    # As the approval stage puts it (thidua/services/stages.py, _close_approval).
    if vote.flag is None:
        return vote.acclaim.winner
    return vote.flag.unit if vote.flag.nominated else None


def _titles(vote: VoteResult, outcome: dict[str, Any] | None) -> dict[str, str]:
    titles: dict[str, str | None] = {t.unit: t.title for t in vote.titles if t.approved}
    if outcome is not None:
        # The directorate's amendments were decided by people; the dry-run keeps them.
        titles.update(outcome.get("amendments") or {})
    return {u: t for u, t in titles.items() if t}


def _outcomes(
    ranking: list[RankedUnit],
    vote: VoteResult | None,
    titles: dict[str, str] | None,
    nominations: list[NominationCandidate] | None,
) -> dict[str, UnitOutcome]:
    voted = {t.unit: t.title for t in vote.titles if t.approved} if vote else None
    out: dict[str, UnitOutcome] = {}
    for r in ranking:
        final = titles if titles is not None else voted
        out[r.unit] = UnitOutcome(
            score=r.consolidated,
            rank=r.rank,
            proposed_title=r.proposed_title,
            title=final.get(r.unit) if final is not None else r.proposed_title,
            nominations=[
                Nominee(title=n.title, eligible=n.eligible)
                for n in nominations or ()
                if n.unit == r.unit
            ],
        )
    return out


def _campaign(session: Session, view: CampaignView, draft: CycleRules) -> CampaignDryRun | None:
    stored_ranking = ranking_of(session, view.id)
    if stored_ranking is None:
        return None  # not scored yet: nothing to compare
    draft = draft.model_copy(update={"lot_seed": view.rules.lot_seed})
    self_totals, peer_totals = _totals(session, view, draft)
    ranking = rank_units(draft, consolidate(draft, view.member_codes, self_totals, peer_totals))
    stored_vote, outcome = vote_of(session, view.id), outcome_of(session, view.id)
    stored_nominations = closed_result(session, view.id, Stage.NOMINATION)
    vote, notes = _recount(session, view, draft, ranking)
    titles = _titles(vote, outcome) if vote is not None and outcome is not None else None
    nominations: list[NominationCandidate] | None = None
    if stored_nominations is not None and titles is not None and vote is not None:
        past = council.past_titles(session, {u.code: u.id for u in view.members}, view.year)
        nominations = nominate(
            draft,
            year=view.year,
            ranking=ranking,
            approved_titles=titles,
            acclaimed=_flag(vote),
            history=past.held,
            pending=past.pending,
        )
    before = _outcomes(
        stored_ranking,
        stored_vote,
        dict(outcome["titles"]) if outcome is not None else None,
        [NominationCandidate.model_validate(n) for n in stored_nominations["nominations"]]
        if stored_nominations is not None
        else None,
    )
    after = _outcomes(ranking, vote, titles, nominations)
    was_proposed = {r.unit for r in stored_ranking if r.proposed_title}
    units: list[UnitChange] = []
    for unit in view.members:
        b, a = before[unit.code], after[unit.code]
        changed = [f for f in UnitOutcome.model_fields if getattr(b, f) != getattr(a, f)]
        unit_notes = []
        if vote is not None and a.proposed_title and unit.code not in was_proposed:
            unit_notes.append(
                f"Năm {view.year} không được đề xuất danh hiệu nên không có phiếu tán thành"
            )
        units.append(
            UnitChange(
                unit=unit.code, name=unit.name, before=b, after=a, changed=changed, notes=unit_notes
            )
        )
    elections: dict[str, tuple[str | None, str | None]] = {}
    if stored_vote is not None and vote is not None:
        for key in ("acclaim", "leader", "deputy"):
            elections[key] = (getattr(stored_vote, key).winner, getattr(vote, key).winner)
        elections["flag"] = (_flag(stored_vote), _flag(vote))
    reached = next(
        s.value for s in reversed(list(Stage)) if closed_result(session, view.id, s) is not None
    )
    return CampaignDryRun(
        campaign_id=view.id,
        cluster=view.cluster.code,
        cluster_name=view.cluster.name,
        reached=reached,
        units=units,
        elections=elections,
        notes=notes,
    )


def dry_run(
    session: Session,
    *,
    rules: CycleRules,
    year: int,
    cluster: str | None = None,
    movement: str = "VANTQ",
) -> DryRun:
    """The year's scored campaigns (of one cluster, or all) recomputed under `rules`."""
    cycle = session.exec(
        select(Cycle)
        .join(Movement, col(Movement.id) == col(Cycle.movement_id))
        .where(Cycle.year == year, Movement.code == movement)
    ).first()
    if cycle is None:
        raise InvalidInput("against", f"không có chu kỳ thi đua năm {year} (phong trào {movement})")
    query = select(Campaign.id).where(Campaign.cycle_id == cycle.id)
    if cluster is not None:
        found = session.exec(select(Cluster).where(Cluster.code == cluster)).first()
        if found is None:
            raise InvalidInput("cluster", f"không có cụm thi đua mã '{cluster}'")
        query = query.where(Campaign.cluster_id == found.id)
    campaigns: list[CampaignDryRun] = []
    old_scheme = None
    for campaign_id in session.exec(query.order_by(col(Campaign.id))).all():
        assert campaign_id is not None
        view = load_campaign(session, campaign_id)
        old_scheme = view.rules.scheme
        result = _campaign(session, view, rules)
        if result is not None:
            campaigns.append(result)
    if not campaigns:
        where = f" của cụm {cluster}" if cluster else ""
        raise InvalidInput(
            "against",
            f"năm {year}{where} chưa có đợt bình xét nào đã chấm điểm xong (kết thúc chấm chéo)",
        )
    assert old_scheme is not None
    return DryRun(
        year=year,
        movement=movement,
        scheme_notes=scheme_changes(old_scheme, rules.scheme),
        campaigns=campaigns,
    )
