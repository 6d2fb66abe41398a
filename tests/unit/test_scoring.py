import hashlib
from decimal import Decimal as D
from fractions import Fraction

import pytest

from rules.config import (
    Adjustment,
    Criterion,
    CriterionGroup,
    CycleRules,
    ScoringScheme,
    TitleRule,
    VoteRules,
)
from rules.defaults import default_rules, default_scheme, example_scores
from rules.errors import RuleViolation, RuleViolations
from rules.lot import lot_order
from rules.results import RankedUnit, UnitScore
from rules.scoring import (
    consolidate,
    fraction_to_points,
    rank_units,
    total_score,
    validate_scores,
)

SCHEME = ScoringScheme(
    name="Thang điểm thử",
    total_points=D(20),
    groups=(
        CriterionGroup(
            code="G1",
            name="Xây dựng lực lượng",
            criteria=(
                Criterion(code="A", name="Định tính", max_points=D(10)),
                Criterion(
                    code="B",
                    name="Theo số lần",
                    max_points=D(10),
                    kind="per_occurrence",
                    step=D("2.5"),
                ),
            ),
        ),
    ),
    bonuses=(
        Adjustment(code="T1", name="Thưởng 1", max_points=D(3)),
        Adjustment(code="T2", name="Thưởng 2", max_points=D(3), step=D(1)),
    ),
    penalties=(Adjustment(code="P1", name="Trừ", max_points=D(30)),),
    max_bonus=D(4),
)


def rules(**kw: object) -> CycleRules:
    base: dict[str, object] = {
        "scheme": SCHEME,
        "titles": (
            TitleRule(title="Quyết thắng", min_score=D(18)),
            TitleRule(title="Tiên tiến", min_score=D(15)),
        ),
        "lot_seed": "seed-2019",
    }
    base.update(kw)
    return CycleRules.model_validate(base)


def us(unit: str, consolidated: str, *, eligible: bool = True) -> UnitScore:
    c = D(consolidated)
    return UnitScore(
        unit=unit,
        self_total=c if eligible else None,
        peer_totals=(),
        peer_mean=None,
        consolidated=c,
        gap=None,
        gap_flagged=False,
        eligible=eligible,
    )


def ranked(s: UnitScore, rank: int, title: str | None) -> RankedUnit:
    return RankedUnit(**s.model_dump(), rank=rank, proposed_title=title)


# --- lot -------------------------------------------------------------------------------------


def test_lot_order_is_seeded_sha256_and_ignores_input_order():
    units = ["TM", "TCCB", "HC", "TC", "ANTD", "HL"]
    expected = sorted(units, key=lambda u: hashlib.sha256(f"s1:{u}".encode()).hexdigest())
    assert lot_order("s1", units) == expected
    assert lot_order("s1", reversed(units)) == expected
    assert len({tuple(lot_order(f"seed{i}", units)) for i in range(20)}) > 1


# --- validate_scores -------------------------------------------------------------------------


def test_valid_sheet_returns_every_item_as_cents():
    got = validate_scores(SCHEME, {"A": 9.5, "B": "7.5", "T2": 2, "P1": D("1.25")})
    assert got == {"A": D("9.50"), "B": D("7.50"), "T1": D(0), "T2": D(2), "P1": D("1.25")}
    assert all(v.as_tuple().exponent == -2 for v in got.values())


@pytest.mark.parametrize(
    ("scores", "field", "reason"),
    [
        ({"B": 5}, "scores.A", "thiếu điểm"),
        ({"A": 1, "B": 5, "X9": 1}, "scores.X9", "không có trong thang điểm"),
        ({"A": "mười", "B": 5}, "scores.A", "không phải là số"),
        ({"A": True, "B": 5}, "scores.A", "không phải là số"),
        ({"A": "NaN", "B": 5}, "scores.A", "không phải là số hữu hạn (NaN, vô cùng)"),
        ({"A": float("inf"), "B": 5}, "scores.A", "không phải là số hữu hạn (NaN, vô cùng)"),
        ({"A": -1, "B": 5}, "scores.A", "không được âm"),
        ({"A": D("10.01"), "B": 5}, "scores.A", "vượt quá điểm tối đa 10"),
        ({"A": "1.005", "B": 5}, "scores.A", "chỉ được có tối đa 2 chữ số thập phân"),
        ({"A": 1, "B": 4}, "scores.B", "phải là bội số của 2.5"),
        ({"A": 1, "B": 12.5}, "scores.B", "vượt quá điểm tối đa 10"),
        ({"A": 1, "B": 5, "T1": "3.5"}, "scores.T1", "vượt quá điểm tối đa 3"),
        ({"A": 1, "B": 5, "T2": "1.5"}, "scores.T2", "phải là bội số của 1"),
        ({"A": 1, "B": 5, "P1": -2}, "scores.P1", "không được âm"),
        ({"A": 1, "B": 5, "T1": 3, "T2": 2}, "scores", "tổng điểm thưởng 5 vượt quá mức tối đa 4"),
    ],
)
def test_invalid_sheet_is_refused(scores, field, reason):
    with pytest.raises(RuleViolation) as e:
        validate_scores(SCHEME, scores)
    assert (e.value.field, e.value.reason) == (field, reason)


