from datetime import timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest
from pydantic import ValidationError

from rules.config import (
    Criterion,
    CriterionGroup,
    CycleRules,
    ScoringScheme,
    StageDeadline,
    TitleRule,
    VoteRules,
)
from rules.defaults import default_rules, default_scheme
from rules.stages import Stage

TITLES = (
    TitleRule(title="Quyết thắng", min_score=D(90)),
    TitleRule(title="Tiên tiến", min_score=D(75)),
)


def scheme(*maxima: int, codes: tuple[str, ...] | None = None, group: str = "G") -> dict:
    codes = codes or tuple(f"C{i}" for i in range(len(maxima)))
    return {
        "name": "Thang điểm",
        "groups": [
            {
                "code": group,
                "name": "Nhóm",
                "criteria": [
                    {"code": c, "name": f"Tiêu chí {c}", "max_points": m}
                    for c, m in zip(codes, maxima, strict=True)
                ],
            }
        ],
    }


def rules_dict(**kw: object) -> dict:
    return {"scheme": scheme(60, 40), "titles": [t.model_dump() for t in TITLES], **kw}


def refused(data: dict, model: type = CycleRules) -> str:
    with pytest.raises(ValidationError) as e:
        model.model_validate(data)
    return str(e.value)


def test_valid_rules_and_defaults():
    r = CycleRules.model_validate(rules_dict())
    assert r.self_weight == Fraction(3, 10)
    assert r.vote == VoteRules(
        quorum=Fraction(2, 3),
        acclaim_threshold=Fraction(1, 2),
        leader_threshold=Fraction(1, 2),
        title_threshold=Fraction(4, 5),
        acclaim_must_be_top=True,
        tie_break=("score", "lot"),
    )
    assert set(r.deadlines) == set(Stage)


def test_scheme_total_must_match():
    assert "tổng điểm tối đa các tiêu chí là 90, khác tổng thang điểm 100" in refused(
        scheme(60, 30), ScoringScheme
    )
    # a 1000-point scheme is fine when it says so
    big = ScoringScheme.model_validate({**scheme(600, 400), "total_points": 1000})
    assert big.total_points == 1000


def test_duplicate_codes_are_refused():
    assert "mã tiêu chí bị trùng: A" in refused(scheme(50, 50, codes=("A", "A")), ScoringScheme)
    assert "mã tiêu chí bị trùng: G" in refused(
        scheme(50, 50, codes=("G", "B"), group="G"), ScoringScheme
    )
    bonus_clash = {
        **scheme(50, 50, codes=("A", "B")),
        "bonuses": [{"code": "B", "name": "Thưởng", "max_points": 2}],
    }
    assert "mã tiêu chí bị trùng: B" in refused(bonus_clash, ScoringScheme)


@pytest.mark.parametrize(
    "titles",
    [
        [("Tiên tiến", 75), ("Quyết thắng", 90)],
        [("Quyết thắng", 90), ("Tiên tiến", 90)],
    ],
)
def test_titles_must_be_best_first(titles):
    data = rules_dict(titles=[{"title": t, "min_score": s} for t, s in titles])
    assert "danh hiệu phải xếp từ cao xuống thấp theo điểm tối thiểu" in refused(data)


def test_at_least_one_title():
    refused(rules_dict(titles=[]))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quorum", "3/2"),
        ("acclaim_threshold", -0.1),
        ("leader_threshold", "1.01"),
        ("title_threshold", 2),
    ],
)
def test_vote_shares_must_be_between_0_and_1(field, value):
    assert "phải nằm trong khoảng 0..1" in refused({field: value}, VoteRules)


def test_self_weight_must_be_between_0_and_1():
    assert "phải nằm trong khoảng 0..1" in refused(rules_dict(self_weight="4/3"))


def test_shares_accept_fractions_and_decimals_exactly():
    v = VoteRules.model_validate({"quorum": "2/3", "title_threshold": "0.8"})
    assert (v.quorum, v.title_threshold) == (Fraction(2, 3), Fraction(4, 5))


def test_negative_quota_and_missing_deadline_are_refused():
    assert "chỉ tiêu không được âm: Quyết thắng" in refused(rules_dict(quotas={"Quyết thắng": -1}))
    deadlines = {Stage.VOTE: StageDeadline(duration=timedelta(days=2))}
    assert "thiếu thời hạn cho giai đoạn: self_assessment" in refused(
        rules_dict(deadlines=deadlines)
    )


def test_unknown_fields_are_refused():
    refused(rules_dict(quorum="2/3"))


def test_rules_are_frozen():
    r = default_rules()
    with pytest.raises(ValidationError):
        r.lot_seed = "changed"  # type: ignore[misc]


def test_json_round_trip_keeps_every_value_exactly():
    r = default_rules(lot_seed="d8a1").model_copy(
        update={
            "self_weight": Fraction(1, 3),
            "vote": VoteRules(quorum=Fraction(2, 3), tie_break=("lot",)),
            "gap_threshold": D("7.5"),
        }
    )
    text = r.model_dump_json()
    assert "Cờ luân lưu" in text  # stored as UTF-8 text, not escaped
    back = CycleRules.model_validate_json(text)
    assert back == r
    assert back.scheme == default_scheme()
    assert back.vote.quorum == Fraction(2, 3)
    assert back.model_dump_json() == text


def test_criterion_limits():
    assert "greater than 0" in refused({"code": "A", "name": "x", "max_points": 0}, Criterion)
    refused({"code": "Ấ", "name": "x", "max_points": 1}, Criterion)  # codes are ASCII
    refused({"code": "A", "name": "x", "max_points": "1.005"}, Criterion)
    refused({"code": "G", "name": "Nhóm", "criteria": []}, CriterionGroup)


def test_the_flags_required_title_is_one_of_the_titles():
    named = TITLES[0].title
    assert CycleRules.model_validate(rules_dict(flag_requires=named)).flag_requires == named
    assert CycleRules.model_validate(rules_dict()).flag_requires is None
    assert "flag_requires" in refused(rules_dict(flag_requires="Quyết thắng năm"))
    assert "“Quyết thắng năm” không có trong danh sách danh hiệu" in refused(
        rules_dict(flag_requires="Quyết thắng năm")
    )
