"""The shapes of what people submit, as read from YAML or JSON files or Prefect forms."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class SelfAssessmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, Decimal]
    achievements: str = Field(default="", max_length=20_000)
    shortcomings: str = Field(default="", max_length=20_000)
    evidence: list[str] = Field(default_factory=list, max_length=100)


class ReviewInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewee: str = Field(min_length=1)
    scores: dict[str, Decimal]
    comment: str = Field(default="", max_length=5_000)


class ReviewsInput(BaseModel):
    """A unit's peer reviews: one per other member, submitted together or one by one."""

    model_config = ConfigDict(extra="forbid")

    reviews: list[ReviewInput] = Field(min_length=1)
