"""The emulation council's decisions on nominations (Hội đồng Thi đua - Khen thưởng)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class CouncilOutcome(StrEnum):
    AWARDED = "awarded"
    NOT_AWARDED = "not-awarded"
    RETURNED = "returned"  # sent back to the cluster with a reason; it may come again


class CouncilDecision(SQLModel, table=True):
    """One decision on one nomination. Rows are never changed: a nomination returned and filed
    again gets a new row, and its latest row is its status."""

    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="nomination.id", index=True)
    outcome: CouncilOutcome
    decision_no: str | None = Field(default=None, max_length=64)  # số quyết định, if awarded
    decided_on: date | None = None  # ngày quyết định
    reason: str = Field(default="", max_length=2000)
    actor_id: int = Field(foreign_key="actor.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
