"""Documents a campaign produces (minutes, memo, achievement reports), rendered and attached."""

import hashlib
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlmodel import Session, col, select

from documents.context import (
    AchievementContext,
    CriterionLine,
    MemoContext,
    MinutesContext,
    UnitRef,
)
from documents.render import render_achievement_report, render_memo, render_minutes
from models import Document, PeerReview, PeerScore, SelfAssessment, SelfScore, StageRun
from models.types import utcnow
from rules.results import NominationCandidate, RankedUnit, VoteResult
from rules.stages import Stage
from thidua import localtime
from thidua.services.context import CampaignView, latest_closed_run
from thidua.services.results import closed_result
from thidua.settings import get_settings

FORMATS: tuple[Literal["md", "html"], ...] = ("md", "html")


def _attach(
    session: Session,
    view: CampaignView,
    *,
    key: str,
    kind: str,
    fmt: str,
    content: str,
    unit_id: int | None = None,
) -> None:
    exists = session.exec(
        select(Document).where(Document.campaign_id == view.id, Document.key == key)
    ).first()
    if exists is None:
        session.add(
            Document(
                campaign_id=view.id, key=key, kind=kind, fmt=fmt, content=content, unit_id=unit_id
            )
        )


def _refs(view: CampaignView, codes: list[str]) -> tuple[UnitRef, ...]:
    return tuple(UnitRef(code=c, name=view.unit(c).name) for c in codes)


def _names(view: CampaignView) -> dict[str, str]:
    return {u.code: u.name for u in view.members}


def _local(moment: datetime) -> datetime:
    return localtime.local(moment)


def minutes_context(
    session: Session,
    view: CampaignView,
    run: StageRun,
    *,
    ranking: list[RankedUnit],
    vote: VoteResult,
    voted: list[str],
    absent: list[str],
    written: list[str] = [],  # noqa: B006 - read only
) -> MinutesContext:
    sa = closed_result(session, view.id, Stage.SELF_ASSESSMENT) or {"missing": []}
    chair = view.leader.name if view.leader else view.cluster.name
    return MinutesContext(
        body=view.cluster.body,
        cluster_name=view.cluster.name,
        year=view.year,
        movement=view.movement.name,
        held_at=_local(utcnow()),
        place=f"Trụ sở {chair}",
        chair=chair,
        members=_refs(view, list(view.member_codes)),
        voted=_refs(view, voted),
        # A unit that voted in writing was absent from the meeting.
        absent=_refs(view, [c for c in view.member_codes if c in absent or c in written]),
        written=_refs(view, written),
        no_self_assessment=_refs(view, list(sa["missing"])),
        ranking=tuple(ranking),
        names=_names(view),
        vote=vote,
        rules=view.rules.vote,
        gap_threshold=view.rules.gap_threshold,
        gap_flagged=_refs(view, [r.unit for r in ranking if r.gap_flagged]),
        lot_seed=view.rules.lot_seed,
        closed_reason=(
            "Đủ phiếu, Cụm trưởng xác nhận kết thúc bỏ phiếu"
            if run.confirmed_by is not None
            else "Hết thời hạn bỏ phiếu theo quy định của đợt"
        ),
    )


def store_minutes(
    session: Session,
    view: CampaignView,
    run: StageRun,
    *,
    ranking: list[RankedUnit],
    vote: VoteResult,
    voted: list[str],
    absent: list[str],
    written: list[str] = [],  # noqa: B006 - read only
) -> None:
    ctx = minutes_context(
        session, view, run, ranking=ranking, vote=vote, voted=voted, absent=absent, written=written
    )
    for fmt in FORMATS:
        _attach(
            session,
            view,
            key=f"bien-ban-lan-{run.attempt}.{fmt}",
            kind="bien_ban",
            fmt=fmt,
            content=render_minutes(ctx, fmt),
        )


