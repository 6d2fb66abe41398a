"""What the pure rules compute: scores, rankings, ballots, tallies, nominations.

Unit references are unit codes (str); the database layer maps them to rows.
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitScore(_Frozen):
    unit: str
    self_total: Decimal | None  # None: no self-assessment (not eligible for a title)
    peer_totals: tuple[Decimal, ...]
    peer_mean: Decimal | None  # None: no peer reviewed it
    consolidated: Decimal
    gap: Decimal | None  # self_total - peer_mean
    gap_flagged: bool  # |gap| > rules.gap_threshold: the unit must explain (giải trình)
    eligible: bool


class RankedUnit(UnitScore):
    rank: int  # 1 = highest; ties resolved by the cycle's tie-break chain, so ranks are unique
    proposed_title: str | None


class BallotContent(_Frozen):
    """One secret ballot. It names no voter; the voter roll is kept apart."""

    acclaim: str | None = None  # unit proposed for acclaim (suy tôn)
    leader: str | None = None  # next year's cluster leader (Cụm trưởng)
    deputy: str | None = None  # next year's deputy (Cụm phó)
    titles: dict[str, bool] = Field(default_factory=dict)  # unit -> approve its proposed title


class Election(_Frozen):
    """Result of one single-choice question (acclaim, leader, deputy)."""

    question: str
    counts: tuple[tuple[str, int], ...]  # (unit, votes), in final order after tie-breaks
    required_votes: int
    winner: str | None
    tie_broken_by: str | None  # "score" or "lot" when a tie decided the winner
    note: str | None  # why there is no winner, in Vietnamese


class TitleVote(_Frozen):
    unit: str
    title: str
    yes: int
    no: int
    required: int
    approved: bool
    # Where the title's quota was contested: the rule that gave or refused this unit its place
    # ("votes", "score", "chair", "lot"); None when every approved unit fits the quota.
    decided_by: str | None = None
    note: str | None = None  # why an approved vote did not get a place, in Vietnamese


class FlagVote(_Frozen):
    """The acclaimed unit is put forward for the flag only with the flag's own threshold."""

    unit: str
    title: str
    votes: int
    required: int
    nominated: bool


class QuotaTie(_Frozen):
    """Units still equal in votes and score for the last `places` of a title's quota."""

    title: str
    places: int
    units: tuple[str, ...]


class VoteResult(_Frozen):
    members: int
    ballots_cast: int
    quorum_required: int
    quorum_met: bool
    acclaim: Election
    leader: Election
    deputy: Election
    titles: tuple[TitleVote, ...]
    flag: FlagVote | None = None  # None: no unit was acclaimed (or a result stored before flags)
    # Ties the chair of the meeting must still decide; the vote cannot close while any is left.
    chair_pending: tuple[QuotaTie, ...] = ()


class NominationCandidate(_Frozen):
    unit: str
    title: str
    score: Decimal
    rank: int
    eligible: bool
    reasons: tuple[str, ...]  # why not eligible, or notes (e.g. no history), in Vietnamese
    # Earlier years a prerequisite needs of which nothing is known (thidua did not run then and
    # no history was imported): the directorate confirms or drops the nomination.
    unrecorded_years: tuple[int, ...] = ()