def test_every_violation_of_a_sheet_at_once():
    scores = {"A": "mười", "X9": 1, "T1": 3, "T2": 2, "P1": -2}  # B is missing
    with pytest.raises(RuleViolations) as e:
        validate_scores(SCHEME, scores)
    assert [(v.field, v.reason) for v in e.value.violations] == [
        ("scores.X9", "không có trong thang điểm"),
        ("scores.A", "không phải là số"),
        ("scores.B", "thiếu điểm"),
        ("scores.P1", "không được âm"),
        ("scores", "tổng điểm thưởng 5 vượt quá mức tối đa 4"),
    ]
    assert (e.value.field, e.value.reason) == ("scores.X9", "không có trong thang điểm")


def test_trailing_zeros_are_not_extra_decimals():
    assert validate_scores(SCHEME, {"A": "9.500", "B": "10.0"})["A"] == D("9.50")


# --- total_score -----------------------------------------------------------------------------


def test_total_adds_bonuses_and_subtracts_penalties():
    sheet = validate_scores(SCHEME, {"A": 8, "B": 5, "T1": "1.5", "T2": 1, "P1": "0.25"})
    assert total_score(SCHEME, sheet) == D("15.25")


def test_total_is_floored_at_zero():
    sheet = validate_scores(SCHEME, {"A": 2, "B": 0, "P1": 25})
    assert total_score(SCHEME, sheet) == D("0.00")


# --- consolidate -----------------------------------------------------------------------------


def test_consolidate_every_case_in_unit_order():
    r = rules(self_weight=Fraction(3, 10), gap_threshold=D(10))
    got = consolidate(
        r,
        ["TM", "TCCB", "HC", "TC", "ANTD"],
        {"TM": D(95), "TCCB": D(90), "TC": D(80), "ANTD": D(70)},
        {"TM": [D(80), D(81)], "TCCB": [D(85), D(86), D(84)], "HC": [D(77), D(78)]},
    )
    assert got == [
        # 0.3·95 + 0.7·80.5 = 84.85; gap 14.5 > 10
        UnitScore(
            unit="TM",
            self_total=D(95),
            peer_totals=(D(80), D(81)),
            peer_mean=D("80.50"),
            consolidated=D("84.85"),
            gap=D("14.50"),
            gap_flagged=True,
            eligible=True,
        ),
        UnitScore(
            unit="TCCB",
            self_total=D(90),
            peer_totals=(D(85), D(86), D(84)),
            peer_mean=D(85),
            consolidated=D("86.50"),
            gap=D(5),
            gap_flagged=False,
            eligible=True,
        ),
        # no self-assessment: peers only, not eligible
        UnitScore(
            unit="HC",
            self_total=None,
            peer_totals=(D(77), D(78)),
            peer_mean=D("77.50"),
            consolidated=D("77.50"),
            gap=None,
            gap_flagged=False,
            eligible=False,
        ),
        # not reviewed: its own total
        UnitScore(
            unit="TC",
            self_total=D(80),
            peer_totals=(),
            peer_mean=None,
            consolidated=D(80),
            gap=None,
            gap_flagged=False,
            eligible=True,
        ),
        UnitScore(
            unit="ANTD",
            self_total=D(70),
            peer_totals=(),
            peer_mean=None,
            consolidated=D(70),
            gap=None,
            gap_flagged=False,
            eligible=True,
        ),
    ]


def test_consolidate_unit_with_nothing_scores_zero():
    assert consolidate(rules(), ["XDPT"], {}, {}) == [
        UnitScore(
            unit="XDPT",
            self_total=None,
            peer_totals=(),
            peer_mean=None,
            consolidated=D(0),
            gap=None,
            gap_flagged=False,
            eligible=False,
        )
    ]


def test_gap_equal_to_threshold_is_not_flagged():
    [s] = consolidate(rules(gap_threshold=D(5)), ["TM"], {"TM": D(90)}, {"TM": [D(85)]})
    assert (s.gap, s.gap_flagged) == (D(5), False)
    [s] = consolidate(rules(gap_threshold=D(5)), ["TM"], {"TM": D(80)}, {"TM": [D("85.01")]})
    assert (s.gap, s.gap_flagged) == (D("-5.01"), True)