def _criteria_lines(
    session: Session, view: CampaignView, unit_id: int
) -> tuple[CriterionLine, ...]:
    sa_run = latest_closed_run(session, view.id, Stage.SELF_ASSESSMENT)
    pr_run = latest_closed_run(session, view.id, Stage.PEER_REVIEW)
    own: dict[str, Decimal] = {}
    if sa_run is not None:
        sa = session.exec(
            select(SelfAssessment)
            .where(SelfAssessment.stage_run_id == sa_run.id, SelfAssessment.unit_id == unit_id)
            .order_by(col(SelfAssessment.version).desc())
        ).first()
        if sa is not None and sa.status == "submitted":
            own = {
                s.item_code: Decimal(str(s.points))
                for s in session.exec(
                    select(SelfScore).where(SelfScore.assessment_id == sa.id)
                ).all()
            }
    peers: dict[str, list[Decimal]] = defaultdict(list)
    if pr_run is not None:
        for code, points in session.exec(
            select(PeerScore.item_code, PeerScore.points)
            .join(PeerReview, col(PeerReview.id) == col(PeerScore.review_id))
            .where(PeerReview.stage_run_id == pr_run.id, PeerReview.reviewee_unit_id == unit_id)
        ).all():
            peers[code].append(Decimal(str(points)))
    return tuple(
        CriterionLine(
            group=g.name,
            criterion=c.name,
            max_points=c.max_points,
            self_points=own.get(c.code),
            peer_mean=(sum(peers[c.code]) / len(peers[c.code])).quantize(Decimal("0.01"))
            if peers[c.code]
            else None,
        )
        for g in view.rules.scheme.groups
        for c in g.criteria
    )


def store_nomination_dossiers(
    session: Session,
    view: CampaignView,
    run: StageRun,
    *,
    candidates: list[NominationCandidate],
    outcome: dict[str, Any],
    ranking: list[RankedUnit],
) -> None:
    """The memo for the whole cluster, and an achievement report for each eligible nomination."""
    settings = get_settings()
    today = _local(utcnow()).date()
    leader = view.leader.name if view.leader else view.cluster.name
    names = _names(view)
    decision = (
        "Phê duyệt"
        if outcome["decision"] == "approve"
        else (f"Phê duyệt có điều chỉnh: {outcome['reason']}")
    )
    amendments = tuple(
        f"{names[code]}: {title or 'không đề nghị danh hiệu'}"
        for code, title in sorted(outcome.get("amendments", {}).items())
    )
    memo = MemoContext(
        body=view.cluster.body,
        cluster_name=view.cluster.name,
        year=view.year,
        movement=view.movement.name,
        locality=settings.locality,
        date=today,
        leader=leader,
        nominations=tuple(candidates),
        names=names,
        directorate_decision=decision,
        amendments=amendments,
    )
    for fmt in FORMATS:
        _attach(
            session,
            view,
            key=f"to-trinh.{fmt}",
            kind="to_trinh",
            fmt=fmt,
            content=render_memo(memo, fmt),
        )
    by_unit = {r.unit: r for r in ranking}
    for c in candidates:
        if not c.eligible:
            continue
        unit = view.unit(c.unit)
        assert unit.id is not None
        sa = session.exec(
            select(SelfAssessment)
            .join(StageRun, col(StageRun.id) == col(SelfAssessment.stage_run_id))
            .where(StageRun.campaign_id == view.id, SelfAssessment.unit_id == unit.id)
            .order_by(col(SelfAssessment.id).desc())
        ).first()
        ctx = AchievementContext(
            body=view.cluster.body,
            unit=UnitRef(code=unit.code, name=unit.name),
            cluster_name=view.cluster.name,
            year=view.year,
            movement=view.movement.name,
            locality=settings.locality,
            date=today,
            title=c.title,
            score=by_unit[c.unit],
            achievements=sa.achievements if sa else "",
            shortcomings=sa.shortcomings if sa else "",
            criteria=_criteria_lines(session, view, unit.id),
        )
        tag = hashlib.sha256(c.title.encode()).hexdigest()[:8]
        for fmt in FORMATS:
            _attach(
                session,
                view,
                key=f"bao-cao-{unit.code}-{tag}.{fmt}",
                kind="bao_cao_thanh_tich",
                fmt=fmt,
                content=render_achievement_report(ctx, fmt),
                unit_id=unit.id,
            )
