from decimal import Decimal as D

import pytest

from rules.config import CycleRules, Prerequisite
from rules.defaults import default_rules
from rules.eligibility import nominate
from rules.errors import RuleViolation
from rules.results import NominationCandidate, RankedUnit
from rules.scoring import consolidate, rank_units

QT, TT, FLAG = "Đơn vị Quyết thắng", "Đơn vị tiên tiến", "Cờ luân lưu"
TOTALS = {"TCCB": 97, "TC": 95, "TM": 93, "HC": 92, "ANTD": 91, "HL": 80, "XDPT": 78}
NO_RECORD_NOTE = (
    "Chưa có dữ liệu năm 2018: chưa kiểm tra điều kiện đạt danh hiệu “Đơn vị Quyết thắng” "
    "1 năm liền trước (2018); Ban Giám đốc xác nhận hoặc bỏ đề nghị"
)


def make_ranking(r: CycleRules) -> list[RankedUnit]:
    return rank_units(r, consolidate(r, list(TOTALS), {u: D(t) for u, t in TOTALS.items()}, {}))


def cand(
    unit: str, title: str, *reasons: str, eligible: bool = True, unrecorded: tuple[int, ...] = ()
) -> NominationCandidate:
    rank = list(TOTALS).index(unit) + 1
    return NominationCandidate(
        unit=unit,
        title=title,
        score=D(TOTALS[unit]),
        rank=rank,
        eligible=eligible,
        reasons=reasons,
        unrecorded_years=unrecorded,
    )


def run(r: CycleRules | None = None, **kw):
    # The tests of earlier years leave this year's title out: the flag's own check is apart.
    r = r or default_rules(lot_seed="s").model_copy(update={"flag_requires": None})
    args = {"year": 2019, "ranking": make_ranking(r), "acclaimed": None, "history": {}}
    args.update(kw)
    return nominate(r, **args)


def test_flag_first_then_titles_in_rules_order_then_rank():
    got = run(
        acclaimed="TCCB",
        approved_titles={"HL": TT, "TM": QT, "TCCB": QT, "XDPT": TT},
        history={"TCCB": {2018: {QT}, 2017: {TT}}},
    )
    assert got == [
        cand("TCCB", FLAG),
        cand("TCCB", QT),
        cand("TM", QT),
        cand("HL", TT),
        cand("XDPT", TT),
    ]


def test_no_record_is_never_eligible_by_itself_the_directorate_decides():
    """Nothing known of 2018 (thidua did not run, no history imported): the nomination is
    marked for the directorate to confirm or drop, never passed or refused on our ignorance."""
    marked = cand("TC", FLAG, NO_RECORD_NOTE, unrecorded=(2018,))
    assert run(acclaimed="TC", approved_titles={}, history={"TCCB": {2018: {QT}}}) == [marked]
    assert run(acclaimed="TC", approved_titles={}, history={"TC": {2017: {QT}}}) == [marked]


def test_a_year_on_record_with_no_title_is_no_title():
    """A year thidua ran (or imported as "no title"): the unit took part and earned nothing."""
    got = run(acclaimed="TC", approved_titles={}, history={"TC": {2018: set()}})
    assert got == [
        cand(
            "TC",
            FLAG,
            "Chưa đủ điều kiện: phải đạt danh hiệu “Đơn vị Quyết thắng” 1 năm liền trước "
            "(2018), thiếu năm 2018",
            eligible=False,
        )
    ]


def test_history_without_the_required_title_is_not_eligible():
    got = run(acclaimed="TC", approved_titles={}, history={"TC": {2018: {TT}, 2017: {QT}}})
    assert got == [
        cand(
            "TC",
            FLAG,
            "Chưa đủ điều kiện: phải đạt danh hiệu “Đơn vị Quyết thắng” 1 năm liền trước "
            "(2018), thiếu năm 2018",
            eligible=False,
        )
    ]


