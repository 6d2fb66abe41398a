"""One-time action codes: what a person types into a Prefect form instead of a secret."""

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class ActionCode(SQLModel, table=True):
    """Issued to one person for one decision in one stage run; valid once, until it expires.

    The code is kept only as a keyed hash (thidua.secretkey): it travels to the person and into
    the form once. `decision` is the canonical JSON of the one decision the code may carry
    (thidua.services.form_decisions), so an answer rewritten in Prefect cannot reuse it.
    """

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    code_hmac: str
    decision: str = Field(sa_column=Column(Text(), nullable=False))
    failed_attempts: int = 0
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class Delegation(SQLModel, table=True):
    """`substitute` may act for `principal` (same powers, same unit) from `starts` to `ends`."""

    id: int | None = Field(default=None, primary_key=True)
    principal_id: int = Field(foreign_key="actor.id", index=True)
    substitute_id: int = Field(foreign_key="actor.id", index=True)
    starts: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    granted_by: int = Field(foreign_key="actor.id")
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Extension(SQLModel, table=True):
    """More time for one unit in one stage run, granted by the cluster leader."""

    __table_args__ = (UniqueConstraint("stage_run_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    stage_run_id: int = Field(foreign_key="stagerun.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str
    granted_by: int = Field(foreign_key="actor.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
