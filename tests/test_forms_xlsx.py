"""The Excel forms of issue 10: a real score sheet (locked labels, validated input cells, the
total as a formula), filled in code with openpyxl as a person fills it in Excel, read back by
`thidua submit … --file F.xlsx`; wrong cells are all reported with their sheet and cell."""

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import select
from typer.testing import CliRunner

from models import Ballot, PeerReview, SelfAssessment
from rules.defaults import default_rules
from rules.stages import Stage
from tests import test_cli
from tests.test_cli import advance, counts, invoke, refused, sheet
from tests.test_forms import get_form, stage_of, submit
from thidua.db import session_scope

runner, templates, campaign = test_cli.runner, test_cli.templates, test_cli.campaign
SCHEME = default_rules().scheme


def rows_by_code(ws: Worksheet) -> dict[str, int]:
    return {str(r[0].value): r[0].row for r in ws.iter_rows(min_row=8) if r[0].value}


def fill_scores(ws: Worksheet, values: dict[str, object]) -> None:
    rows = rows_by_code(ws)
    for code, value in values.items():
        ws[f"H{rows[code]}"] = value


def test_the_score_sheet_is_a_real_excel_form(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    path = tmp_path / "tu-cham.xlsx"
    get_form(runner, "self-assessment", campaign, "canbo.ptm", path, "--xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Tự chấm", "_mau"]
    assert wb["_mau"].sheet_state == "veryHidden"
    ws = wb["Tự chấm"]
    assert ws.protection.sheet
    rows = rows_by_code(ws)
    assert list(rows) == [
        *[x for g in SCHEME.groups for x in (g.code, *(c.code for c in g.criteria))],
        *(b.code for b in SCHEME.bonuses),
        *(p.code for p in SCHEME.penalties),
    ]
    cm3 = rows["CM3"]
    assert [ws.cell(cm3, c).value for c in range(1, 8)] == [
        "CM3",
        "Thực hiện nhiệm vụ chuyên môn",
        SCHEME.criteria[9].name,
        "tính theo số lần",
        None,
        10,
        2.5,
    ]
    assert ws[f"A{cm3}"].protection.locked and not ws[f"H{cm3}"].protection.locked
    checks = {str(r): dv for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    assert checks[f"H{cm3}"].formula1 == (
        f"AND(ISNUMBER(H{cm3}),H{cm3}>=0,H{cm3}<=10,MOD(ROUND(H{cm3}*100,0),250)=0)"
    )
    first_bonus, last_bonus = rows["THUONG1"], rows["THUONG3"]
    assert f"SUM($H${first_bonus}:$H${last_bonus})<=5" in checks[f"H{first_bonus}"].formula1
    total = next(r for r in ws.iter_rows() if str(r[2].value).startswith("TỔNG ĐIỂM"))[7].value
    assert total == (
        f"=MAX(0,SUM(H{rows['XDD1']}:H{rows['HC2']})+SUM(H{first_bonus}:H{last_bonus})"
        f"-SUM(H{rows['TRU1']}:H{rows['TRU3']}))"
    )


def test_self_assessment_xlsx_round_trip_and_three_wrong_cells(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    path = tmp_path / "tu-cham.xlsx"
    get_form(runner, "self-assessment", campaign, "canbo.ptm", path, "--xlsx")
    wb = load_workbook(path)
    ws = wb["Tự chấm"]
    rows = rows_by_code(ws)
    fill_scores(ws, {k: float(v) for k, v in sheet().items()})
    fill_scores(ws, {"XDD1": 7, "CM3": 3, "HC1": "năm"})  # three wrong cells
    wb.save(path)
    args = ["submit", "self-assessment", "--campaign", campaign, "--actor", "canbo.ptm"]
    result = refused(runner, [*args, "--file", path], 2)
    assert result.stderr.splitlines() == [
        "Lỗi: có 3 chỗ sai (không có gì được ghi):",
        f"  - ô Tự chấm!H{rows['XDD1']} (scores.XDD1): vượt quá điểm tối đa 5",
        f"  - ô Tự chấm!H{rows['CM3']} (scores.CM3): phải là bội số của 2.5",
        f"  - ô Tự chấm!H{rows['HC1']} (scores.HC1): không phải là số",
    ]
    fill_scores(ws, {"XDD1": 5, "CM3": 7.5, "HC1": "4,5", "THUONG2": 1})
    wb.save(path)
    assert "tổng điểm" in submit(runner, "self-assessment", campaign, "canbo.ptm", path)
    with session_scope() as s:
        [sa] = s.exec(select(SelfAssessment)).all()
    # XDD1 4.5 -> 5 and a bonus point: the values typed, read back (HC1 "4,5" as 4.5).
    assert sa.total == sum(float(v) for v in sheet().values()) + 0.5 + 1
    advance(campaign, Stage.PEER_REVIEW)
    assert stage_of(campaign) == Stage.PEER_REVIEW


def test_a_returned_self_assessment_in_excel(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    path = tmp_path / "lan-1.xlsx"
    get_form(runner, "self-assessment", campaign, "canbo.tthl", path, "--xlsx")
    wb = load_workbook(path)
    fill_scores(wb["Tự chấm"], {k: float(v) for k, v in sheet().items()})
    wb.save(path)
    submit(runner, "self-assessment", campaign, "canbo.tthl", path)
    back = ["return", "--campaign", campaign, "--actor", "chihuy.ptm", "--unit", "TTHL"]
    assert invoke(runner, *back, "--comment", "Chấm lại HC2").exit_code == 0
    again = tmp_path / "lan-2.xlsx"
    get_form(runner, "self-assessment", campaign, "canbo.tthl", again, "--xlsx")
    wb = load_workbook(again)
    ws = wb["Tự chấm"]
    assert "BỊ TRẢ LẠI ĐỂ SỬA. Lý do: Chấm lại HC2" in ws["A6"].value
    rows = rows_by_code(ws)
    assert {c: ws[f"H{rows[c]}"].value for c in sheet()} == {
        k: float(v) for k, v in sheet().items()
    }
    fill_scores(ws, {"HC2": 3})
    wb.save(again)
    assert "(lần 2)" in submit(runner, "self-assessment", campaign, "canbo.tthl", again)


def test_review_xlsx_one_sheet_per_reviewed_unit(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    advance(campaign, Stage.PEER_REVIEW)
    path = tmp_path / "cham-cheo.xlsx"
    get_form(runner, "review", campaign, "canbo.ptm", path, "--xlsx")
    wb = load_workbook(path)
    assert "PTM" not in wb.sheetnames and len(wb.sheetnames) == 10  # nine units and the map
    for name in wb.sheetnames[:-1]:
        fill_scores(wb[name], {k: float(v) for k, v in sheet(0.8).items()})
    fill_scores(wb["PHC"], {"CM1": 16})
    wb["PTC"]["C" + str(max(rows_by_code(wb["PTC"]).values()) + 3)] = "Tốt"
    wb.save(path)
    args = ["submit", "review", "--campaign", campaign, "--actor", "canbo.ptm", "--file", path]
    cm1 = rows_by_code(wb["PHC"])["CM1"]
    result = refused(runner, args, 2, f"ô PHC!H{cm1}", "vượt quá điểm tối đa 15")
    fill_scores(wb["PHC"], {"CM1": 12})
    wb.save(path)
    assert "Đã nhận 9 phiếu chấm chéo" in submit(runner, "review", campaign, "canbo.ptm", path)
    assert "reviews[" in result.stderr
    with session_scope() as s:
        assert len(s.exec(select(PeerReview)).all()) == 9
    advance(campaign, Stage.VOTE)
    assert stage_of(campaign) == Stage.VOTE


def test_ballot_xlsx_a_cell_for_each_choice(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    advance(campaign, Stage.VOTE)
    path = tmp_path / "phieu.xlsx"
    get_form(runner, "ballot", campaign, "canbo.ptm", path, "--xlsx")
    wb = load_workbook(path)
    ws = wb["Phiếu bầu"]
    questions = [r[0].row for r in ws.iter_rows() if str(r[0].value).startswith("Câu ")]
    assert len(questions) == 4
    acclaim_rows = range(questions[0] + 1, questions[1] - 1)
    codes = [ws[f"A{r}"].value for r in acclaim_rows]
    assert "PTM" not in codes and len(codes) == 9
    leader = {ws[f"A{r}"].value: r for r in range(questions[1] + 1, questions[2] - 1)}
    deputy = {ws[f"A{r}"].value: r for r in range(questions[2] + 1, questions[3] - 1)}
    titles = range(questions[3] + 1, ws.max_row + 1)
    ws[f"H{leader['PTCCB']}"] = "x"
    ws[f"H{leader['PTC']}"] = "x"  # two marks for one choice
    ws[f"H{deputy['PTC']}"] = "x"
    for r in titles:
        ws[f"H{r}"] = "Đồng ý"
    ws[f"H{titles[0]}"] = "Có"
    wb.save(path)
    args = ["submit", "ballot", "--campaign", campaign, "--actor", "canbo.ptm", "--file", path]
    before = counts()
    result = refused(runner, args, 2)
    assert result.stderr.splitlines() == [
        "Lỗi: có 2 chỗ sai (không có gì được ghi):",
        f"  - ô Phiếu bầu!H{titles[0]} (ballot.titles.{ws[f'A{titles[0]}'].value}): chọn "
        "'Đồng ý' hoặc 'Không đồng ý', hoặc để trống",
        f"  - ô Phiếu bầu!H{leader['PTC']} (ballot.leader): chỉ được chọn 1 đơn vị (đã đánh "
        "dấu 2: PTC, PTCCB)",
    ]
    assert counts() == before
    ws[f"H{leader['PTC']}"] = None
    ws[f"H{titles[0]}"] = "Không đồng ý"
    wb.save(path)
    submit(runner, "ballot", campaign, "canbo.ptm", path)
    with session_scope() as s:
        [ballot] = s.exec(select(Ballot)).all()
    assert (ballot.content["leader"], ballot.content["deputy"]) == ("PTCCB", "PTC")
    assert list(ballot.content["titles"].values()).count(False) == 1
    advance(campaign, Stage.APPROVAL)
    assert stage_of(campaign) == Stage.APPROVAL
