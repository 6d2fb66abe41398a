"""Self and peer scores side by side, as the cluster's rules consolidate them.

The one place that gathers the figures `rules.scoring.consolidate` turns into each unit's gap
and its flag (|self − mean of peers| > CycleRules.gap_threshold): the close of the peer review
stores them in the ranking, and while the review is open the same figures, from the reviews in
so far, say which units are flagged now and so may file an explanation (giải trình).
"""

from decimal import Decimal

from sqlmodel import Session, col, select

from models import PeerReview, SelfAssessment, StageRun, SubmissionStatus
from rules.results import UnitScore
from rules.scoring import consolidate
from rules.stages import Stage
from thidua.services.context import CampaignView, latest_closed_run


def unit_scores(session: Session, view: CampaignView, pr_run: StageRun) -> list[UnitScore]:
    """Every member's self total (newest submitted version of the closed self-assessment) and
    the peer totals of `pr_run`, consolidated by the cycle's rules."""
    sa_run = latest_closed_run(session, view.id, Stage.SELF_ASSESSMENT)
    assert sa_run is not None and sa_run.id is not None
    by_id = {u.id: u.code for u in view.members}
    # Only the columns the scores need, not whole rows: at national scale (a thousand clusters
    # closing at once) building ORM objects cost several times the arithmetic.
    self_totals: dict[str, Decimal] = {}
    for unit_id, status, total in session.exec(
        select(SelfAssessment.unit_id, SelfAssessment.status, SelfAssessment.total)
        .where(SelfAssessment.stage_run_id == sa_run.id)
        .order_by(col(SelfAssessment.version))
    ).all():
        if unit_id in by_id:  # the newest version wins, submitted or not
            code = by_id[unit_id]
            if status == SubmissionStatus.SUBMITTED:
                self_totals[code] = Decimal(str(total))
            else:
                self_totals.pop(code, None)
    peer_totals: dict[str, list[Decimal]] = {code: [] for code in view.member_codes}
    reviews = session.exec(
        select(PeerReview.reviewer_unit_id, PeerReview.reviewee_unit_id, PeerReview.total).where(
            PeerReview.stage_run_id == pr_run.id
        )
    ).all()
    # In the reviewers' order, not the database's: a recount anywhere gives the same result.
    for _reviewer, reviewee, total in sorted(reviews, key=lambda r: by_id.get(r[0], "")):
        if reviewee in by_id:
            peer_totals[by_id[reviewee]].append(Decimal(str(total)))
    return consolidate(view.rules, view.member_codes, self_totals, peer_totals)
