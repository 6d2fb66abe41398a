"""Self and peer scores side by side, as the cluster's rules consolidate them.

The one place that gathers the figures `rules.scoring.consolidate` turns into each unit's gap
and its flag (|self − mean of peers| > CycleRules.gap_threshold): the close of the peer review
stores them in the ranking, and while the review is open the same figures, from the reviews in
so far, say which units are flagged now and so may file an explanation (giải trình).

The figures are read for many peer reviews at once, a few column-only queries for all of them
(`rankings`), the way a whole nation's results are recomputed; one campaign's close reads them
the same way for its one review. Building ORM objects campaign by campaign cost several times
the arithmetic at national scale (BENCHMARKS.md, "Scoring and tallying").
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Executable
from sqlmodel import Session, col, select

from models import (
    Campaign,
    Cycle,
    Membership,
    PeerReview,
    SelfAssessment,
    StageRun,
    SubmissionStatus,
    Unit,
)
from rules.config import CycleRules
from rules.results import RankedUnit, UnitScore
from rules.scoring import consolidate, rank_units
from rules.stages import Stage
from thidua.services.context import CampaignView, parse_rules

T = TypeVar("T")

# Ids per IN (…): well under SQLite's limit on a statement's parameters.
CHUNK = 500


@dataclass(frozen=True)
class Review:
    """A peer review to score: its stage run, its campaign's rules and member units."""

    run_id: int
    campaign_id: int
    rules: CycleRules
    members: tuple[tuple[int, str], ...]  # (unit id, unit code), by code

    @classmethod
    def of(cls, view: CampaignView, run: StageRun) -> "Review":
        assert run.id is not None
        members = tuple((u.id, u.code) for u in view.members if u.id is not None)
        return cls(run_id=run.id, campaign_id=view.id, rules=view.rules, members=members)


def unit_scores(session: Session, view: CampaignView, pr_run: StageRun) -> list[UnitScore]:
    """Every member's self total (newest submitted version of the closed self-assessment) and
    the peer totals of `pr_run`, consolidated by the cycle's rules."""
    review = Review.of(view, pr_run)
    return scores(session, [review])[review.run_id]


def rankings(session: Session, reviews: Sequence[Review]) -> dict[int, list[RankedUnit]]:
    """Each review's ranking (by its stage run id), as the close of the review stores it."""
    by_run = scores(session, reviews)
    return {r.run_id: rank_units(r.rules, by_run[r.run_id]) for r in reviews}


def scores(session: Session, reviews: Sequence[Review]) -> dict[int, list[UnitScore]]:
    """`unit_scores` of many peer reviews at once, by stage run id: five queries per chunk of
    campaigns whatever their number, reading only the columns the scores need."""
    out: dict[int, list[UnitScore]] = {}
    # A stored total (a float) as the decimal it was written as; totals repeat across a
    # nation's 90,000 reviews, so each is converted once.
    points: dict[float, Decimal] = {}

    def decimal(total: float) -> Decimal:
        found = points.get(total)
        if found is None:
            found = points[total] = Decimal(str(total))
        return found

    for part in _chunks(list(reviews)):
        sa_runs = _self_assessment_runs(session, [r.campaign_id for r in part])
        own = _self_totals(session, list(sa_runs.values()))
        peers = _peer_totals(session, [r.run_id for r in part])
        for r in part:
            by_id = dict(r.members)
            self_totals: dict[str, Decimal] = {}
            sa_run = sa_runs.get(r.campaign_id)
            assert sa_run is not None, f"campaign #{r.campaign_id}: self-assessment not closed"
            # In version order: the newest version wins, submitted or not.
            for unit_id, status, total in own.get(sa_run, []):
                if unit_id in by_id:
                    if status == SubmissionStatus.SUBMITTED:
                        self_totals[by_id[unit_id]] = decimal(total)
                    else:
                        self_totals.pop(by_id[unit_id], None)
            peer_totals: dict[str, list[Decimal]] = {code: [] for _, code in r.members}
            # In the reviewers' order, not the database's: a recount anywhere gives the same.
            rows = sorted(peers.get(r.run_id, []), key=lambda row: by_id.get(row[0], ""))
            for _reviewer, reviewee, total in rows:
                if reviewee in by_id:
                    peer_totals[by_id[reviewee]].append(decimal(total))
            codes = [code for _, code in r.members]
            out[r.run_id] = consolidate(r.rules, codes, self_totals, peer_totals)
    return out


