"""The benchmark's rules: a 20-criterion scheme (the sample's 16, reweighted, and four more).

Every criterion is worth 5 points (total 100) and there are no bonus or penalty items, so a
score sheet has exactly 20 lines: 1000 clusters × 10 units × 9 peers × 20 = 1.8 million
peer-score rows.
"""

from datetime import timedelta
from decimal import Decimal

from rules.config import Criterion, CycleRules, ScoringScheme, StageDeadline
from rules.defaults import default_rules, default_scheme
from rules.stages import Stage

FIVE = Decimal(5)

EXTRA: dict[str, tuple[Criterion, ...]] = {
    "CM": (
        Criterion(
            code="CM5",
            name="Phòng ngừa, đấu tranh với tội phạm và vi phạm pháp luật trên lĩnh vực được giao",
            max_points=FIVE,
        ),
        Criterion(
            code="CM6",
            name="Giải quyết thủ tục hành chính đúng hạn, đúng quy định",
            max_points=FIVE,
            kind="quantitative",
            target="100% hồ sơ giải quyết đúng hạn",
        ),
    ),
    "PT": (
        Criterion(
            code="PT4",
            name="Thông tin, tuyên truyền về phong trào thi đua và gương người tốt, việc tốt",
            max_points=FIVE,
        ),
    ),
    "HC": (
        Criterion(
            code="HC3",
            name="Bảo đảm an toàn kho tàng, vũ khí, phương tiện; xây dựng cơ sở vật chất",
            max_points=FIVE,
        ),
    ),
}


def scheme_20() -> ScoringScheme:
    base = default_scheme()
    groups = []
    for g in base.groups:
        criteria = tuple(c.model_copy(update={"max_points": FIVE}) for c in g.criteria)
        groups.append(g.model_copy(update={"criteria": criteria + EXTRA.get(g.code, ())}))
    scheme = ScoringScheme(
        name="Thang điểm 20 tiêu chí (benchmark)",
        total_points=Decimal(100),
        groups=tuple(groups),
    )
    assert len(scheme.criteria) == 20 and len(scheme.item_codes) == 20
    return scheme


def bench_rules() -> CycleRules:
    """The sample's rules with the 20-criterion scheme, a fixed lot and deadlines far enough
    away that only people (never a deadline) move a stage."""
    long = {s: StageDeadline(duration=timedelta(days=30)) for s in Stage}
    long[Stage.APPROVAL] = StageDeadline(duration=timedelta(days=30), on_deadline="wait")
    rules = default_rules(lot_seed="bench").model_copy(
        update={"scheme": scheme_20(), "deadlines": long}
    )
    return CycleRules.model_validate(rules.model_dump(mode="json"))  # validated as stored
