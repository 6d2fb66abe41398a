"""Peer review: a unit's officer scores every other member unit of the cluster.

All of a unit's reviews in one submit are written together, or none is; sending the same
reviews again is a no-op, and a review once sent is never changed (a Conflict).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import Actor, PeerReview, PeerScore, Unit
from rules.scoring import total_score
from rules.stages import Stage
from thidua.errors import Conflict, InvalidInput, Problem
from thidua.services import audit
from thidua.services.access import require_member_officer
from thidua.services.context import CampaignView, load_campaign
from thidua.services.drive_points import fixed_points
from thidua.services.inputs import ReviewInput
from thidua.services.submissions import accepting, checked_scores, content_sha, insert_rows


def submit_reviews(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    reviews: list[ReviewInput],
    via: str = "cli",
) -> list[PeerReview]:
    """All of a unit's reviews in the list are written together, or none is."""
    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "chấm chéo")
    run = accepting(session, view, Stage.PEER_REVIEW, unit)
    assert run.id is not None and unit.id is not None and actor.id is not None
    checked = _check_reviews(view, unit, reviews, fixed_points(session, view))
    # The unit's reviews already in, read once; any written meanwhile by a concurrent submit
    # fails its insert below on the unique key, and so becomes a Conflict all the same.
    sent = {
        r.reviewee_unit_id: r
        for r in session.exec(
            select(PeerReview).where(
                PeerReview.stage_run_id == run.id, PeerReview.reviewer_unit_id == unit.id
            )
        )
    }
    written: list[PeerReview] = []
    new: list[_NewReview] = []
    for item, reviewee, scores in checked:
        assert reviewee.id is not None
        content = {"scores": {k: str(v) for k, v in scores.items()}, "comment": item.comment}
        digest = content_sha(content)
        existing = sent.get(reviewee.id)
        if existing is not None:
            if existing.content_sha256 == digest:
                written.append(existing)
                continue
            # The reviews before this one first, as if each were written in turn: a race on
            # one of them is the refusal, as it was when each was flushed on its own.
            _insert_reviews(session, run.id, unit, new)
            raise Conflict(f"{unit.name} đã chấm chéo {reviewee.name}; không được chấm lại")
        total = total_score(view.rules.scheme, scores)
        review = PeerReview(
            stage_run_id=run.id,
            reviewer_unit_id=unit.id,
            reviewee_unit_id=reviewee.id,
            total=float(total),
            comment=item.comment,
            content_sha256=digest,
            submitted_by=actor.id,
        )
        new.append(_NewReview(review, reviewee, scores, total, content))
        written.append(review)
    _insert_reviews(session, run.id, unit, new)
    insert_rows(
        session,
        PeerScore,
        [
            {"review_id": n.review.id, "item_code": k, "points": float(v)}
            for n in new
            for k, v in n.scores.items()
        ],
    )
    audit.record_each(
        session,
        actor=actor,
        action="peer_review.submit",
        campaign_id=view.id,
        entity="peerreview",
        items=[
            (
                n.review.id,
                {
                    "reviewer": unit.code,
                    "reviewee": n.reviewee.code,
                    "total": str(n.total),
                    "via": via,
                    **n.content,
                },
            )
            for n in new
        ],
    )
    return written


class _NewReview(NamedTuple):
    review: PeerReview
    reviewee: Unit
    scores: dict[str, Decimal]
    total: Decimal
    content: dict[str, Any]


def _insert_reviews(session: Session, run_id: int, unit: Unit, new: list[_NewReview]) -> None:
    """The new reviews in one insert, in a savepoint. A review another officer of the unit
    wrote meanwhile takes its unique key: the insert fails, and the refusal names the first
    review taken, as one flush per review did."""
    if not new:
        return
    try:
        with session.begin_nested():
            session.add_all(n.review for n in new)
            session.flush()
    except IntegrityError as exc:
        taken = set(
            session.connection()
            .execute(
                select(PeerReview.reviewee_unit_id).where(
                    PeerReview.stage_run_id == run_id, PeerReview.reviewer_unit_id == unit.id
                )
            )
            .scalars()
        )
        first = next((n.reviewee for n in new if n.reviewee.id in taken), new[0].reviewee)
        raise Conflict(f"{unit.name} vừa chấm chéo {first.name}") from exc


def _check_reviews(
    view: CampaignView,
    unit: Unit,
    reviews: list[ReviewInput],
    fixed: Mapping[str, Mapping[str, Decimal]],
) -> list[tuple[ReviewInput, Unit, dict[str, Decimal]]]:
    """Every review checked before any is written; all the problems of all of them at once."""
    problems: list[Problem] = []
    checked = []
    seen: set[str] = set()
    for i, item in enumerate(reviews):
        field = f"reviews[{i}]."
        if item.reviewee == unit.code:
            problems.append(Problem(field + "reviewee", "không được tự chấm chéo đơn vị mình"))
        elif item.reviewee not in view.member_codes:
            problems.append(
                Problem(
                    field + "reviewee", f"'{item.reviewee}' không phải đơn vị thành viên của cụm"
                )
            )
        elif item.reviewee in seen:
            problems.append(Problem(field + "reviewee", f"'{item.reviewee}' được chấm hai lần"))
        seen.add(item.reviewee)
        try:
            scores = checked_scores(view, item.scores, field, fixed.get(item.reviewee))
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        if item.reviewee in view.member_codes and item.reviewee != unit.code:
            checked.append((item, view.unit(item.reviewee), scores))
    if problems:
        raise InvalidInput.of(problems)
    return checked
