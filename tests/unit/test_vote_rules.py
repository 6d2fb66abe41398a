"""The vote as the law has it: the flag's own threshold, quotas by votes then score then the
chair (or the lot where the rules choose it), and no vote on one's own title."""

from decimal import Decimal as D
from fractions import Fraction

import pytest

from rules.ballot import validate_ballot
from rules.config import VoteRules
from rules.errors import RuleViolation
from rules.lot import lot_order
from rules.quota import check_chair_choice
from rules.results import BallotContent, FlagVote, QuotaTie, TitleVote
from rules.tally import tally
from tests.unit.test_tally import (
    ALL_YES,
    MEMBERS,
    QT,
    SEED,
    TOTALS,
    make_ballots,
    make_ranking,
    make_rules,
    proposed,
)


def quota_rules(quota: int, **vote: object):
    r = make_rules(**vote)
    return r.model_copy(update={"quotas": {QT: quota}})


def qt_votes(result) -> list[tuple[str, int, bool, str | None]]:
    return [(t.unit, t.yes, t.approved, t.decided_by) for t in result.titles if t.title == QT]


# --- the flag ----------------------------------------------------------------------------------


def test_default_thresholds_follow_the_decree():
    v = VoteRules()
    assert (v.flag_threshold, v.title_threshold, v.final_tie_break, v.self_title_vote) == (
        Fraction(4, 5),
        Fraction(4, 5),
        "chair",
        False,
    )


def test_six_votes_of_ten_acclaim_but_do_not_nominate_for_the_flag():
    ballots = make_ballots(10, acclaim="TCCB " * 6 + "TC " * 4)
    result = tally(make_rules(), ballots, make_ranking())
    assert (result.acclaim.winner, result.flag) == (
        "TCCB",
        FlagVote(unit="TCCB", title="Cờ luân lưu", votes=6, required=8, nominated=False),
    )


def test_the_flag_threshold_is_the_cycles_own():
    ballots = make_ballots(10, acclaim="TCCB " * 6 + "TC " * 4)
    result = tally(make_rules(flag_threshold="0.6"), ballots, make_ranking())
    assert result.flag == FlagVote(
        unit="TCCB", title="Cờ luân lưu", votes=6, required=6, nominated=True
    )


def test_no_acclaimed_unit_no_flag():
    assert tally(make_rules(), make_ballots(10), make_ranking()).flag is None


# --- quotas ------------------------------------------------------------------------------------


def test_quota_places_go_by_votes_before_score():
    # TCCB ranks first by score but has the fewest votes: it is the one left out.
    ballots = make_ballots(10, titles={"TCCB": "yyyyyyyynn", "TC": "y" * 10, "TM": "y" * 10})
    result = tally(quota_rules(2), ballots, make_ranking())
    assert qt_votes(result) == [
        ("TCCB", 8, False, "votes"),
        ("TC", 10, True, "votes"),
        ("TM", 10, True, "votes"),
    ]
    assert result.titles[0].note == f"Vượt chỉ tiêu danh hiệu “{QT}” của cụm (tối đa 2 đơn vị)"
    assert result.chair_pending == ()


def test_equal_votes_go_by_score():
    ballots = make_ballots(10, titles={"TCCB": "y" * 10, "TC": "y" * 10, "TM": "y" * 10})
    result = tally(quota_rules(2), ballots, make_ranking())
    assert qt_votes(result) == [
        ("TCCB", 10, True, "score"),
        ("TC", 10, True, "score"),
        ("TM", 10, False, "score"),
    ]


def equal_scores():
    return make_ranking({**TOTALS, "TC": 93, "TM": 93})


def test_a_tie_in_votes_and_score_waits_for_the_chair():
    ballots = make_ballots(10, titles={"TCCB": "y" * 10, "TC": "y" * 10, "TM": "y" * 10})
    result = tally(quota_rules(2), ballots, equal_scores())
    assert result.chair_pending == (QuotaTie(title=QT, places=1, units=("TC", "TM")),)
    assert qt_votes(result) == [
        ("TCCB", 10, True, "score"),
        ("TC", 10, False, None),
        ("TM", 10, False, None),
    ]


def test_the_chair_decides_the_tie_on_the_record():
    ballots = make_ballots(10, titles={"TCCB": "y" * 10, "TC": "y" * 10, "TM": "y" * 10})
    result = tally(quota_rules(2), ballots, equal_scores(), chair={QT: ["TM"]})
    assert result.chair_pending == ()
    assert qt_votes(result) == [
        ("TCCB", 10, True, "score"),
        ("TC", 10, False, "chair"),
        ("TM", 10, True, "chair"),
    ]


def test_a_chair_choice_that_no_longer_fits_leaves_the_tie_pending():
    ballots = make_ballots(10, titles={"TCCB": "y" * 10, "TC": "y" * 10, "TM": "y" * 10})
    result = tally(quota_rules(2), ballots, equal_scores(), chair={QT: ["TCCB"]})
    assert result.chair_pending == (QuotaTie(title=QT, places=1, units=("TC", "TM")),)


