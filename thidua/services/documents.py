"""Documents a campaign produces (minutes, decision, memo, achievement reports), attached.

Each document is kept under one key in three forms: Markdown (`<key>.md`, the Prefect UI's
artifacts), HTML (`<key>.html`, to print) and its context as JSON (`<key>.json`). The Word file
is rendered from that JSON when asked for (documents/docx.py), so a .docx says exactly what the
stored text says, and an organisation that replaces its Word template gets it for old cycles too.

Keys are what a person types: `bien-ban-lan-1`, `quyet-dinh`, `to-trinh`, `bao-cao-PHC` (one
report per nominated unit, whatever the number of its titles).
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, col, select

from documents.context import (
    AchievementContext,
    AwardedTitle,
    CriterionLine,
    DecisionContext,
    MemoContext,
    MinutesContext,
    Person,
    TieDecision,
    UnitRef,
)
from documents.render import (
    Format,
    render_achievement_report,
    render_decision,
    render_memo,
    render_minutes,
)
from models import (
    Actor,
    Decision,
    Document,
    PeerReview,
    PeerScore,
    SelfAssessment,
    SelfScore,
    StageRun,
)
from models.types import utcnow
from rules.results import NominationCandidate, RankedUnit, VoteResult
from rules.stages import Stage
from thidua import localtime
from thidua.services import drive_points, meeting, votes
from thidua.services.context import CampaignView, latest_closed_run
from thidua.services.drive_view import drives_of_year
from thidua.services.explanations import texts_for_minutes
from thidua.services.results import closed_result, vote_of
from thidua.settings import get_settings

FORMATS: tuple[Literal["md", "html"], ...] = ("md", "html")
CONTEXT = "json"  # the fmt of a document's context, from which its Word file is made

Ctx = TypeVar("Ctx", bound=BaseModel)


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


def _attach_all(
    session: Session,
    view: CampaignView,
    ctx: Ctx,
    render: Callable[[Ctx, Format], str],
    *,
    key: str,
    kind: str,
    unit_id: int | None = None,
) -> None:
    """The document in every format, and its context for the Word file."""
    for fmt in FORMATS:
        _attach(
            session,
            view,
            key=f"{key}.{fmt}",
            kind=kind,
            fmt=fmt,
            content=render(ctx, fmt),
            unit_id=unit_id,
        )
    _attach(
        session,
        view,
        key=f"{key}.{CONTEXT}",
        kind=kind,
        fmt=CONTEXT,
        content=ctx.model_dump_json(),
        unit_id=unit_id,
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
    chair, secretary, place = meeting.people(session, view, run)
    return MinutesContext(
        body=view.cluster.body,
        cluster_name=view.cluster.name,
        year=view.year,
        movement=view.movement.name,
        held_at=_local(utcnow()),
        locality=get_settings().locality,
        place=place,
        symbol=f"BB-{view.cluster.code}",
        leader=view.leader.name if view.leader else view.cluster.name,
        chair=chair,
        secretary=secretary,
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
        explanations=texts_for_minutes(session, view),
        lot_seed=view.rules.lot_seed,
        closed_reason=(
            "Đủ phiếu, Cụm trưởng xác nhận kết thúc bỏ phiếu"
            if run.confirmed_by is not None
            else "Hết thời hạn bỏ phiếu theo quy định của đợt"
        ),
        tie_decisions=_tie_decisions(session, view, run, vote),
        drives=drives_of_year(session, year=view.year, cluster_id=view.cluster.id or 0),
        drive_points=drive_points.document_lines(session, view),
    )


def _tie_decisions(
    session: Session, view: CampaignView, run: StageRun, vote: VoteResult
) -> tuple[TieDecision, ...]:
    """The recorded decisions of the ties this count used, with who decided and why."""
    used = {t.title for t in vote.titles if t.decided_by in (votes.BY_CHAIR, votes.BY_DIRECTORATE)}
    return tuple(
        TieDecision(
            title=title,
            chosen=_refs(view, votes.chosen_units(row)),
            by=str(row.payload.get("by") or votes.BY_CHAIR),
            reason=row.reason,
        )
        for title, row in sorted(votes.tie_decisions(session, run).items())
        if title in used
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
    _attach_all(
        session, view, ctx, render_minutes, key=f"bien-ban-lan-{run.attempt}", kind="bien_ban"
    )


def store_decision(
    session: Session,
    view: CampaignView,
    decision: Decision,
    *,
    outcome: dict[str, Any],
    ranking: list[RankedUnit],
) -> None:
    """The directorate's decision (quyết định) on the cluster's results: approved or amended."""
    settings = get_settings()
    signer = session.get(Actor, decision.actor_id)
    by_unit = {r.unit: r for r in ranking}
    vote = vote_of(session, view.id)

    def ref(code: str | None) -> UnitRef | None:
        return UnitRef(code=code, name=view.unit(code).name) if code else None

    names = _names(view)
    titles = sorted(
        (
            AwardedTitle(
                unit=UnitRef(code=code, name=names[code]),
                title=title,
                score=by_unit[code].consolidated,
                rank=by_unit[code].rank,
            )
            for code, title in outcome["titles"].items()
        ),
        key=lambda t: (t.rank, t.unit.code),
    )
    flag = outcome.get("flag")
    ctx = DecisionContext(
        parent_body=settings.parent_body,
        body=view.cluster.body,
        cluster_name=view.cluster.name,
        year=view.year,
        movement=view.movement.name,
        locality=settings.locality,
        date=_local(utcnow()).date(),
        symbol=f"QĐ-{settings.body_symbol}" if settings.body_symbol else "QĐ",
        head_title=settings.head_title,
        proposer=view.leader.name if view.leader else view.cluster.name,
        decision=outcome["decision"],
        reason=outcome.get("reason") or "",
        amendments=_amendments(outcome, names),
        acclaimed=ref(outcome.get("acclaimed")),
        flag=ref(flag),
        flag_title=(vote.flag.title if vote and vote.flag else view.rules.flag_title)
        if flag
        else None,
        leader_next=ref(outcome.get("leader")),
        deputy_next=ref(outcome.get("deputy")),
        titles=tuple(titles),
        signer=Person(name=signer.full_name if signer else "", position=settings.deputy_head_title),
        signer_on_behalf=f"KT. {settings.head_title.upper()}",
    )
    _attach_all(session, view, ctx, render_decision, key="quyet-dinh", kind="quyet_dinh")


def _amendments(outcome: dict[str, Any], names: dict[str, str]) -> tuple[str, ...]:
    return tuple(
        f"{names[code]}: {title or 'không đề nghị danh hiệu'}"
        for code, title in sorted(outcome.get("amendments", {}).items())
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
            criterion=f"{c.name} (điểm từ kết quả các đợt thi đua)" if c.from_drives else c.name,
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
    vote_run = latest_closed_run(session, view.id, Stage.VOTE)
    chair, _, _ = meeting.people(session, view, vote_run)
    memo = MemoContext(
        body=view.cluster.body,
        cluster_name=view.cluster.name,
        year=view.year,
        movement=view.movement.name,
        locality=settings.locality,
        date=today,
        symbol=f"TTr-{view.cluster.code}",
        leader=leader,
        signer=Person(name=chair.name, position=chair.position or "Thủ trưởng đơn vị"),
        nominations=tuple(candidates),
        names=names,
        directorate_decision=decision,
        amendments=_amendments(outcome, names),
        drives=drives_of_year(session, year=view.year, cluster_id=view.cluster.id or 0),
    )
    _attach_all(session, view, memo, render_memo, key="to-trinh", kind="to_trinh")
    by_unit = {r.unit: r for r in ranking}
    titles: dict[str, list[str]] = defaultdict(list)  # eligible titles by unit, in order
    for c in candidates:
        if c.eligible and c.title not in titles[c.unit]:
            titles[c.unit].append(c.title)
    for code, unit_titles in titles.items():
        unit = view.unit(code)
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
            titles=tuple(unit_titles),
            head=meeting.unit_head(session, unit.id),
            score=by_unit[code],
            achievements=sa.achievements if sa else "",
            shortcomings=sa.shortcomings if sa else "",
            criteria=_criteria_lines(session, view, unit.id),
        )
        _attach_all(
            session,
            view,
            ctx,
            render_achievement_report,
            key=f"bao-cao-{unit.code}",
            kind="bao_cao_thanh_tich",
            unit_id=unit.id,
        )
