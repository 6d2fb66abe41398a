"""The append-only audit log: who did what, when, with the state before and after."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="actor.id")  # None: the system
    action: str = Field(index=True)  # e.g. self_assessment.submit, ballot.cast, stage.close
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    entity: str = ""
    entity_id: str = ""
    before: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    # A system event caused by a task carries a key, so a retried task cannot log it twice.
    key: str | None = Field(default=None, unique=True)
