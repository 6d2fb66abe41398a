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

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class Person(_Frozen):
    """Someone who signs or takes part: their name and position ("Chỉ huy Phòng Tham mưu").

    An empty name leaves a dotted line on the paper, to be written in by hand.
    """

    name: str = ""
    position: str = ""


class TieDecision(_Frozen):
    """A quota tie decided on the record: by the chair of the meeting, or by the directorate in
    the chair's place once the vote's deadline passed undecided."""

    title: str
    chosen: tuple[UnitRef, ...]
    by: str  # "chair" | "directorate"
    reason: str


class DriveResultLine(_Frozen):
    """A unit's recorded result in one emulation drive (đợt thi đua)."""

    unit: UnitRef
    points: Decimal
    maximum: Decimal
    rank: int
    commended: bool  # on the commendation list (giấy khen) the directorate approved


class DriveLine(_Frozen):
    """One of the year's drives the cluster took part in, with its units' recorded results
    (none while its review is not yet recorded)."""

    name: str
    starts_on: dt.date
    ends_on: dt.date
    recorded: bool
    results: tuple[DriveResultLine, ...] = ()


class DrivePointsLine(_Frozen):
    """A unit's points on a line of the scheme computed from the year's drives (source:
    drives), as fixed for the campaign; already inside its self and peer totals."""

    unit: UnitRef
    code: str  # the line's code in the scheme
    name: str  # the line's name in the scheme
    points: Decimal
    explanation: str  # how they were computed, in Vietnamese


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
    locality: str  # place of the date line: "Hà Nội"
    place: str  # where the meeting was held
    symbol: str  # ký hiệu after the number: "BB-CTD4" (the number is given when it is filed)
    leader: str  # name of the leading unit (Cụm trưởng) that hosts the conference
    chair: Person  # chủ trì: the cluster leader's commander unless the meeting named another
    secretary: Person  # thư ký
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
    # Unit code -> the explanation it filed during the peer review (thidua submit explanation).
    explanations: dict[str, str] = Field(default_factory=dict)
    lot_seed: str  # the recorded seed of the lot that breaks final ties
    closed_reason: str  # "Đủ phiếu, Cụm trưởng xác nhận", "Hết hạn"
    # Absent members whose written ballot the cluster leader entered; also in `absent` and `voted`.
    written: tuple[UnitRef, ...] = ()
    tie_decisions: tuple[TieDecision, ...] = ()
    drives: tuple[DriveLine, ...] = ()  # the year's emulation drives and their results
    drive_points: tuple[DrivePointsLine, ...] = ()  # the scheme's lines computed from them

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
    symbol: str  # "TTr-CTD4"
    leader: str  # name of the leading unit (Cụm trưởng) that signs
    signer: Person  # who signs for the leading unit
    nominations: tuple[NominationCandidate, ...]
    names: dict[str, str]  # unit code → name
    directorate_decision: str  # "Phê duyệt" / "Phê duyệt có điều chỉnh: …"
    amendments: tuple[str, ...] = ()
    drives: tuple[DriveLine, ...] = ()  # the year's emulation drives and their results

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
    """Báo cáo thành tích: one nominated unit's report, signed by its head.

    One report per unit, with every title the unit is put forward for (a flag and a title
    are two nominations but one unit, one set of achievements, one report).
    """

    body: str  # the parent body, printed above the unit: "Công an thành phố Hà Nội"
    unit: UnitRef
    cluster_name: str
    year: int
    movement: str
    locality: str  # place of the date line: "Hà Nội"
    date: dt.date
    titles: tuple[str, ...]  # the titles and flags the unit is nominated for
    head: Person  # thủ trưởng đơn vị, who signs
    score: RankedUnit
    achievements: str  # thành tích đạt được; one paragraph per line
    shortcomings: str  # tồn tại, hạn chế; one paragraph per line
    criteria: tuple[CriterionLine, ...]

    @model_validator(mode="after")
    def _same_unit(self) -> "AchievementContext":
        if self.score.unit != self.unit.code:
            raise ValueError(f"điểm của {self.score.unit} không phải của {self.unit.code}")
        if not self.titles:
            raise ValueError(f"{self.unit.name} không được đề nghị danh hiệu nào")
        return self


class AwardedTitle(_Frozen):
    """One line of the decision: a unit and the title it is recognised for."""

    unit: UnitRef
    title: str
    score: Decimal
    rank: int


class DecisionContext(_Frozen):
    """Quyết định of the directorate approving a cluster's results (stage 4).

    Issued by the body (`body`, under its parent `parent_body`), signed by the directorate
    member who decided; lists the acclaimed unit, the titles, next year's leader and deputy.
    """

    parent_body: str  # "Bộ Công an"; "" when the body has none above it
    body: str  # "Công an thành phố Hà Nội"
    cluster_name: str
    year: int
    movement: str
    locality: str
    date: dt.date
    symbol: str  # "QĐ-CAHN"
    head_title: str  # the head of the body, who decides: "Giám đốc"
    proposer: str  # name of the leading unit (Cụm trưởng) whose memo and minutes are approved
    decision: str  # "approve" | "amend"
    reason: str  # the directorate's reason ("" for a plain approval)
    amendments: tuple[str, ...]  # "Phòng Hậu cần: không đề nghị danh hiệu"
    acclaimed: UnitRef | None  # the leading unit (suy tôn dẫn đầu)
    flag: UnitRef | None  # the unit put forward for the flag
    flag_title: str | None  # the flag it is put forward for
    leader_next: UnitRef | None  # Cụm trưởng năm year + 1
    deputy_next: UnitRef | None  # Cụm phó năm year + 1
    titles: tuple[AwardedTitle, ...]  # best first
    signer: Person  # the directorate member who decided
    signer_on_behalf: str  # "KT. GIÁM ĐỐC" ("" when the head signs in their own name)