def open_reviews(session: Session) -> list[Review]:
    """Every open peer review of the nation, read in batches of columns: each with its
    cycle's rules and its cluster's members that year."""
    stmt = (
        select(
            col(StageRun.id),
            col(StageRun.campaign_id),
            col(Campaign.cluster_id),
            col(Cycle.year),
            col(Cycle.id),
        )
        .join(Campaign, col(Campaign.id) == col(StageRun.campaign_id))
        .join(Cycle, col(Cycle.id) == col(Campaign.cycle_id))
        .where(StageRun.stage == Stage.PEER_REVIEW, col(StageRun.closed_at).is_(None))
        .order_by(col(StageRun.campaign_id))
    )
    runs = _rows(session, stmt)
    # A cycle's rules once per cycle, not once per campaign: the text is long.
    cycles = sorted({cycle for *_, cycle in runs})
    rules = {
        cycle: parse_rules(text)
        for cycle, text in _rows(
            session, select(Cycle.id, Cycle.rules_json).where(col(Cycle.id).in_(cycles))
        )
    }
    members: dict[tuple[int, int], list[tuple[int, str]]] = {}
    years = sorted({year for _, _, _, year, _ in runs})
    for part in _chunks(sorted({cluster for _, _, cluster, _, _ in runs})):
        for cluster, year, unit_id, code in _rows(
            session,
            select(Membership.cluster_id, Membership.year, Unit.id, Unit.code)
            .join(Unit, col(Unit.id) == col(Membership.unit_id))
            .where(col(Membership.cluster_id).in_(part), col(Membership.year).in_(years))
            .order_by(col(Unit.code)),
        ):
            members.setdefault((cluster, year), []).append((unit_id, code))
    return [
        Review(
            run_id=run_id,
            campaign_id=campaign_id,
            rules=rules[cycle],
            members=tuple(members.get((cluster, year), [])),
        )
        for run_id, campaign_id, cluster, year, cycle in runs
    ]


def _self_assessment_runs(session: Session, campaign_ids: list[int]) -> dict[int, int]:
    """Each campaign's latest closed self-assessment run (a return reopens the stage)."""
    latest: dict[int, int] = {}
    for campaign_id, run_id in session.exec(
        select(StageRun.campaign_id, StageRun.id)
        .where(
            col(StageRun.campaign_id).in_(campaign_ids),
            StageRun.stage == Stage.SELF_ASSESSMENT,
            col(StageRun.closed_at).is_not(None),
        )
        .order_by(col(StageRun.attempt))
    ).all():
        assert run_id is not None
        latest[campaign_id] = run_id
    return latest


def _self_totals(session: Session, run_ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    found: dict[int, list[tuple[Any, ...]]] = {}
    for run_id, unit_id, status, total in _rows(
        session,
        select(
            SelfAssessment.stage_run_id,
            SelfAssessment.unit_id,
            SelfAssessment.status,
            SelfAssessment.total,
        )
        .where(col(SelfAssessment.stage_run_id).in_(run_ids))
        .order_by(col(SelfAssessment.version)),
    ):
        found.setdefault(run_id, []).append((unit_id, status, total))
    return found


def _peer_totals(session: Session, run_ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
    found: dict[int, list[tuple[Any, ...]]] = {}
    for run_id, reviewer, reviewee, total in _rows(
        session,
        select(
            PeerReview.stage_run_id,
            PeerReview.reviewer_unit_id,
            PeerReview.reviewee_unit_id,
            PeerReview.total,
        )
        # No ORDER BY: a reviewee's totals are put in their reviewers' order below (a
        # reviewer reviews a unit once), and sorting 90,000 rows here cost more than that.
        .where(col(PeerReview.stage_run_id).in_(run_ids)),
    ):
        found.setdefault(run_id, []).append((reviewer, reviewee, total))
    return found


def _rows(session: Session, statement: Executable) -> Sequence[Any]:
    """Plain rows, without the ORM's result processing (a third of the time on 90,000 review
    totals); the session's pending rows are flushed first, as a query through it would."""
    session.flush()
    return session.connection().execute(statement).all()


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]