def test_multi_year_prerequisite_names_every_missing_year():
    r = default_rules(lot_seed="s").model_copy(
        update={
            "prerequisites": (Prerequisite(title=FLAG, requires=QT, years=3),),
            "flag_requires": None,
        }
    )
    history = {"TCCB": {2016: [], 2017: [QT], 2018: ["Đơn vị tiên tiến"]}}
    got = run(r, acclaimed="TCCB", approved_titles={}, history=history)
    assert got == [
        cand(
            "TCCB",
            FLAG,
            "Chưa đủ điều kiện: phải đạt danh hiệu “Đơn vị Quyết thắng” 3 năm liền trước "
            "(2016, 2017, 2018), thiếu năm 2016, 2018",
            eligible=False,
        )
    ]
    # Years with no record are named as such, apart from the years on record without it.
    got = run(r, acclaimed="TCCB", approved_titles={}, history={"TCCB": {2017: [QT]}})
    assert got == [
        cand(
            "TCCB",
            FLAG,
            "Chưa có dữ liệu năm 2016, 2018: chưa kiểm tra điều kiện đạt danh hiệu “Đơn vị "
            "Quyết thắng” 3 năm liền trước (2016, 2017, 2018); Ban Giám đốc xác nhận hoặc bỏ "
            "đề nghị",
            unrecorded=(2016, 2018),
        )
    ]
    history = {"TCCB": {y: [QT, "Cờ thi đua của Bộ Công an"] for y in (2016, 2017, 2018)}}
    assert run(r, acclaimed="TCCB", approved_titles={}, history=history) == [cand("TCCB", FLAG)]


def test_quota_overflow_refuses_the_lowest_ranked():
    approved = {u: QT for u in ["ANTD", "HC", "TM", "TC", "TCCB"]}
    assert run(approved_titles=approved) == [
        cand("TCCB", QT),
        cand("TC", QT),
        cand("TM", QT),
        cand("HC", QT),
        cand(
            "ANTD",
            QT,
            "vượt chỉ tiêu danh hiệu “Đơn vị Quyết thắng” của cụm (tối đa 4 đơn vị), xếp hạng 5",
            eligible=False,
        ),
    ]


def test_quota_places_go_to_otherwise_eligible_units():
    r = default_rules(lot_seed="s").model_copy(
        update={"prerequisites": (Prerequisite(title=QT, requires=TT, years=1),)}
    )
    approved = {u: QT for u in ["ANTD", "HC", "TM", "TC", "TCCB"]}
    history = {u: {2018: [TT]} for u in approved} | {"TC": {2018: []}}
    assert run(r, approved_titles=approved, history=history) == [
        cand("TCCB", QT),
        cand(
            "TC",
            QT,
            "Chưa đủ điều kiện: phải đạt danh hiệu “Đơn vị tiên tiến” 1 năm liền trước "
            "(2018), thiếu năm 2018",
            eligible=False,
        ),
        cand("TM", QT),
        cand("HC", QT),
        cand("ANTD", QT),
    ]


def test_title_outside_the_rules_comes_last_and_unknown_unit_is_refused():
    got = run(approved_titles={"HL": "Bằng khen", "XDPT": TT})
    assert got == [cand("XDPT", TT), cand("HL", "Bằng khen")]
    with pytest.raises(RuleViolation) as e:
        run(acclaimed="PC45", approved_titles={})
    assert e.value.field == "acclaimed"
    with pytest.raises(RuleViolation) as e:
        run(approved_titles={"PC45": TT})
    assert e.value.field == "approved_titles.PC45"


def test_the_flag_goes_only_to_a_unit_holding_the_top_title_this_year():
    """Thông tư 04/2024/TT-BCA: the flag is for a unit that is Đơn vị Quyết thắng that year and
    leads its cluster. Acclaimed as the top unit but approved only as tiên tiến (a weak year,
    a refused vote, the directorate's amendment): not put forward for the flag, and why."""
    r = default_rules(lot_seed="s")
    assert r.flag_requires == QT
    history = {"TCCB": {2018: {QT}}}
    refused = cand(
        "TCCB",
        FLAG,
        "Chưa đủ điều kiện: đơn vị được đề nghị “Cờ luân lưu” phải đạt danh hiệu "
        "“Đơn vị Quyết thắng” năm 2019",
        eligible=False,
    )
    assert run(r, acclaimed="TCCB", approved_titles={"TCCB": TT}, history=history) == [
        refused,
        cand("TCCB", TT),
    ]
    assert run(r, acclaimed="TCCB", approved_titles={}, history=history) == [refused]
    assert run(r, acclaimed="TCCB", approved_titles={"TCCB": QT}, history=history) == [
        cand("TCCB", FLAG),
        cand("TCCB", QT),
    ]
    # Rules stored before this check (no flag_requires) keep their meaning.
    old = r.model_copy(update={"flag_requires": None})
    assert run(old, acclaimed="TCCB", approved_titles={}, history=history) == [cand("TCCB", FLAG)]
