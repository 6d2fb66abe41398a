"""Counting the cluster's secret ballots (kiểm phiếu).

The tally depends only on the multiset of ballots, the ranking and the rules, so it can be
re-run from the stored ballots at any time and give the same result.
"""

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from fractions import Fraction

from rules.config import CycleRules
from rules.errors import RuleViolation
from rules.lot import lot_order
from rules.quota import fill_quotas
from rules.results import BallotContent, Election, FlagVote, RankedUnit, TitleVote, VoteResult
from rules.scoring import tie_break_chain

# Election.question holds the key; the label is for minutes and screens.
QUESTION_LABELS = {
    "acclaim": "Suy tôn đơn vị dẫn đầu",
    "leader": "Cụm trưởng",
    "deputy": "Cụm phó",
}


def required(share: Fraction, members: int, *, self_excluded: bool = False) -> int:
    """Votes needed for a share of all members; exact, so 2/3 of 9 is 6, never 7.

    Where a unit cannot vote for itself (`self_excluded`), no unit can have more than the
    other members' votes: a share asking more (4/5 of 4 units is 4 votes) would make the
    question impossible in a small cluster, so it asks every other member instead."""
    need = math.ceil(share * members)
    return min(need, members - 1) if self_excluded and members > 1 else need


def _check_references(ballots: Sequence[BallotContent], ranking: Sequence[RankedUnit]) -> None:
    # Ballots were validated when cast; a name the ranking does not know means the stored
    # ballots and the ranking disagree, and counting around it would hide that.
    units = {r.unit for r in ranking}
    proposed = {r.unit for r in ranking if r.proposed_title is not None}
    for i, ballot in enumerate(ballots):
        for question in QUESTION_LABELS:
            choice: str | None = getattr(ballot, question)
            if choice is not None and choice not in units:
                raise RuleViolation(
                    f"ballots[{i}].{question}", "không phải đơn vị thành viên của cụm"
                )
        for unit in ballot.titles:
            if unit not in proposed:
                raise RuleViolation(
                    f"ballots[{i}].titles.{unit}", "đơn vị này không được đề xuất danh hiệu thi đua"
                )


def _election(
    rules: CycleRules,
    question: str,
    choices: Iterable[str | None],
    ranking: Mapping[str, RankedUnit],
    lot: Mapping[str, int],
    *,
    share: Fraction,
    quorum_note: str | None,
    exclude: str | None = None,
) -> Election:
    members = len(ranking)
    need = required(share, members, self_excluded=True)  # ballot.SELF_VOTE
    votes = Counter(c for c in choices if c is not None and c != exclude)
    chain = tie_break_chain(rules)

    def tie_key(unit: str, name: str) -> object:
        return -ranking[unit].consolidated if name == "score" else lot[unit]

    order = sorted(votes, key=lambda u: (-votes[u], *(tie_key(u, n) for n in chain)))
    counts = tuple((u, votes[u]) for u in order)

    winner: str | None = None
    note: str | None = quorum_note
    if quorum_note is None:
        if not counts:
            note = "Không có phiếu bầu hợp lệ cho câu hỏi này"
        elif counts[0][1] < need:
            note = (
                f"Không đơn vị nào đạt số phiếu tối thiểu theo quy định: cần {need}, "
                f"cao nhất {counts[0][1]} phiếu"
            )
        else:
            winner = counts[0][0]

    tie_broken_by: str | None = None
    if winner is not None and len(counts) > 1 and counts[0][1] == counts[1][1]:
        first, second = counts[0][0], counts[1][0]
        tie_broken_by = next(n for n in chain if tie_key(first, n) != tie_key(second, n))
    return Election(
        question=question,
        counts=counts,
        required_votes=need,
        winner=winner,
        tie_broken_by=tie_broken_by,
        note=note,
    )


def _acclaim_must_be_top(election: Election, ranking: Sequence[RankedUnit]) -> Election:
    top = min(ranking, key=lambda r: r.rank)
    if election.winner is None or election.winner == top.unit:
        return election
    elected = next(r for r in ranking if r.unit == election.winner)
    return election.model_copy(
        update={
            "winner": None,
            "tie_broken_by": None,
            "note": (
                f"Đơn vị được suy tôn phải là đơn vị dẫn đầu bảng xếp hạng ({top.unit}); "
                f"{elected.unit} đạt đủ số phiếu nhưng xếp hạng {elected.rank}"
            ),
        }
    )


def _flag(rules: CycleRules, acclaim: Election, members: int) -> FlagVote | None:
    if acclaim.winner is None:
        return None
    votes = dict(acclaim.counts)[acclaim.winner]
    need = required(rules.vote.flag_threshold, members, self_excluded=True)
    return FlagVote(
        unit=acclaim.winner,
        title=rules.flag_title,
        votes=votes,
        required=need,
        nominated=votes >= need,
    )


def tally(
    rules: CycleRules,
    ballots: Sequence[BallotContent],
    ranking: Sequence[RankedUnit],
    chair: Mapping[str, Collection[str]] | None = None,
) -> VoteResult:
    """Count the ballots of one cluster vote. Shares are of all members, absent ones included.

    `chair` holds the chair's recorded choices for quota ties (title -> units), if any.
    """
    _check_references(ballots, ranking)
    vote = rules.vote
    members = len(ranking)
    by_unit = {r.unit: r for r in ranking}
    lot = {u: i for i, u in enumerate(lot_order(rules.lot_seed, by_unit))}

    quorum_required = required(vote.quorum, members)
    quorum_met = len(ballots) >= quorum_required
    quorum_note = (
        None
        if quorum_met
        else (
            f"Không đủ số phiếu tối thiểu theo quy định: cần {quorum_required}, "
            f"có {len(ballots)} phiếu"
        )
    )

    acclaim = _election(
        rules,
        "acclaim",
        (b.acclaim for b in ballots),
        by_unit,
        lot,
        share=vote.acclaim_threshold,
        quorum_note=quorum_note,
    )
    if vote.acclaim_must_be_top and ranking:
        acclaim = _acclaim_must_be_top(acclaim, ranking)
    leader = _election(
        rules,
        "leader",
        (b.leader for b in ballots),
        by_unit,
        lot,
        share=vote.leader_threshold,
        quorum_note=quorum_note,
    )
    # The elected leader cannot also be deputy, so votes for it as deputy are set aside rather
    # than letting it win both and leaving the deputy post empty.
    deputy = _election(
        rules,
        "deputy",
        (b.deputy for b in ballots),
        by_unit,
        lot,
        share=vote.leader_threshold,
        quorum_note=quorum_note,
        exclude=leader.winner,
    )

    title_required = required(vote.title_threshold, members, self_excluded=not vote.self_title_vote)
    titles: list[TitleVote] = []
    for r in sorted(ranking, key=lambda r: r.rank):
        if r.proposed_title is None:
            continue
        answers = [b.titles[r.unit] for b in ballots if r.unit in b.titles]
        yes = sum(1 for a in answers if a)
        titles.append(
            TitleVote(
                unit=r.unit,
                title=r.proposed_title,
                yes=yes,
                no=len(answers) - yes,
                required=title_required,
                approved=quorum_met and yes >= title_required,
            )
        )
    placed, pending = fill_quotas(rules, titles, by_unit, lot, chair or {})

    return VoteResult(
        members=members,
        ballots_cast=len(ballots),
        quorum_required=quorum_required,
        quorum_met=quorum_met,
        acclaim=acclaim,
        leader=leader,
        deputy=deputy,
        titles=placed,
        flag=_flag(rules, acclaim, members),
        chair_pending=pending,
    )
