"""What the documents of a cycle need, ready to print.

The rules (rules/results.py) refer to units by code; the caller fills these models from the
database and adds `names` (unit code → display name, with its diacritics) so the templates can
print every unit by name. Every model is frozen; the validators check that each unit code the
document prints has a name, so a gap shows up when the context is built, not half-way through
rendering.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from rules.config import VoteRules
from rules.results import NominationCandidate, RankedUnit, VoteResult


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_names(names: dict[str, str], codes: Iterable[str | None]) -> None:
    missing = sorted({c for c in codes if c is not None and c not in names})
    if missing:
        raise ValueError(f"thiếu tên đơn vị cho mã: {', '.join(missing)}")


class UnitRef(_Frozen):
    """A unit as printed: its code and its display name ("Phòng Tham mưu")."""

    code: str
    name: str


class TieDecision(_Frozen):
    """A quota tie decided on the record: by the chair of the meeting, or by the directorate in
    the chair's place once the vote's deadline passed undecided."""

    title: str
    chosen: tuple[UnitRef, ...]
    by: str  # "chair" | "directorate"
    reason: str


class MinutesContext(_Frozen):
    """Biên bản họp bình xét thi đua: the conference and the secret ballot of a cluster.

    `voted` is the voter roll (who cast a ballot), never what they voted. A unit in both
    `absent` and `voted` voted in writing; one in `members` but in neither was present without
    voting.
    """

    body: str  # "Công an thành phố Hà Nội"
    cluster_name: str  # "Cụm thi đua số 4"
    year: int  # the year being assessed; elections are for year + 1
    movement: str  # "Vì an ninh Tổ quốc"
    held_at: dt.datetime
    place: str
    chair: str  # name of the leading unit (Cụm trưởng) that chairs the conference
    members: tuple[UnitRef, ...]
    voted: tuple[UnitRef, ...]
    absent: tuple[UnitRef, ...]
    no_self_assessment: tuple[UnitRef, ...]
    ranking: tuple[RankedUnit, ...]  # best first
    names: dict[str, str]  # unit code → name, for ranking and vote
    vote: VoteResult
    rules: VoteRules
    gap_threshold: Decimal  # CycleRules.gap_threshold, stated beside the flagged units
    gap_flagged: tuple[UnitRef, ...]  # units asked to explain (giải trình) their self/peer gap
    lot_seed: str  # the recorded seed of the lot that breaks final ties
    closed_reason: str  # "Đủ phiếu, Cụm trưởng xác nhận", "Hết hạn"
    # Absent members whose written ballot the cluster leader entered; also in `absent` and `voted`.
    written: tuple[UnitRef, ...] = ()
    tie_decisions: tuple[TieDecision, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "MinutesContext":
        v = self.vote
        _check_names(
            self.names,
            [
                *(r.unit for r in self.ranking),
                *(unit for e in (v.acclaim, v.leader, v.deputy) for unit, _ in e.counts),
                *(e.winner for e in (v.acclaim, v.leader, v.deputy)),
                *(t.unit for t in v.titles),
            ],
        )
        ranked = {r.unit for r in self.ranking}
        unranked = sorted(u.name for u in self.gap_flagged if u.code not in ranked)
        if unranked:
            raise ValueError(
                f"đơn vị phải giải trình nhưng không có trong bảng xếp hạng: {', '.join(unranked)}"
            )
        members = {u.code for u in self.members}
        strangers = sorted(u.name for u in (*self.voted, *self.absent) if u.code not in members)
        if strangers:
            raise ValueError(f"không phải đơn vị thành viên: {', '.join(strangers)}")
        return self


class MemoContext(_Frozen):
    """Tờ trình đề nghị khen thưởng: the cluster's nominations, sent to the emulation council."""

    body: str
    cluster_name: str
    year: int
    movement: str
    locality: str  # place of the date line: "Hà Nội"
    date: dt.date
    leader: str  # name of the leading unit (Cụm trưởng) that signs
    nominations: tuple[NominationCandidate, ...]
    names: dict[str, str]  # unit code → name
    directorate_decision: str  # "Phê duyệt" / "Phê duyệt có điều chỉnh: …"
    amendments: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _named(self) -> "MemoContext":
        _check_names(self.names, (n.unit for n in self.nominations))
        return self


class CriterionLine(_Frozen):
    """One criterion of a unit's score: its group, maximum, own score and peers' mean."""

    group: str  # criterion group name
    criterion: str  # criterion name
    max_points: Decimal
    self_points: Decimal | None  # None: not self-assessed
    peer_mean: Decimal | None  # None: no peer scored it


class AchievementContext(_Frozen):
    """Báo cáo thành tích: one nominated unit's report, signed by its head."""

    body: str  # the parent body, printed above the unit: "Công an thành phố Hà Nội"
    unit: UnitRef
    cluster_name: str
    year: int
    movement: str
    locality: str  # place of the date line: "Hà Nội"
    date: dt.date
    title: str  # the title or flag the unit is nominated for
    score: RankedUnit
    achievements: str  # thành tích đạt được; one paragraph per line
    shortcomings: str  # tồn tại, hạn chế; one paragraph per line
    criteria: tuple[CriterionLine, ...]

    @model_validator(mode="after")
    def _same_unit(self) -> "AchievementContext":
        if self.score.unit != self.unit.code:
            raise ValueError(f"điểm của {self.score.unit} không phải của {self.unit.code}")
        return self
