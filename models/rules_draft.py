"""Next year's rules: what units propose after a cycle, and the rules the directorate approves
for a year, with the dry-run against a finished year attached to the decision."""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class RulesProposal(SQLModel, table=True):
    """A unit's proposal to change the criteria or scales, made after its campaign."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    actor_id: int = Field(foreign_key="actor.id")
    text: str = Field(max_length=20000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class RulesApproval(SQLModel, table=True):
    """The rules the directorate approved for a year's cycle. Approving again before the cycle
    starts makes a new row (`version` + 1): the latest one is what the cycle starts from."""

    __table_args__ = (UniqueConstraint("year", "movement_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    movement_id: int = Field(foreign_key="movement.id")
    version: int = 1
    rules_json: str
    rules_sha256: str = Field(max_length=64)
    against_year: int | None = None
    dry_run: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    approved_by: int = Field(foreign_key="actor.id")
    approved_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
