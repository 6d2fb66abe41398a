"""Emulation drives (đợt thi đua): a few weeks or months of effort on a theme, with targets of
their own, reviewed at their end (sơ kết): units report, the cluster leader confirms, results
are recorded, and the directorate may approve a commendation list (giấy khen)."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class DriveStatus(StrEnum):
    OPEN = "open"  # launched: units report until the review's deadline, leaders confirm
    RECORDED = "recorded"  # every cluster confirmed, results recorded
    CLOSED = "closed"  # recorded, and the commendation list approved (or none proposed)


class DriveTarget(SQLModel):
    """One of the drive's own criteria: what a unit reports points against, up to `maximum`."""

    code: str = Field(min_length=1, max_length=32, regex=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    maximum: float = Field(gt=0, le=1000)


class Drive(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    theme: str = Field(max_length=2000)
    year: int = Field(index=True)
    starts_on: date
    ends_on: date
    # Days after the end for reports and the leaders' confirmation (the short review, sơ kết).
    review_days: int = 10
    targets: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))
    status: DriveStatus = DriveStatus.OPEN
    launched_by: int = Field(foreign_key="actor.id")
    launched_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    flow_run_id: UUID | None = None
    waits: int = 0  # how often the review run suspended: each suspension needs a fresh key
    recorded_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    commendation_approved_by: int | None = Field(default=None, foreign_key="actor.id")
    commendation_approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class DriveUnit(SQLModel, table=True):
    """A unit taking part, with the cluster whose leader confirms its report."""

    __table_args__ = (UniqueConstraint("drive_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    drive_id: int = Field(foreign_key="drive.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    cluster_id: int = Field(foreign_key="cluster.id")


class DriveReport(SQLModel, table=True):
    """A unit's results against the drive's targets, reported once by its own officer."""

    __table_args__ = (UniqueConstraint("drive_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    drive_id: int = Field(foreign_key="drive.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    actor_id: int = Field(foreign_key="actor.id")
    scores: dict[str, float] = Field(sa_column=Column(JSON, nullable=False))
    total: float
    note: str = Field(default="", max_length=10000)
    reported_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class DriveConfirmation(SQLModel, table=True):
    """The cluster leader's confirmation of its cluster's reports, with the units it proposes
    for a commendation (giấy khen)."""

    __table_args__ = (UniqueConstraint("drive_id", "cluster_id"),)
    id: int | None = Field(default=None, primary_key=True)
    drive_id: int = Field(foreign_key="drive.id", index=True)
    cluster_id: int = Field(foreign_key="cluster.id")
    actor_id: int = Field(foreign_key="actor.id")
    proposed: list[str] = Field(sa_column=Column(JSON, nullable=False))
    confirmed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class DriveResult(SQLModel, table=True):
    """A unit's recorded result: its confirmed total (0 without a report) and rank in its
    cluster; `commended` once the directorate approved it on the commendation list."""

    __table_args__ = (UniqueConstraint("drive_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    drive_id: int = Field(foreign_key="drive.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    cluster_id: int = Field(foreign_key="cluster.id")
    points: float
    maximum: float
    rank: int
    reported: bool
    proposed: bool = False
    commended: bool = False


class DrivePoints(SQLModel, table=True):
    """A unit's points for a line of the year-end scheme that comes from the year's drives
    (`source: drives`), fixed once per campaign when its self-assessment first opens: a retry,
    a drive recorded later or a return to an earlier stage never changes them."""

    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", "item_code"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    item_code: str = Field(max_length=32)
    points: float
    # What the points come from, in Vietnamese, and the drives counted: [{id, name, points,
    # maximum, commended}], so forms, status and documents say it without recomputing.
    explanation: str = Field(max_length=500)
    drives: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))
    fixed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
