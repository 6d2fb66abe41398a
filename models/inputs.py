"""What people submit: self-assessments, peer reviews, secret ballots and decisions."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"  # chờ duyệt
    RETURNED = "returned"  # bị trả lại: the unit must submit a new version


class SelfAssessment(SQLModel, table=True):
    """Every version is kept; the newest one of a unit is the one that counts."""

    __table_args__ = (UniqueConstraint("stage_run_id", "unit_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    version: int = 1
    status: SubmissionStatus = SubmissionStatus.SUBMITTED
    total: float
    achievements: str = ""
    shortcomings: str = ""
    evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    content_sha256: str
    submitted_by: int = Field(foreign_key="actor.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    returned_comment: str | None = None


class SelfScore(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("assessment_id", "item_code"),)
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="selfassessment.id", index=True)
    item_code: str
    points: float


class PeerReview(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("stage_run_id", "reviewer_unit_id", "reviewee_unit_id"),
        CheckConstraint("reviewer_unit_id <> reviewee_unit_id", name="no_self_review"),
    )
    id: int | None = Field(default=None, primary_key=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    reviewer_unit_id: int = Field(foreign_key="unit.id", index=True)
    reviewee_unit_id: int = Field(foreign_key="unit.id", index=True)
    total: float
    comment: str = ""
    content_sha256: str
    submitted_by: int = Field(foreign_key="actor.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class PeerScore(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("review_id", "item_code"),)
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="peerreview.id", index=True)
    item_code: str
    points: float


def _ballot_id() -> str:
    return uuid.uuid4().hex


class Ballot(SQLModel, table=True):
    """A secret ballot: its content and nothing that leads back to the voter.

    A random key, no timestamp, and no rowid on SQLite, so neither order nor time links a
    ballot to a line of the voter roll.
    """

    __table_args__ = {"sqlite_with_rowid": False}
    id: str = Field(default_factory=_ballot_id, primary_key=True, max_length=32)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    content: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    # The keyed hash of the receipt code the voter was shown once (thidua/services/receipts.py):
    # without the server's key, neither a copied database nor the code leads here from a voter.
    receipt_sha256: str | None = Field(default=None, max_length=64, unique=True, index=True)


class VoterRoll(SQLModel, table=True):
    """Who has voted, and only that."""

    __table_args__ = (UniqueConstraint("stage_run_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    # An absent member's written ballot, entered by the cluster leader: said here, on the side
    # that names the unit, and never on the ballot.
    written: bool = False


class DecisionKind(StrEnum):
    CONFIRM = "confirm"  # the cluster leader moves the stage on
    RETURN_UNIT = "return_unit"  # a unit's self-assessment goes back for revision
    APPROVE = "approve"  # the directorate approves the cluster's results
    AMEND = "amend"  # approves with changed titles and a recorded reason
    RETURN_STAGE = "return_stage"  # sends the campaign back to an earlier stage
    CHAIR_TIE = "chair_tie"  # the chair of the meeting decides a quota tie left after the vote


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    kind: DecisionKind
    actor_id: int = Field(foreign_key="actor.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    payload: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON))
    reason: str = ""
    via: str = "cli"  # cli | prefect-ui | simulation
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class Explanation(SQLModel, table=True):
    """A unit's explanation (giải trình) of the gap between its self-score and its peers', filed
    during the peer review it answers (thidua/services/explanations.py). One per unit and
    peer-review run; filing again replaces the text (the audit log keeps the earlier one)."""

    __table_args__ = (UniqueConstraint("stage_run_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    text: str
    submitted_by: int = Field(foreign_key="actor.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
