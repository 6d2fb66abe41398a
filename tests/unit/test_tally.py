import random
from decimal import Decimal as D

import pytest

from rules.ballot import validate_ballot
from rules.config import CycleRules, VoteRules
from rules.defaults import default_rules
from rules.errors import RuleViolation
from rules.lot import lot_order
from rules.results import BallotContent, Election, FlagVote, RankedUnit, TitleVote, VoteResult
from rules.scoring import consolidate, rank_units
from rules.tally import tally

SEED = "cum4-2019"
QT, TT = "Đơn vị Quyết thắng", "Đơn vị tiên tiến"

# Cụm thi đua số 4 (2019), by self-assessed total.
TOTALS = {
    "TCCB": 96,
    "TC": 93,
    "TM": 91,  # Quyết thắng
    "HC": 88,
    "ANTD": 85,
    "HL": 80,
    "XDPT": 78,  # tiên tiến
    "CT8": 74,
    "TTRA": 72,
    "CTD": 70,  # no title
}
MEMBERS = list(TOTALS)
QUORUM_NOTE_6 = "Không đủ số phiếu tối thiểu theo quy định: cần 7, có 6 phiếu"


def make_rules(**vote: object) -> CycleRules:
    return default_rules(lot_seed=SEED).model_copy(update={"vote": VoteRules.model_validate(vote)})


def make_ranking(totals: dict[str, int] = TOTALS, r: CycleRules | None = None) -> list[RankedUnit]:
    r = r or make_rules()
    scores = consolidate(r, list(totals), {u: D(t) for u, t in totals.items()}, {})
    return rank_units(r, scores)


def make_ballots(
    n: int,
    acclaim: str = "",
    leader: str = "",
    deputy: str = "",
    titles: dict[str, str] | None = None,
) -> list[BallotContent]:
    """Ballot i votes the i-th word of each space-separated answer string ("-" abstains);
    titles map a unit to one character per ballot: y, n or - (abstain)."""

    def column(spec: str) -> list[str | None]:
        words = spec.split() or ["-"] * n
        assert len(words) == n
        return [None if w == "-" else w for w in words]

    a, lead, dep = column(acclaim), column(leader), column(deputy)
    titles = titles or {}
    return [
        BallotContent(
            acclaim=a[i],
            leader=lead[i],
            deputy=dep[i],
            titles={u: s[i] == "y" for u, s in titles.items() if s[i] != "-"},
        )
        for i in range(n)
    ]


def election(question: str, counts, required: int, winner=None, tie=None, note=None) -> Election:
    return Election(
        question=question,
        counts=tuple(counts),
        required_votes=required,
        winner=winner,
        tie_broken_by=tie,
        note=note,
    )


def title_votes(results: dict[str, tuple[int, int, bool]], required: int = 8) -> tuple:
    titles = {"TCCB": QT, "TC": QT, "TM": QT, "HC": TT, "ANTD": TT, "HL": TT, "XDPT": TT}
    return tuple(
        TitleVote(unit=u, title=titles[u], yes=y, no=n, required=required, approved=ok)
        for u, (y, n, ok) in results.items()
    )


ALL_YES = {u: "y" * 10 for u in ["TCCB", "TC", "TM", "HC", "ANTD", "HL", "XDPT"]}


# --- validate_ballot -------------------------------------------------------------------------


def proposed() -> dict[str, str | None]:
    return {r.unit: r.proposed_title for r in make_ranking()}


def test_valid_ballot_is_returned_and_abstentions_are_allowed():
    full = BallotContent(acclaim="TCCB", leader="TCCB", deputy="TC", titles={"TM": False})
    assert validate_ballot(full, voter="HC", members=MEMBERS, proposed_titles=proposed()) is full
    empty = BallotContent()
    assert validate_ballot(empty, voter="HC", members=MEMBERS, proposed_titles=proposed()) is empty


@pytest.mark.parametrize(
    ("ballot", "voter", "field", "reason"),
    [
        (BallotContent(), "CAQ", "voter", "không phải đơn vị thành viên của cụm"),
        *(
            (
                BallotContent(**{q: "HC"}),
                "HC",
                f"ballot.{q}",
                "không được bỏ phiếu cho chính đơn vị mình",
            )
            for q in ("acclaim", "leader", "deputy")
        ),
        *(
            (
                BallotContent(**{q: "PC45"}),
                "HC",
                f"ballot.{q}",
                "không phải đơn vị thành viên của cụm",
            )
            for q in ("acclaim", "leader", "deputy")
        ),
        (
            BallotContent(leader="TC", deputy="TC"),
            "HC",
            "ballot.deputy",
            "Cụm phó phải là đơn vị khác với Cụm trưởng",
        ),
        (
            BallotContent(titles={"TM": True, "CT8": True}),
            "HC",
            "ballot.titles.CT8",
            "đơn vị này không được đề xuất danh hiệu thi đua",
        ),
        (
            BallotContent(titles={"PC45": True}),
            "HC",
            "ballot.titles.PC45",
            "đơn vị này không được đề xuất danh hiệu thi đua",
        ),
    ],
)
def test_invalid_ballot_is_refused(ballot, voter, field, reason):
    with pytest.raises(RuleViolation) as e:
        validate_ballot(ballot, voter=voter, members=MEMBERS, proposed_titles=proposed())
    assert (e.value.field, e.value.reason) == (field, reason)


