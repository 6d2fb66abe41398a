"""Checking one secret ballot before it is stored; after that it names no voter."""

from collections.abc import Mapping, Sequence

from rules.errors import RuleViolation, raise_all
from rules.results import BallotContent

NOT_A_MEMBER = "không phải đơn vị thành viên của cụm"
SELF_VOTE = "không được bỏ phiếu cho chính đơn vị mình"


def validate_ballot(
    ballot: BallotContent,
    *,
    voter: str,
    members: Sequence[str],
    proposed_titles: Mapping[str, str | None],
    allow_self_title: bool = False,
) -> BallotContent:
    """Refuse a ballot that breaks a rule, naming every broken rule at once; an unanswered
    question is an abstention, not an error.

    This is the only moment the voter is known, so every check that needs the voter (no vote for
    oneself) happens here and not at the tally.
    """
    if voter not in members:
        raise RuleViolation("voter", NOT_A_MEMBER)
    found: list[RuleViolation] = []
    for question in ("acclaim", "leader", "deputy"):
        choice: str | None = getattr(ballot, question)
        if choice is None:
            continue
        if choice not in members:
            found.append(RuleViolation(f"ballot.{question}", NOT_A_MEMBER))
        elif choice == voter:
            found.append(RuleViolation(f"ballot.{question}", SELF_VOTE))
    if ballot.deputy is not None and ballot.deputy == ballot.leader:
        found.append(RuleViolation("ballot.deputy", "Cụm phó phải là đơn vị khác với Cụm trưởng"))
    for unit in sorted(ballot.titles):
        if proposed_titles.get(unit) is None:
            found.append(
                RuleViolation(
                    f"ballot.titles.{unit}", "đơn vị này không được đề xuất danh hiệu thi đua"
                )
            )
        elif unit == voter and not allow_self_title:
            found.append(RuleViolation(f"ballot.titles.{unit}", SELF_VOTE))
    raise_all(found)
    return ballot
