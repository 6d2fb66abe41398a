"""A sheet of one year read under another scheme: each item keeps its share of the maximum."""

from decimal import Decimal

from rules.config import Adjustment, Criterion, CriterionGroup, ScoringScheme
from rules.rescore import rescore, scheme_changes


def scheme(a: str, b: str, *, c: str | None = None, max_bonus: str = "5") -> ScoringScheme:
    criteria = [
        Criterion(code="A", name="Tiêu chí A", max_points=Decimal(a)),
        Criterion(code="B", name="Tiêu chí B", max_points=Decimal(b)),
    ]
    if c is not None:
        criteria.append(Criterion(code="C", name="Tiêu chí C", max_points=Decimal(c)))
    total = sum((x.max_points for x in criteria), Decimal(0))
    return ScoringScheme(
        name="Thang điểm thử",
        total_points=total,
        groups=(CriterionGroup(code="G", name="Nhóm", criteria=tuple(criteria)),),
        bonuses=(
            Adjustment(code="T1", name="Thưởng 1", max_points=Decimal(3)),
            Adjustment(code="T2", name="Thưởng 2", max_points=Decimal(3)),
        ),
        penalties=(Adjustment(code="P", name="Trừ", max_points=Decimal(10)),),
        max_bonus=Decimal(max_bonus),
    )


def d(**points: str) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in points.items()}


def test_the_same_scheme_gives_the_same_total() -> None:
    old = scheme("60", "40")
    assert rescore(old, old, d(A="45", B="30.5", T1="2", P="1")) == Decimal("76.50")
    assert scheme_changes(old, old) == []


def test_a_criterion_weighing_more_keeps_the_share_earned() -> None:
    old, new = scheme("60", "40"), scheme("40", "60")
    # A: 45/60 = 75 % of 40 = 30; B: 40/40 = 100 % of 60 = 60
    assert rescore(old, new, d(A="45", B="40")) == Decimal("90.00")
    assert scheme_changes(old, new) == ["A: điểm tối đa 60 → 40", "B: điểm tối đa 40 → 60"]


def test_a_new_criterion_counts_zero_and_a_dropped_one_nothing() -> None:
    old, new = scheme("60", "40"), scheme("50", "40", c="10")
    assert rescore(old, new, d(A="60", B="40")) == Decimal("90.00")
    assert scheme_changes(new, old)[-1] == "C: bỏ khỏi thang điểm"
    assert rescore(new, old, d(A="50", B="40", C="10")) == Decimal("100.00")


def test_bonuses_are_capped_by_the_new_scheme_and_penalties_kept() -> None:
    old, new = scheme("60", "40"), scheme("60", "40", max_bonus="4")
    assert rescore(old, new, d(A="50", B="30", T1="3", T2="2", P="2")) == Decimal("82.00")
    assert scheme_changes(old, new) == ["Điểm thưởng tối đa 5 → 4"]