# --- tally -----------------------------------------------------------------------------------


def test_full_vote():
    ballots = make_ballots(
        10,
        acclaim="TCCB TCCB TCCB TCCB TCCB TCCB TCCB TCCB TC TC",
        leader="TCCB TCCB TCCB TCCB TCCB TCCB TC TC TC TC",
        deputy="TC TC TC TC TC TC TC HC HC HC",
        titles={**ALL_YES, "TCCB": "yyyyyyyyyn", "TC": "yyyyyyyynn", "TM": "yyyyyyy-nn"},
    )
    assert tally(make_rules(), ballots, make_ranking()) == VoteResult(
        members=10,
        ballots_cast=10,
        quorum_required=7,
        quorum_met=True,
        acclaim=election("acclaim", [("TCCB", 8), ("TC", 2)], 5, "TCCB"),
        leader=election("leader", [("TCCB", 6), ("TC", 4)], 5, "TCCB"),
        deputy=election("deputy", [("TC", 7), ("HC", 3)], 5, "TC"),
        titles=title_votes(
            {
                "TCCB": (9, 1, True),
                "TC": (8, 2, True),
                "TM": (7, 2, False),
                "HC": (10, 0, True),
                "ANTD": (10, 0, True),
                "HL": (10, 0, True),
                "XDPT": (10, 0, True),
            }
        ),
        flag=FlagVote(unit="TCCB", title="Cờ luân lưu", votes=8, required=8, nominated=True),
    )


def test_quorum_not_met_elects_nobody_and_approves_nothing():
    ballots = make_ballots(
        6,
        acclaim="TCCB " * 6,
        leader="TCCB " * 6,
        deputy="TC " * 6,
        titles={u: "y" * 6 for u in ALL_YES},
    )
    assert tally(make_rules(), ballots, make_ranking()) == VoteResult(
        members=10,
        ballots_cast=6,
        quorum_required=7,
        quorum_met=False,
        acclaim=election("acclaim", [("TCCB", 6)], 5, note=QUORUM_NOTE_6),
        leader=election("leader", [("TCCB", 6)], 5, note=QUORUM_NOTE_6),
        deputy=election("deputy", [("TC", 6)], 5, note=QUORUM_NOTE_6),
        titles=title_votes({u: (6, 0, False) for u in ALL_YES}),
    )


def test_threshold_not_reached():
    ballots = make_ballots(
        10,
        acclaim="TCCB TCCB TCCB TCCB TC TC TC TC - -",
        leader="TCCB TCCB TCCB TCCB TC TC TC HC HC HC",
    )
    result = tally(make_rules(), ballots, make_ranking())
    note = "Không đơn vị nào đạt số phiếu tối thiểu theo quy định: cần 5, cao nhất 4 phiếu"
    # a tie below the threshold decides nothing, so it is not reported as broken
    assert result.acclaim == election("acclaim", [("TCCB", 4), ("TC", 4)], 5, note=note)
    assert result.leader == election("leader", [("TCCB", 4), ("TC", 3), ("HC", 3)], 5, note=note)
    assert result.deputy == election(
        "deputy", [], 5, note="Không có phiếu bầu hợp lệ cho câu hỏi này"
    )
    assert result.titles == title_votes({u: (0, 0, False) for u in ALL_YES})


def test_tie_broken_by_score():
    ballots = make_ballots(10, leader="TC TC TC TC TC TCCB TCCB TCCB TCCB TCCB")
    assert tally(make_rules(), ballots, make_ranking()).leader == election(
        "leader", [("TCCB", 5), ("TC", 5)], 5, "TCCB", tie="score"
    )


def test_tie_broken_by_lot_when_scores_are_equal():
    ranking = make_ranking({**TOTALS, "TC": 91, "TM": 91})
    first, second = lot_order(SEED, ["TC", "TM"])
    ballots = make_ballots(10, leader="TC TC TC TC TC TM TM TM TM TM")
    assert tally(make_rules(), ballots, ranking).leader == election(
        "leader", [(first, 5), (second, 5)], 5, first, tie="lot"
    )
    # another recorded seed can only change the draw, never ignore it
    r = make_rules().model_copy(update={"lot_seed": "other"})
    first, second = lot_order("other", ["TC", "TM"])
    assert tally(r, ballots, ranking).leader.counts == ((first, 5), (second, 5))


