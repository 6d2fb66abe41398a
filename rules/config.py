"""The rules of a cycle: scoring scheme, consolidation, vote, titles, nominations, deadlines.

They are fixed when a cycle starts and stored with it as JSON (see models.cycle.Cycle.rules_json);
every pure rule function takes them as an argument, so the same rules always give the same result.
"""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from rules.stages import Stage

Points = Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=2)]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")]


def _exact(v: object) -> object:
    # A float such as 0.8 is not 4/5 in binary; read it as the decimal the person wrote.
    return Fraction(str(v)) if isinstance(v, float) else v


def _share(v: Fraction) -> Fraction:
    if not 0 <= v <= 1:
        raise ValueError("phải nằm trong khoảng 0..1 (ví dụ 2/3 hoặc 0.8)")
    return v


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Sourced(_Frozen):
    """Where a line's points come from: typed by the units (`self`), or computed by thidua from
    the unit's recorded results in the year's emulation drives (`drives`, rules/drive_points.py):
    `drive_basis: share` gives max_points × the mean share of the drives' maxima the unit
    reached; `commended` gives `per_drive` points for each drive where it was commended
    (giấy khen), up to max_points."""

    source: Literal["self", "drives"] = "self"
    drive_basis: Literal["share", "commended"] | None = None
    per_drive: Points | None = Field(default=None, gt=0)

    @model_serializer(mode="wrap")
    def _without_default_source(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A typed line is stored and printed as before drives existed: the same rules keep the
        # same text and sha256 (models.cycle.Cycle.rules_sha256).
        data: dict[str, Any] = handler(self)
        if not self.from_drives:
            for key in ("source", "drive_basis", "per_drive"):
                data.pop(key, None)
        return data

    @field_validator("drive_basis")
    @classmethod
    def _basis_for_drives(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and info.data.get("source") != "drives":
            raise ValueError("chỉ dùng khi source: drives (điểm lấy từ kết quả các đợt thi đua)")
        return v

    @field_validator("per_drive")
    @classmethod
    def _per_drive_for_commended(cls, v: Decimal | None, info: ValidationInfo) -> Decimal | None:
        commended = info.data.get("drive_basis") == "commended"
        if v is not None and not commended:
            raise ValueError(
                "chỉ dùng với drive_basis: commended (điểm cho mỗi đợt được giấy khen)"
            )
        return v

    @model_validator(mode="after")
    def _drive_line_complete(self) -> "_Sourced":
        if self.from_drives and getattr(self, "step", None) is not None:
            raise ValueError(
                "step: điểm lấy từ kết quả các đợt thi đua do hệ thống tính, không dùng bước"
            )
        if self.drive_basis == "commended" and self.per_drive is None:
            raise ValueError(
                "per_drive: drive_basis: commended cần số điểm cho mỗi đợt được giấy khen"
            )
        return self

    @property
    def from_drives(self) -> bool:
        return self.source == "drives"

    @property
    def basis(self) -> str:
        return self.drive_basis or "share"


class Criterion(_Sourced):
    """One scored line of the scheme: `kind` says how it is judged, `target` states the goal."""

    code: Code
    name: str = Field(min_length=1)
    max_points: Points = Field(gt=0)
    kind: Literal["quantitative", "qualitative", "per_occurrence"] = "qualitative"
    target: str | None = None
    step: Points | None = Field(default=None, gt=0)  # points must be a multiple of it


class CriterionGroup(_Frozen):
    code: Code
    name: str = Field(min_length=1)
    criteria: tuple[Criterion, ...] = Field(min_length=1)

    @property
    def max_points(self) -> Decimal:
        return sum((c.max_points for c in self.criteria), Decimal(0))


class Adjustment(_Sourced):
    """A bonus (điểm thưởng) or penalty (điểm trừ) item: 0..max_points, in steps of `step`; a
    bonus may come from the drives (`source: drives`), a penalty may not."""

    code: Code
    name: str = Field(min_length=1)
    max_points: Points = Field(gt=0)
    step: Points | None = Field(default=None, gt=0)


class ScoringScheme(_Frozen):
    name: str = Field(min_length=1)
    total_points: Points = Decimal(100)
    groups: tuple[CriterionGroup, ...] = Field(min_length=1)
    bonuses: tuple[Adjustment, ...] = ()
    penalties: tuple[Adjustment, ...] = ()
    max_bonus: Points = Decimal(0)  # cap on the sum of bonus items

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for g in self.groups for c in g.criteria)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return (
            tuple(c.code for c in self.criteria)
            + tuple(b.code for b in self.bonuses)
            + tuple(p.code for p in self.penalties)
        )

    @property
    def drive_items(self) -> tuple[Criterion | Adjustment, ...]:
        """The lines whose points thidua computes from the year's drive results."""
        lines: list[Criterion | Adjustment] = [*self.criteria, *self.bonuses]
        return tuple(i for i in lines if i.from_drives)

    @property
    def drive_codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.drive_items)

    @field_validator("penalties")
    @classmethod
    def _penalties_typed(cls, v: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
        bad = [p.code for p in v if p.from_drives]
        if bad:
            raise ValueError(
                f"điểm trừ không lấy từ kết quả các đợt thi đua (source: drives): {', '.join(bad)}"
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "ScoringScheme":
        codes = [*self.item_codes, *(g.code for g in self.groups)]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"mã tiêu chí bị trùng: {', '.join(dupes)}")
        total = sum((c.max_points for c in self.criteria), Decimal(0))
        if total != self.total_points:
            raise ValueError(
                f"tổng điểm tối đa các tiêu chí là {total}, "
                f"khác tổng thang điểm {self.total_points}"
            )
        for b in self.bonuses:
            if b.from_drives and b.max_points > self.max_bonus:
                # Else a unit's drive bonus alone could break the cap, and no sheet would pass.
                raise ValueError(
                    f"max_bonus: mức điểm thưởng tối đa {self.max_bonus} nhỏ hơn điểm tối đa "
                    f"{b.max_points} của dòng thưởng {b.code} lấy từ kết quả các đợt thi đua"
                )
        return self


class StageDeadline(_Frozen):
    """How long a stage stays open, and what its deadline does: close it, or leave it waiting."""

    duration: timedelta = Field(gt=timedelta(0))
    on_deadline: Literal["close", "wait"] = "close"
    # Longest extension the cluster leader may grant one unit past the due time.
    max_extension: timedelta = Field(default=timedelta(days=7), ge=timedelta(0))
    # A stage that waits past its due time ("wait") is escalated to the directorate this long
    # after it, if the cluster leader has not closed it; None: never. A vote's quota tie the
    # chair has not decided goes up this long after the vote's due time (None: at it).
    escalate_after: timedelta | None = Field(default=None, gt=timedelta(0))


_SHARES = ("quorum", "acclaim_threshold", "flag_threshold", "leader_threshold", "title_threshold")


class VoteRules(_Frozen):
    """Shares are of all member units (absent ones included), compared with `>=`; where a unit
    cannot vote for itself a share never asks more than every other member's vote."""

    quorum: Fraction = Fraction(2, 3)
    acclaim_threshold: Fraction = Fraction(1, 2)
    # Nghị định 98/2023/NĐ-CP art. 30 (replaced by 152/2025/NĐ-CP): flags need 80 % of all
    # members, so the acclaimed unit is put forward for the flag only with that many votes.
    flag_threshold: Fraction = Fraction(4, 5)
    leader_threshold: Fraction = Fraction(1, 2)
    title_threshold: Fraction = Fraction(4, 5)
    acclaim_must_be_top: bool = True  # the acclaimed unit must be the highest-ranked one
    tie_break: tuple[Literal["score", "lot"], ...] = ("score", "lot")
    # A tie for the last places of a quota left after votes and score: the law has the chair
    # of the meeting (the cluster leader) decide it on the record; "lot" draws the cycle's lot.
    final_tie_break: Literal["chair", "lot"] = "chair"
    # Whether a unit's ballot may approve or refuse its own proposed title (the law: no).
    self_title_vote: bool = False

    _read = field_validator(*_SHARES, mode="before")(_exact)
    _check = field_validator(*_SHARES)(_share)


class TitleRule(_Frozen):
    """A unit whose consolidated score reaches `min_score` is proposed for `title` (best first)."""

    title: str = Field(min_length=1)
    min_score: Points


class Prerequisite(_Frozen):
    """To be nominated for `title`, hold `requires` in each of the `years` years before."""

    title: str = Field(min_length=1)
    requires: str = Field(min_length=1)
    years: int = Field(ge=1, le=10)


def _default_deadlines() -> dict[Stage, StageDeadline]:
    return {
        Stage.SELF_ASSESSMENT: StageDeadline(duration=timedelta(days=14)),
        Stage.PEER_REVIEW: StageDeadline(duration=timedelta(days=7)),
        Stage.VOTE: StageDeadline(duration=timedelta(days=2)),
        Stage.APPROVAL: StageDeadline(duration=timedelta(days=7), on_deadline="wait"),
        Stage.NOMINATION: StageDeadline(duration=timedelta(days=7)),
    }


class CycleRules(_Frozen):
    scheme: ScoringScheme
    self_weight: Fraction = Fraction(3, 10)  # consolidated = w·self + (1-w)·mean(peers)
    # |self - mean(peers)| above this asks the unit for an explanation (giải trình)
    gap_threshold: Points = Decimal(10)
    vote: VoteRules = VoteRules()
    titles: tuple[TitleRule, ...] = Field(min_length=1)
    flag_title: str = "Cờ luân lưu"  # nominated for the acclaimed unit
    # The title the acclaimed unit must itself be approved for this year to be put forward
    # for the flag (police: Đơn vị Quyết thắng, Thông tư 04/2024/TT-BCA); None: no such check.
    flag_requires: str | None = Field(default=None, min_length=1)
    quotas: dict[str, int] = Field(default_factory=dict)  # title -> most nominations per cluster
    prerequisites: tuple[Prerequisite, ...] = ()
    deadlines: dict[Stage, StageDeadline] = Field(default_factory=_default_deadlines)
    lot_seed: str = Field(default="", max_length=128)  # drawn and recorded when the cycle starts

    _read = field_validator("self_weight", mode="before")(_exact)
    _check = field_validator("self_weight")(_share)

    @field_validator("titles")
    @classmethod
    def _titles_best_first(cls, v: tuple[TitleRule, ...]) -> tuple[TitleRule, ...]:
        scores = [t.min_score for t in v]
        if scores != sorted(scores, reverse=True) or len(set(scores)) != len(scores):
            raise ValueError("danh hiệu phải xếp từ cao xuống thấp theo điểm tối thiểu")
        return v

    @field_validator("flag_requires")
    @classmethod
    def _flag_requires_a_title(cls, v: str | None, info: ValidationInfo) -> str | None:
        titles = [t.title for t in info.data.get("titles", ())]
        if v is not None and v not in titles:
            raise ValueError(f"“{v}” không có trong danh sách danh hiệu ({', '.join(titles)})")
        return v

    @field_validator("quotas")
    @classmethod
    def _positive_quotas(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [t for t, n in v.items() if n < 0]
        if bad:
            raise ValueError(f"chỉ tiêu không được âm: {', '.join(bad)}")
        return v

    @model_validator(mode="after")
    def _every_stage_has_a_deadline(self) -> "CycleRules":
        missing = [s.value for s in Stage if s not in self.deadlines]
        if missing:
            raise ValueError(f"thiếu thời hạn cho giai đoạn: {', '.join(missing)}")
        return self
