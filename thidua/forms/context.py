"""What a form knows of the person who fills it: their unit, the cycle's scheme, the units they
review (never their own), the ballot's questions and candidates, and what they already sent
(a self-assessment returned for revision comes back with its values, to change and send again).
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Session, select

from models import Actor, PeerReview, PeerScore, SelfScore, StageRun, Unit, VoterRoll
from rules.config import ScoringScheme
from rules.scoring import format_points
from rules.stages import Stage
from thidua.services import drive_points
from thidua.services.access import require_cluster_leader, require_member_officer
from thidua.services.context import CampaignView, latest_stage_run, load_campaign
from thidua.services.results import ranking_of
from thidua.services.submissions import latest_assessment


class FormKind(StrEnum):
    SELF_ASSESSMENT = "self-assessment"
    REVIEW = "review"
    BALLOT = "ballot"

    @property
    def stage(self) -> Stage:
        return {
            FormKind.SELF_ASSESSMENT: Stage.SELF_ASSESSMENT,
            FormKind.REVIEW: Stage.PEER_REVIEW,
            FormKind.BALLOT: Stage.VOTE,
        }[self]

    @property
    def form_title(self) -> str:
        return {
            FormKind.SELF_ASSESSMENT: "PHIẾU TỰ CHẤM ĐIỂM THI ĐUA",
            FormKind.REVIEW: "PHIẾU CHẤM CHÉO",
            FormKind.BALLOT: "PHIẾU BẦU KÍN",
        }[self]


@dataclass(frozen=True)
class Sheet:
    """One filled or empty score sheet: item code -> points as written ("" when not filled)."""

    scores: dict[str, str]
    comment: str = ""


@dataclass(frozen=True)
class Question:
    """One single-choice question of the ballot."""

    key: str  # acclaim | leader | deputy: the field of the ballot
    text: str
    candidates: tuple[Unit, ...]
    choose: int = 1
    note: str = ""


@dataclass(frozen=True)
class TitleQuestion:
    unit: Unit
    title: str


@dataclass(frozen=True)
class FormContext:
    kind: FormKind
    view: CampaignView
    unit: Unit
    actor: Actor
    due_at: datetime | None
    stage_open: bool
    # Self-assessment: the newest version, its status and the leader's comment on a return.
    own: Sheet | None = None
    achievements: str = ""
    shortcomings: str = ""
    evidence: tuple[str, ...] = ()
    version: int | None = None
    returned_comment: str | None = None
    # Peer review: every other member, with what this unit already sent for it.
    reviewees: tuple[tuple[Unit, Sheet | None], ...] = ()
    # Ballot.
    questions: tuple[Question, ...] = ()
    titles: tuple[TitleQuestion, ...] = ()
    voted: bool = False
    notes: tuple[str, ...] = field(default=())
    # The lines computed from the year's drives, fixed for the campaign: unit code -> item code
    # -> (points as written, where they come from). Shown on the forms, never filled in.
    drive_points: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    @property
    def scheme(self) -> ScoringScheme:
        return self.view.rules.scheme

    @property
    def command(self) -> str:
        return f"thidua submit {self.kind} --campaign {self.view.id} --actor {self.actor.username}"


def _points(value: float) -> str:
    return format_points(Decimal(str(value)))


def _drive_points(session: Session, view: CampaignView) -> dict[str, dict[str, tuple[str, str]]]:
    if not view.rules.scheme.drive_items:
        return {}
    codes = {u.id: u.code for u in view.members}
    return {
        codes[unit_id]: {c: (_points(r.points), r.explanation) for c, r in items.items()}
        for unit_id, items in drive_points.stored(session, view.id).items()
        if unit_id in codes
    }


def form_context(
    session: Session, *, actor: Actor, campaign_id: int, kind: FormKind
) -> FormContext:
    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "lấy mẫu phiếu")
    run, base = _base(session, view, unit, actor, kind)
    assert unit.id is not None
    if kind == FormKind.SELF_ASSESSMENT:
        latest = latest_assessment(session, run.id, unit.id) if run and run.id else None
        if latest is None:
            return FormContext(**base)  # type: ignore[arg-type]
        rows = session.exec(select(SelfScore).where(SelfScore.assessment_id == latest.id)).all()
        return FormContext(
            **base,  # type: ignore[arg-type]
            own=Sheet({r.item_code: _points(r.points) for r in rows}),
            achievements=latest.achievements,
            shortcomings=latest.shortcomings,
            evidence=tuple(latest.evidence),
            version=latest.version,
            returned_comment=latest.returned_comment if latest.status == "returned" else None,
        )
    if kind == FormKind.REVIEW:
        sent: dict[int, Sheet] = {}
        if run is not None:
            for review in session.exec(
                select(PeerReview).where(
                    PeerReview.stage_run_id == run.id, PeerReview.reviewer_unit_id == unit.id
                )
            ).all():
                lines = session.exec(select(PeerScore).where(PeerScore.review_id == review.id))
                sent[review.reviewee_unit_id] = Sheet(
                    {r.item_code: _points(r.points) for r in lines}, review.comment
                )
        others = tuple(
            (u, sent.get(u.id)) for u in view.members if u.id != unit.id and u.id is not None
        )
        return FormContext(**base, reviewees=others)  # type: ignore[arg-type]
    return _ballot_context(session, view, unit, run, base)


def written_ballot_context(
    session: Session, *, actor: Actor, campaign_id: int, unit_code: str
) -> FormContext:
    """The ballot form of a unit absent from the vote meeting, for the cluster leader who
    enters its sealed written ballot (votes.cast_written_ballot): that unit's own questions."""
    view = load_campaign(session, campaign_id)
    require_cluster_leader(actor, view, "nhập phiếu bầu bằng văn bản của đơn vị vắng mặt")
    unit = view.unit(unit_code)
    run, base = _base(session, view, unit, actor, FormKind.BALLOT)
    return _ballot_context(session, view, unit, run, base)