def test_lot_only_chain_ignores_scores():
    r = make_rules(tie_break=("lot",))
    first, second = lot_order(SEED, ["TC", "TCCB"])
    ballots = make_ballots(10, leader="TC TC TC TC TC TCCB TCCB TCCB TCCB TCCB")
    assert tally(r, ballots, make_ranking(r=r)).leader == election(
        "leader", [(first, 5), (second, 5)], 5, first, tie="lot"
    )


def test_acclaim_must_be_the_top_ranked_unit():
    ballots = make_ballots(10, acclaim="TC TC TC TC TC TC TCCB TCCB TCCB TCCB")
    assert tally(make_rules(), ballots, make_ranking()).acclaim == election(
        "acclaim",
        [("TC", 6), ("TCCB", 4)],
        5,
        note=(
            "Đơn vị được suy tôn phải là đơn vị dẫn đầu bảng xếp hạng (TCCB); "
            "TC đạt đủ số phiếu nhưng xếp hạng 2"
        ),
    )
    r = make_rules(acclaim_must_be_top=False)
    assert tally(r, ballots, make_ranking(r=r)).acclaim == election(
        "acclaim", [("TC", 6), ("TCCB", 4)], 5, "TC"
    )


def test_deputy_count_excludes_the_elected_leader():
    leader = "TCCB TCCB TCCB TCCB TCCB TCCB TC TC TC TC"
    ballots = make_ballots(10, leader=leader, deputy="TCCB TCCB TCCB TCCB TC TC TC TC TC HC")
    result = tally(make_rules(), ballots, make_ranking())
    assert result.leader.winner == "TCCB"
    assert result.deputy == election("deputy", [("TC", 5), ("HC", 1)], 5, "TC")

    # had the leader led the deputy count too, the deputy post stays open rather than doubled
    ballots = make_ballots(10, leader=leader, deputy="TCCB TCCB TCCB TCCB TCCB TCCB TC TC TC TC")
    assert tally(make_rules(), ballots, make_ranking()).deputy == election(
        "deputy",
        [("TC", 4)],
        5,
        note="Không đơn vị nào đạt số phiếu tối thiểu theo quy định: cần 5, cao nhất 4 phiếu",
    )

    # no leader elected: nothing to exclude
    ballots = make_ballots(10, deputy="TCCB TCCB TCCB TCCB TCCB TCCB TC TC TC TC")
    assert tally(make_rules(), ballots, make_ranking()).deputy == election(
        "deputy", [("TCCB", 6), ("TC", 4)], 5, "TCCB"
    )


def test_ballot_order_does_not_matter():
    ballots = make_ballots(
        9,
        acclaim="TCCB TCCB TCCB TCCB TCCB TC TC TC -",
        leader="TC TC TC TC TM TM TM TM HC",
        deputy="HC HC ANTD ANTD HL HL - - -",
        titles={"TCCB": "yyyyyyynn", "TM": "yyyyyyyy-", "HC": "nnnn-yyyy"},
    )
    ranking = make_ranking({**TOTALS, "TC": 91, "TM": 91})
    expected = tally(make_rules(), ballots, ranking)
    for i in range(25):
        shuffled = ballots[:]
        random.Random(i).shuffle(shuffled)
        assert tally(make_rules(), shuffled, list(reversed(ranking))) == expected


def test_shares_are_exact_fractions_of_all_members():
    nine = {u: t for u, t in TOTALS.items() if u != "CTD"}
    ranking = make_ranking(nine)
    # 2/3 of 9 is exactly 6; 4/5 of 9 is 7.2, so 8
    met = tally(make_rules(), make_ballots(6, titles={"TCCB": "y" * 6}), ranking)
    assert (met.quorum_required, met.quorum_met) == (6, True)
    assert met.titles[0] == TitleVote(
        unit="TCCB", title=QT, yes=6, no=0, required=8, approved=False
    )
    short = tally(make_rules(), make_ballots(5), ranking)
    assert (short.quorum_required, short.quorum_met) == (6, False)


def test_empty_ballots_count_for_quorum_only():
    result = tally(make_rules(), make_ballots(7), make_ranking())
    assert (result.ballots_cast, result.quorum_met) == (7, True)
    assert result.acclaim.winner is None


@pytest.mark.parametrize(
    ("ballot", "field"),
    [
        (BallotContent(leader="PC45"), "ballots[1].leader"),
        (BallotContent(titles={"CT8": True}), "ballots[1].titles.CT8"),
    ],
)
def test_tally_refuses_ballots_the_ranking_does_not_know(ballot, field):
    with pytest.raises(RuleViolation) as e:
        tally(make_rules(), [BallotContent(), ballot], make_ranking())
    assert e.value.field == field
