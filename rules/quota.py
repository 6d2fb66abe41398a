"""Filling a title's quota (chỉ tiêu) from the approved title votes.

The places go by votes first, then by consolidated score; a tie still left for the last places
is decided by the chair of the meeting on the record, or by the cycle's lot where its rules
choose the lot (Nghị định 152/2025/NĐ-CP, replacing 98/2023/NĐ-CP art. 30).
"""

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

from rules.config import CycleRules
from rules.errors import RuleViolation
from rules.results import QuotaTie, RankedUnit, TitleVote

Key = tuple[int, Decimal]


def _key(vote: TitleVote, ranking: Mapping[str, RankedUnit]) -> Key:
    return -vote.yes, -ranking[vote.unit].consolidated


def _separating(a: Key, b: Key) -> str:
    return "votes" if a[0] != b[0] else "score"


def check_chair_choice(tie: QuotaTie, units: Collection[str]) -> tuple[str, ...]:
    """The chair's choice for a tie: exactly `places` distinct units among the tied ones."""
    chosen = tuple(sorted(set(units)))
    strangers = [u for u in chosen if u not in tie.units]
    if strangers:
        raise RuleViolation(
            "unit",
            f"{', '.join(strangers)} không nằm trong các đơn vị bằng phiếu, bằng điểm "
            f"({', '.join(tie.units)}) cho danh hiệu “{tie.title}”",
        )
    if len(chosen) != tie.places or len(chosen) != len(list(units)):
        raise RuleViolation(
            "unit", f"phải chọn đúng {tie.places} đơn vị khác nhau cho danh hiệu “{tie.title}”"
        )
    return chosen


def fill_quotas(
    rules: CycleRules,
    votes: Sequence[TitleVote],
    ranking: Mapping[str, RankedUnit],
    lot: Mapping[str, int],
    chair: Mapping[str, Collection[str]],
) -> tuple[tuple[TitleVote, ...], tuple[QuotaTie, ...]]:
    """`votes` with the places of every contested quota decided, and the ties left to the chair.

    `chair` maps a title to the units the chair chose for its tie; a choice that does not fit
    the tie (the ballots changed since) is ignored, so the tie stays pending.
    """
    out = {v.unit: v for v in votes}
    pending: list[QuotaTie] = []
    for title, quota in sorted(rules.quotas.items()):
        contenders = sorted(
            (v for v in votes if v.title == title and v.approved),
            key=lambda v: (_key(v, ranking), v.unit),
        )
        if len(contenders) <= quota:
            continue
        keys = {v.unit: _key(v, ranking) for v in contenders}
        edge = keys[contenders[quota].unit] if quota > 0 else None
        last_in = keys[contenders[quota - 1].unit] if quota > 0 else None
        tied: list[str] = []
        winners: set[str] = {v.unit for v in contenders[:quota]}
        how: str | None = None
        if quota > 0 and edge == last_in:
            tied = [v.unit for v in contenders if keys[v.unit] == edge]
            better = {v.unit for v in contenders if keys[v.unit] < edge}  # type: ignore[operator]
            places = quota - len(better)
            tie = QuotaTie(title=title, places=places, units=tuple(sorted(tied)))
            if rules.vote.final_tie_break == "lot":
                drawn = sorted(tied, key=lambda u: lot[u])[:places]
                how = "lot"
            else:
                how = "chair"
                try:
                    drawn = list(check_chair_choice(tie, chair.get(title, ())))
                except RuleViolation:
                    drawn = []
                    pending.append(tie)
            winners = better | set(drawn)
        undecided = how == "chair" and bool(pending) and pending[-1].title == title
        for v in contenders:
            inside = v.unit in winners
            if v.unit in tied:
                decided = None if undecided else how
            else:
                # The nearest unit across the line: the first left out, or the last let in.
                other = edge if inside else last_in
                decided = _separating(keys[v.unit], other) if other is not None else "votes"
            note = None
            if not inside:
                note = (
                    f"Chờ chủ tọa cuộc họp (Cụm trưởng) quyết định đơn vị hòa phiếu, hòa điểm "
                    f"cho chỉ tiêu “{title}”"
                    if undecided and v.unit in tied
                    else f"Vượt chỉ tiêu danh hiệu “{title}” của cụm (tối đa {quota} đơn vị)"
                )
            out[v.unit] = v.model_copy(
                update={"approved": inside, "decided_by": decided, "note": note}
            )
    return tuple(out[v.unit] for v in votes), tuple(pending)
