"""Lines of the scheme computed from the year's drives: how they are declared and checked, and
the pure computation of their points (rules/drive_points.py)."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from rules.config import Adjustment, Criterion, CycleRules
from rules.defaults import default_rules, example_scores
from rules.drive_points import DriveOutcome, drive_item_points
from rules.errors import RuleViolations
from rules.scoring import validate_scores

D = Decimal


def _rules(*, criterion: dict[str, object], bonus: dict[str, object] | None = None,
           max_bonus: str = "5") -> CycleRules:  # fmt: skip
    data = default_rules().model_dump(mode="json")
    cm = next(g for g in data["scheme"]["groups"] if g["code"] == "CM")
    cm["criteria"] = [c for c in cm["criteria"] if c["code"] != "CM3"]
    cm["criteria"].append({"code": "CM3", "name": "Kết quả các đợt thi đua", "max_points": "10",
                           **criterion})  # fmt: skip
    if bonus is not None:
        data["scheme"]["bonuses"].append(
            {"code": "THUONG4", "name": "Giấy khen đợt thi đua", "max_points": "2", **bonus}
        )
    data["scheme"]["max_bonus"] = max_bonus
    return CycleRules.model_validate(data)


def _errors(**kwargs: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        _rules(**kwargs)  # type: ignore[arg-type]
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.value.errors()}


def test_a_drive_line_is_declared_and_its_mistakes_named() -> None:
    rules = _rules(
        criterion={"source": "drives"},
        bonus={"source": "drives", "drive_basis": "commended", "per_drive": "0.5"},
    )
    assert [i.code for i in rules.scheme.drive_items] == ["CM3", "THUONG4"]
    assert rules.scheme.drive_items[0].basis == "share"
    # Stored without the keys of typed lines: the sample's rules keep their text.
    assert "source" not in default_rules().model_dump_json()
    assert CycleRules.model_validate_json(rules.model_dump_json()) == rules

    crit = "scheme.groups.2.criteria.3"
    found = _errors(criterion={"drive_basis": "share"})
    assert "chỉ dùng khi source: drives" in found[f"{crit}.drive_basis"]
    found = _errors(criterion={"source": "drives", "step": "1"})
    assert "step: điểm lấy từ kết quả các đợt thi đua" in found[crit]
    found = _errors(criterion={"source": "drives", "drive_basis": "commended"})
    assert "per_drive: drive_basis: commended cần số điểm" in found[crit]
    found = _errors(criterion={"source": "drives", "per_drive": "1"})
    assert "chỉ dùng với drive_basis: commended" in found[f"{crit}.per_drive"]
    found = _errors(criterion={"source": "drive"})
    assert f"{crit}.source" in found
    found = _errors(criterion={}, bonus={"source": "drives"}, max_bonus="1")
    assert "max_bonus: mức điểm thưởng tối đa 1 nhỏ hơn điểm tối đa 2 của dòng thưởng THUONG4" in (
        found["scheme"]
    )
    data = default_rules().model_dump(mode="json")
    data["scheme"]["penalties"][0].update(source="drives", step=None)
    with pytest.raises(ValidationError, match="điểm trừ không lấy từ kết quả các đợt thi đua"):
        CycleRules.model_validate(data)


def test_a_sheet_carries_the_fixed_points_and_refuses_typed_ones() -> None:
    rules = _rules(
        criterion={"source": "drives"},
        bonus={"source": "drives", "drive_basis": "commended", "per_drive": "0.5"},
    )
    typed = example_scores(rules.scheme, 0.9)
    assert "CM3" not in typed and "THUONG4" not in typed
    sheet = validate_scores(rules.scheme, typed, {"CM3": D("7.25"), "THUONG4": D("1")})
    assert (sheet["CM3"], sheet["THUONG4"]) == (D("7.25"), D("1.00"))
    with pytest.raises(RuleViolations) as exc:
        validate_scores(rules.scheme, {**typed, "CM3": 10, "THUONG1": 3, "THUONG2": 2},
                        {"THUONG4": D("1")})  # fmt: skip
    reasons = {v.field: v.reason for v in exc.value.violations}
    assert "đơn vị không tự chấm" in reasons["scores.CM3"]
    assert reasons["scores"] == (
        "tổng điểm thưởng 6 (trong đó 1 điểm từ các đợt thi đua) vượt quá mức tối đa 5"
    )


def _outcome(
    points: str, maximum: str, commended: bool = False, settled: bool = True
) -> DriveOutcome:
    return DriveOutcome(1, "Đợt", D(points), D(maximum), commended, settled)


def test_points_from_drive_results() -> None:
    share = Criterion(code="D", name="Đợt", max_points=D(10), source="drives")
    # Each drive weighs the same whatever its own scale: (90/100 + 5/10) / 2 × 10 = 7.
    got = drive_item_points(share, [_outcome("90", "100"), _outcome("5", "10")])
    assert got.points == D("7.00") and "70%" in got.explanation and len(got.counted) == 2
    third = drive_item_points(share, [_outcome("1", "3")])
    assert third.points == D("3.33")  # 10/3, half up
    none = drive_item_points(share, [])
    assert none.points == D("0.00") and "không tham gia" in none.explanation
    bonus = Adjustment(code="B", name="Giấy khen", max_points=D(1), source="drives",
                       drive_basis="commended", per_drive=D("0.5"))  # fmt: skip
    many = [_outcome("9", "10", True)] * 3 + [_outcome("9", "10", True, settled=False)]
    got = drive_item_points(bonus, many)
    assert got.points == D("1")  # 3 × 0.5 capped at 1; the unsettled list does not count yet
    assert got.explanation.startswith("được giấy khen 3/3 đợt thi đua, 0,5 điểm mỗi đợt")


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_the_minutes_say_which_points_come_from_the_drives(fmt: str) -> None:
    import io

    import docx

    from documents.context import DrivePointsLine, UnitRef
    from documents.docx import render_docx
    from documents.render import render_minutes

    from .test_documents import UNITS, minutes_context

    line = DrivePointsLine(
        unit=UnitRef(code="tham-muu", name=UNITS["tham-muu"]), code="CM3",
        name="Kết quả các đợt thi đua <cao điểm>", points=D("8.60"),
        explanation="đạt bình quân 86% điểm tối đa của 4 đợt thi đua",
    )  # fmt: skip
    ctx = minutes_context(drive_points=(line,))
    if fmt == "docx":
        word = docx.Document(io.BytesIO(render_docx("bien_ban", ctx)))
        text = "\n".join(p.text for p in word.paragraphs)
        [table] = [t for t in word.tables if t.rows[0].cells[1].text == "Dòng của thang điểm"]
        assert [c.text for c in table.rows[1].cells] == [
            UNITS["tham-muu"], "CM3 · Kết quả các đợt thi đua <cao điểm>", "8,60",
            "đạt bình quân 86% điểm tối đa của 4 đợt thi đua",
        ]  # fmt: skip
    else:
        text = render_minutes(ctx, fmt)  # type: ignore[arg-type]
        assert "8,60" in text and "đạt bình quân 86% điểm tối đa của 4 đợt thi đua" in text
        assert "cao điểm" in text and "<cao điểm>" not in text  # a name is text, never markup
    assert "Điểm lấy từ kết quả các đợt thi đua" in text
    assert "đơn vị không tự chấm các dòng này" in text
    plain = render_minutes(minutes_context(), "md")
    assert "Điểm lấy từ kết quả các đợt thi đua" not in plain
