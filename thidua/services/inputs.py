"""The shapes of what people submit, as read from YAML or JSON files or Prefect forms.

Every field is bounded (thidua/limits.py); score values are checked by rules/scoring.py.
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from thidua.limits import EVIDENCE_ITEMS, EvidenceItem, LongText, Name, ReviewComment

# More items than any scheme has; the scheme itself refuses unknown codes.
MAX_SCORE_ITEMS = 200


class SelfAssessmentInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[Name, Decimal] = Field(max_length=MAX_SCORE_ITEMS)
    achievements: LongText = ""
    shortcomings: LongText = ""
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=EVIDENCE_ITEMS)


class ReviewInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewee: Name = Field(min_length=1)
    scores: dict[Name, Decimal] = Field(max_length=MAX_SCORE_ITEMS)
    comment: ReviewComment = ""


class ReviewsInput(BaseModel):
    """A unit's peer reviews: one per other member, submitted together or one by one."""

    model_config = ConfigDict(extra="forbid")

    reviews: list[ReviewInput] = Field(min_length=1, max_length=MAX_SCORE_ITEMS)