def test_means_round_half_up_to_cents():
    # peers mean 80.005 -> 80.01; 0.5·90 + 0.5·80.01 = 85.005 -> 85.01
    [s] = consolidate(
        rules(self_weight=Fraction(1, 2)), ["TM"], {"TM": D(90)}, {"TM": [D("80.00"), D("80.01")]}
    )
    assert (s.peer_mean, s.consolidated) == (D("80.01"), D("85.01"))
    assert fraction_to_points(Fraction(-1, 200)) == D("-0.01")
    assert fraction_to_points(Fraction(1, 3)) == D("0.33")


# --- rank_units ------------------------------------------------------------------------------


def test_rank_orders_by_score_and_proposes_best_title_reached():
    scores = [us("HC", "15"), us("TM", "19.5"), us("TC", "14.99"), us("TCCB", "18")]
    assert rank_units(rules(), scores) == [
        ranked(scores[1], 1, "Quyết thắng"),
        ranked(scores[3], 2, "Quyết thắng"),
        ranked(scores[0], 3, "Tiên tiến"),
        ranked(scores[2], 4, None),
    ]


def test_unit_without_self_assessment_gets_no_title():
    scores = [us("TM", "19", eligible=False), us("HC", "16")]
    assert rank_units(rules(), scores) == [
        ranked(scores[0], 1, None),
        ranked(scores[1], 2, "Tiên tiến"),
    ]


def test_exact_tie_falls_to_the_recorded_lot():
    scores = [us(u, "16") for u in ["TM", "TCCB", "HC", "TC", "ANTD"]] + [us("CT8", "19")]
    got = rank_units(rules(), scores)
    lot = lot_order("seed-2019", [s.unit for s in scores if s.unit != "CT8"])
    assert [r.unit for r in got] == ["CT8", *lot]
    assert [r.rank for r in got] == [1, 2, 3, 4, 5, 6]
    # same seed, same order whatever the input order
    assert rank_units(rules(), list(reversed(scores))) == got
    other = rank_units(rules(lot_seed="another"), scores)
    assert [r.unit for r in other][1:] == lot_order("another", lot)


def test_lot_still_decides_when_the_chain_omits_it():
    scores = [us("TM", "16"), us("HC", "16")]
    r = rules(vote=VoteRules(tie_break=("score",)))
    assert [u.unit for u in rank_units(r, scores)] == lot_order("seed-2019", ["TM", "HC"])


# --- defaults --------------------------------------------------------------------------------


def test_default_scheme_is_realistic():
    s = default_scheme()
    assert len(s.groups) >= 4
    assert len(s.criteria) >= 12
    assert sum(c.max_points for c in s.criteria) == D(100) == s.total_points
    assert {c.kind for c in s.criteria} == {"quantitative", "qualitative", "per_occurrence"}
    assert all(c.target for c in s.criteria if c.kind == "quantitative")
    assert any(c.step for c in s.criteria if c.kind == "per_occurrence")
    assert 2 <= len(s.bonuses) <= 3 and len(s.penalties) == 3
    assert s.max_bonus == D(5)
    assert all(code.isascii() for code in s.item_codes)
    assert any("xây dựng Đảng" in g.name for g in s.groups)


@pytest.mark.parametrize("quality", [0, 0.1, 0.33, 0.5, 0.77, 0.9, 0.95, 1, 1.2, -0.1])
def test_example_scores_are_valid_and_close_to_quality(quality):
    s = default_scheme()
    sheet = example_scores(s, quality)
    assert validate_scores(s, sheet) == sheet
    assert set(sheet) == set(s.item_codes)
    q = min(max(quality, 0), 1)
    for c in s.criteria:
        assert abs(float(sheet[c.code]) - q * float(c.max_points)) <= float(c.step or D("0.01"))


def test_default_rules():
    r = default_rules(lot_seed="abc")
    assert [(t.title, t.min_score) for t in r.titles] == [
        ("Đơn vị Quyết thắng", D(90)),
        ("Đơn vị tiên tiến", D(75)),
    ]
    assert r.flag_title == "Cờ luân lưu"
    assert r.quotas == {"Đơn vị Quyết thắng": 4}
    assert [(p.title, p.requires, p.years) for p in r.prerequisites] == [
        ("Cờ luân lưu", "Đơn vị Quyết thắng", 1)
    ]
    assert r.lot_seed == "abc"
    assert r.vote == VoteRules()