def test_the_lot_decides_where_the_rules_choose_it():
    ballots = make_ballots(10, titles={"TCCB": "y" * 10, "TC": "y" * 10, "TM": "y" * 10})
    result = tally(quota_rules(2, final_tie_break="lot"), ballots, equal_scores())
    first = next(u for u in lot_order(SEED, MEMBERS) if u in ("TC", "TM"))
    assert result.chair_pending == ()
    assert qt_votes(result) == [
        ("TCCB", 10, True, "score"),
        ("TC", 10, first == "TC", "lot"),
        ("TM", 10, first == "TM", "lot"),
    ]


def test_an_uncontested_quota_decides_nothing():
    result = tally(quota_rules(4), make_ballots(10, titles=ALL_YES), make_ranking())
    assert [t.decided_by for t in result.titles] == [None] * 7
    assert all(t.approved for t in result.titles)


def test_check_chair_choice():
    tie = QuotaTie(title=QT, places=1, units=("TC", "TM"))
    assert check_chair_choice(tie, ["TM"]) == ("TM",)
    with pytest.raises(RuleViolation, match="không nằm trong"):
        check_chair_choice(tie, ["HC"])
    with pytest.raises(RuleViolation, match="đúng 1 đơn vị"):
        check_chair_choice(tie, ["TC", "TM"])
    with pytest.raises(RuleViolation, match="đúng 1 đơn vị"):
        check_chair_choice(tie, [])


def test_votes_that_do_not_pass_take_no_place():
    ballots = make_ballots(10, titles={"TCCB": "y" * 7 + "nnn", "TC": "y" * 10, "TM": "y" * 10})
    result = tally(quota_rules(2), ballots, equal_scores())
    assert result.chair_pending == ()
    assert result.titles[:3] == (
        TitleVote(unit="TCCB", title=QT, yes=7, no=3, required=8, approved=False),
        TitleVote(unit="TC", title=QT, yes=10, no=0, required=8, approved=True),
        TitleVote(unit="TM", title=QT, yes=10, no=0, required=8, approved=True),
    )


# --- one's own title ---------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [True, False])
def test_a_unit_cannot_vote_on_its_own_title(answer):
    with pytest.raises(RuleViolation) as e:
        validate_ballot(
            BallotContent(titles={"HC": answer}),
            voter="HC",
            members=MEMBERS,
            proposed_titles=proposed(),
        )
    assert (e.value.field, e.value.reason) == (
        "ballot.titles.HC",
        "không được bỏ phiếu cho chính đơn vị mình",
    )


def test_the_rules_may_allow_a_vote_on_ones_own_title():
    ballot = BallotContent(titles={"HC": True})
    assert (
        validate_ballot(
            ballot, voter="HC", members=MEMBERS, proposed_titles=proposed(), allow_self_title=True
        )
        is ballot
    )


def test_scores_are_decimals():
    assert equal_scores()[1].consolidated == equal_scores()[2].consolidated == D("93.00")


# --- a small cluster ---------------------------------------------------------------------------

FOUR = {"TCCB": 96, "TC": 93, "TM": 91, "HC": 88}  # all four proposed for Quyết thắng


def _every_other_unit_says_yes(units: list[str]) -> list[BallotContent]:
    """Each unit votes the top unit for acclaim (the top unit votes the second) and approves
    every title but its own, as the ballot's checks require."""
    ballots = []
    for voter in units:
        ballot = BallotContent(
            acclaim=units[0] if voter != units[0] else units[1],
            titles={u: True for u in units if u != voter},
        )
        ballots.append(
            validate_ballot(
                ballot, voter=voter, members=units, proposed_titles={u: QT for u in units}
            )
        )
    return ballots


def test_in_a_cluster_of_four_every_other_units_vote_is_enough():
    """4/5 of four units is 3.2, so 4 votes; a unit never votes for itself, so no unit can have
    more than 3. The threshold never asks more than every other unit: unanimity of the others
    passes a title and nominates for the flag, one vote against still refuses them."""
    units = list(FOUR)
    ranking = make_ranking(FOUR)
    result = tally(make_rules(), _every_other_unit_says_yes(units), ranking)
    assert [(t.unit, t.yes, t.required, t.approved) for t in result.titles] == [
        (u, 3, 3, True) for u in units
    ]
    assert result.acclaim.winner == "TCCB"
    assert result.flag == FlagVote(
        unit="TCCB", title="Cờ luân lưu", votes=3, required=3, nominated=True
    )
    one_against = _every_other_unit_says_yes(units)
    says_no = {**one_against[1].titles, "TCCB": False}  # Phòng Tài chính votes against
    one_against[1] = one_against[1].model_copy(update={"titles": says_no})
    refused = tally(make_rules(), one_against, ranking)
    assert [(t.unit, t.yes, t.approved) for t in refused.titles] == [
        ("TCCB", 2, False),
        *((u, 3, True) for u in units[1:]),
    ]


def test_when_the_rules_let_a_unit_vote_on_its_own_title_all_members_count():
    r = make_rules(self_title_vote=True)
    ballots = make_ballots(4, titles={u: "yyyn" for u in FOUR})
    result = tally(r, ballots, make_ranking(FOUR, r))
    assert {(t.yes, t.required, t.approved) for t in result.titles} == {(3, 4, False)}
