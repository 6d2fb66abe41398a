"""Movements, yearly cycles with their frozen rules, campaigns and the stages they pass through."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow
from rules.stages import Stage


class Movement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=32)
    name: str = Field(max_length=200)  # e.g. Vì an ninh Tổ quốc


class Cycle(SQLModel, table=True):
    """One year of one movement. `rules_json` is the CycleRules fixed when the cycle started."""

    __table_args__ = (UniqueConstraint("year", "movement_id"),)
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    movement_id: int = Field(foreign_key="movement.id")
    rules_json: str
    rules_sha256: str
    started_by: int = Field(foreign_key="actor.id")
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class CampaignStatus(StrEnum):
    PENDING = "pending"  # created, its flow run not started yet
    RUNNING = "running"
    WAITING = "waiting"  # suspended: waits for people or a deadline
    COMPLETED = "completed"
    FAILED = "failed"


class CampaignBase(SQLModel):
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)


class Campaign(CampaignBase, table=True):
    """One cluster's way through the five stages in one cycle; one Prefect flow run drives it."""

    __table_args__ = (UniqueConstraint("cycle_id", "cluster_id"),)
    id: int | None = Field(default=None, primary_key=True)
    stage: Stage = Stage.SELF_ASSESSMENT
    status: CampaignStatus = CampaignStatus.PENDING
    flow_run_id: uuid.UUID | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class CampaignPublic(CampaignBase):
    id: int
    stage: Stage
    status: CampaignStatus
    flow_run_id: uuid.UUID | None


class StageRun(SQLModel, table=True):
    """One opening of a stage. A return by the directorate opens the stage again (attempt + 1)."""

    __table_args__ = (UniqueConstraint("campaign_id", "stage", "attempt"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    stage: Stage
    attempt: int = 1
    opened_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    on_deadline: str = "close"
    confirmed_by: int | None = Field(default=None, foreign_key="actor.id")
    # Set when the leader had not acted in time: the directorate may then act in their place.
    escalated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    close_reason: str | None = None  # confirmed | deadline | returned | automatic
    result_json: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Wait(SQLModel, table=True):
    """One suspension of a campaign run while a stage waits, and what answered it.

    Prefect re-runs the flow from the top on resume; the number of answered waits of a stage
    gives the next suspend key, so every wait has a deterministic, never reused key.
    """

    __table_args__ = (UniqueConstraint("stage_run_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    seq: int
    key: str
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    outcome: str | None = (
        None  # what the answer did, or why it was refused (shown on the next form)
    )
