"""What a campaign produces: nominations and rendered documents."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class NominationStatus(StrEnum):
    DRAFT = "chờ gửi"
    SUBMITTED = "chờ duyệt"  # filed with the higher level
    INELIGIBLE = "không đủ điều kiện"


class Nomination(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", "title"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    title: str
    score: float
    rank: int
    eligible: bool
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    status: NominationStatus = NominationStatus.DRAFT
    # Earlier years a prerequisite needs that nothing records (neither thidua nor imported
    # history): the directorate confirms or drops the nomination before the council decides.
    unrecorded_years: list[int] | None = Field(default=None, sa_column=Column(JSON))
    record_check: str | None = Field(default=None, max_length=16)  # pending|confirmed|dropped
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class Document(SQLModel, table=True):
    """A rendered document attached to a campaign (minutes, memo, achievement report)."""

    __table_args__ = (UniqueConstraint("campaign_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str  # e.g. bien-ban-a1.md, to-trinh.html, bao-cao-PTM.md
    kind: str  # bien_ban | to_trinh | bao_cao_thanh_tich
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    fmt: str  # md | html
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
