"""What a stage has received, what is missing and from whom, and whether it may move on."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from models import Decision, DecisionKind, PeerReview, SelfAssessment, StageRun, VoterRoll
from models.types import utcnow
from rules.stages import Stage
from thidua.services.context import CampaignView
from thidua.services.deadlines import effective_due
from thidua.services.votes import pending_ties


class Verdict(StrEnum):
    WAITING = "waiting"  # inputs or a confirmation are missing, the deadline has not passed
    CONFIRMED = "confirmed"  # all inputs are in and the approver confirmed
    DEADLINE = "deadline"  # the deadline passed: close with what is in
    DECIDED = "decided"  # the directorate decided
    AUTOMATIC = "automatic"  # nothing to wait for


@dataclass(frozen=True)
class Missing:
    unit: str  # unit code, or "" for a person (the approver)
    name: str
    what: str


@dataclass(frozen=True)
class Progress:
    stage: Stage
    expected: int
    received: int
    missing: tuple[Missing, ...]
    confirmed: bool
    due_at: datetime
    overdue: bool
    verdict: Verdict
    received_units: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing


def latest_assessments(session: Session, run_id: int) -> dict[int, SelfAssessment]:
    """Each unit's newest self-assessment version in this stage run, by unit id."""
    latest: dict[int, SelfAssessment] = {}
    rows = session.exec(
        select(SelfAssessment)
        .where(SelfAssessment.stage_run_id == run_id)
        .order_by(col(SelfAssessment.version))
    ).all()
    for row in rows:
        latest[row.unit_id] = row
    return latest


def progress(session: Session, view: CampaignView, run: StageRun) -> Progress:
    assert run.id is not None
    missing: list[Missing] = []
    received: list[str] = []
    expected = len(view.members)
    pairs: set[tuple[int, int]] = set()
    if run.stage == Stage.SELF_ASSESSMENT:
        latest = latest_assessments(session, run.id)
        for unit in view.members:
            assert unit.id is not None
            sa = latest.get(unit.id)
            if sa is None:
                missing.append(Missing(unit.code, unit.name, "chưa nộp bản tự chấm điểm"))
            elif sa.status != "submitted":
                missing.append(Missing(unit.code, unit.name, "bị trả lại, chờ nộp lại"))
            else:
                received.append(unit.code)
    elif run.stage == Stage.PEER_REVIEW:
        pairs = set(
            session.exec(  # type: ignore[arg-type]
                select(PeerReview.reviewer_unit_id, PeerReview.reviewee_unit_id).where(
                    PeerReview.stage_run_id == run.id
                )
            ).all()
        )
        expected = len(view.members) * (len(view.members) - 1)
        for reviewer in view.members:
            todo = [
                u.code
                for u in view.members
                if u.id != reviewer.id and (reviewer.id, u.id) not in pairs
            ]
            if todo:
                missing.append(
                    Missing(reviewer.code, reviewer.name, f"chưa chấm chéo: {', '.join(todo)}")
                )
            else:
                received.append(reviewer.code)
    elif run.stage == Stage.VOTE:
        voted = set(
            session.exec(select(VoterRoll.unit_id).where(VoterRoll.stage_run_id == run.id)).all()
        )
        for unit in view.members:
            if unit.id in voted:
                received.append(unit.code)
            else:
                missing.append(Missing(unit.code, unit.name, "chưa bỏ phiếu"))
    elif run.stage == Stage.APPROVAL:
        expected = 1
        decided = session.exec(
            select(Decision).where(
                Decision.stage_run_id == run.id,
                col(Decision.kind).in_(
                    [DecisionKind.APPROVE, DecisionKind.AMEND, DecisionKind.RETURN_STAGE]
                ),
            )
        ).first()
        if decided is None:
            missing.append(Missing("", "Ban Giám đốc", "chưa phê duyệt kết quả của cụm"))
    else:
        expected = 0
    # A quota tie left once the ballots are in is the chair's to decide before the vote closes.
    chair_waits = [
        Missing(
            "",
            "Cụm trưởng (chủ tọa)",
            f"chưa quyết định {tie.places} trong các đơn vị bằng phiếu, bằng điểm "
            f"({', '.join(tie.units)}) cho danh hiệu “{tie.title}”",
        )
        for tie in pending_ties(session, view, run)
    ]
    missing += chair_waits
    n_received = len(received)
    if run.stage == Stage.PEER_REVIEW:
        n_received = len(pairs)
    elif run.stage in (Stage.APPROVAL, Stage.NOMINATION):
        n_received = expected - len(missing)
    overdue = utcnow() >= effective_due(session, run)
    confirmed = run.confirmed_by is not None
    if run.stage == Stage.NOMINATION:
        verdict = Verdict.AUTOMATIC
    elif run.stage == Stage.APPROVAL:
        verdict = Verdict.DECIDED if not missing else Verdict.WAITING
    elif confirmed and (not missing or overdue):
        verdict = Verdict.CONFIRMED
    elif overdue and run.on_deadline == "close":
        verdict = Verdict.DEADLINE
    else:
        verdict = Verdict.WAITING
    if chair_waits:
        verdict = Verdict.WAITING
    return Progress(
        stage=run.stage,
        expected=expected,
        received=n_received,
        missing=tuple(missing),
        confirmed=confirmed,
        due_at=run.due_at,
        overdue=overdue,
        verdict=verdict,
        received_units=tuple(received),
    )