def _base(
    session: Session, view: CampaignView, unit: Unit, actor: Actor, kind: FormKind
) -> tuple[StageRun | None, dict[str, object]]:
    """The kind's latest stage run, and what every form's context holds."""
    run = latest_stage_run(session, view.id, kind.stage)
    return run, dict(
        kind=kind,
        view=view,
        unit=unit,
        actor=actor,
        due_at=run.due_at if run else None,
        stage_open=run is not None and run.closed_at is None,
        drive_points=_drive_points(session, view),
    )


def _ballot_context(
    session: Session, view: CampaignView, unit: Unit, run: object, base: dict[str, object]
) -> FormContext:
    ranking = ranking_of(session, view.id) or []
    others = tuple(u for u in view.members if u.id != unit.id)
    names = {u.code: u for u in view.members}
    acclaim_note = ""
    if view.rules.vote.acclaim_must_be_top and ranking:
        top = names.get(ranking[0].unit)
        if top is not None:
            acclaim_note = (
                f"Theo quy định của đợt, đơn vị được suy tôn phải là đơn vị xếp thứ nhất: "
                f"{top.name} ({top.code})."
            )
    questions = (
        Question("acclaim", "Suy tôn đơn vị dẫn đầu", others, note=acclaim_note),
        Question("leader", "Cụm trưởng năm sau", others),
        Question("deputy", "Cụm phó năm sau", others, note="Phải khác đơn vị chọn làm Cụm trưởng."),
    )
    titles = tuple(
        TitleQuestion(names[r.unit], r.proposed_title)
        for r in ranking
        if r.proposed_title
        and r.unit in names
        and (r.unit != unit.code or view.rules.vote.self_title_vote)
    )
    voted = False
    run_id = getattr(run, "id", None)
    if run_id is not None:
        voted = (
            session.exec(
                select(VoterRoll).where(
                    VoterRoll.stage_run_id == run_id, VoterRoll.unit_id == unit.id
                )
            ).first()
            is not None
        )
    notes = () if ranking else ("Chưa có kết quả chấm chéo nên chưa có danh hiệu để biểu quyết.",)
    return FormContext(
        **base,  # type: ignore[arg-type]
        questions=questions,
        titles=titles,
        voted=voted,
        notes=notes,
    )
