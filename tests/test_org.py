"""`thidua org import|export|template`: the organisation from the admin's own file.

Every test starts from an empty database made by `thidua init`, imports a file as the admin
would, and checks what the database then holds, through `org export` or the tables.
"""

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook, load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from models import Actor, Channel, Membership, TitleHistory, Unit
from thidua.db import session_scope
from thidua.org.write import export_data
from thidua.sample import load_sample, sample_org
from thidua.services.auth import set_secret
from thidua.services.cycles import this_year

from .test_cli import counts, flat, invoke, secret_for


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def empty_db(database_url: str, runner: CliRunner) -> str:
    result = invoke(runner, "init")
    assert result.exit_code == 0, result.output
    return database_url


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def with_secrets() -> None:
    with session_scope() as s:
        for a in s.exec(select(Actor)).all():
            set_secret(s, a, secret_for(a.username))


def imported(runner: CliRunner, path: Path, *extra: str) -> str:
    result = invoke(runner, "org", "import", path, *extra)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def exported() -> dict[str, list[dict[str, Any]]]:
    with session_scope() as s:
        return export_data(s)


def test_the_sample_imported_from_yaml_is_the_sample(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    out = imported(runner, write_yaml(tmp_path / "org.yaml", sample_org()))
    assert "Đã thêm (" in out and "đơn vị PTM (Phòng Tham mưu)" in out
    assert exported() == sample_org()
    from_file = counts()
    # What `init --sample` loads, loaded into a second database, exports the same.
    with session_scope() as s:
        for table in ("channel", "titlehistory", "membership", "actor", "unit", "cluster"):
            s.exec(__import__("sqlalchemy").text(f"DELETE FROM {table}"))  # type: ignore[call-overload]
    with session_scope() as s:
        load_sample(s)
    assert exported() == sample_org()
    assert {k: v for k, v in counts().items() if k != "auditevent"} == {
        k: v for k, v in from_file.items() if k != "auditevent"
    }


def test_reimport_is_a_no_op_and_says_so(runner: CliRunner, empty_db: str, tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "org.yaml", sample_org())
    imported(runner, path)
    with_secrets()
    before = counts()
    result = invoke(runner, "org", "import", path, "--actor", "quantri")
    assert result.exit_code == 0, result.output
    assert "Không có gì thay đổi" in result.stdout
    assert counts() == before  # not even an audit event


def test_dry_run_prints_the_plan_and_writes_nothing(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    data = sample_org()
    imported(runner, write_yaml(tmp_path / "org.yaml", data))
    with_secrets()
    edited = copy.deepcopy(data)
    edited["units"][0]["name"] = "Phòng Tham mưu CATP"
    edited["units"] = [u for u in edited["units"] if u["code"] != "CTT8"]
    edited["memberships"] = [m for m in edited["memberships"] if m["unit"] != "CTT8"]
    edited["people"] = [p for p in edited["people"] if p.get("unit") != "CTT8"]
    edited["people"].append(
        {
            "username": "canbo.moi",
            "full_name": "Nguyễn Văn Mới",
            "unit": "PTM",
            "role": "unit_officer",
            "rank": "Đại úy",
            "position": "Cán bộ",
        }
    )
    path = write_yaml(tmp_path / "edited.yaml", edited)
    before = counts()
    result = invoke(runner, "org", "import", path, "--dry-run", "--actor", "quantri", "--json")
    assert result.exit_code == 0, result.output
    assert counts() == before
    plan = json.loads(result.stdout)
    assert plan["dry_run"] is True
    assert plan["added"] == ["người dùng canbo.moi (Nguyễn Văn Mới, unit_officer)"]
    assert plan["changed"] == ["đơn vị PTM: name: Phòng Tham mưu → Phòng Tham mưu CATP"]
    assert plan["retired"] == [
        "thành viên năm 2019: CTT8 rời cụm CTD4",
        "đơn vị CTT8 (Công ty Tháng Tám) thôi hoạt động từ năm 2019",
        f"người dùng canbo.ctt8 thôi hoạt động từ năm {this_year()}",
        f"người dùng chihuy.ctt8 thôi hoạt động từ năm {this_year()}",
    ]
    # Then for real: the unit and its people are retired, never deleted.
    result = invoke(runner, "org", "import", path, "--actor", "quantri")
    assert result.exit_code == 0, result.output
    with session_scope() as s:
        ctt8 = s.exec(select(Unit).where(Unit.code == "CTT8")).one()
        assert ctt8.retired_from == 2019
        gone = s.exec(select(Actor).where(Actor.username == "canbo.ctt8")).one()
        assert gone.active is False and gone.retired_from is not None
    # The export keeps them, retired, and importing it changes nothing.
    again = write_yaml(tmp_path / "again.yaml", exported())
    assert "Không có gì thay đổi" in imported(runner, again, "--actor", "quantri")


BAD = {
    "clusters": [{"code": "C1", "name": "Cụm 1"}, {"code": "C2", "name": "Cụm 2"}],
    "units": [{"code": "A", "name": "Đơn vị A"}, {"code": "B", "name": "Đơn vị B"}],
    "memberships": [
        {"year": 2025, "cluster": "C1", "unit": "A", "role": "leader"},
        {"year": 2025, "cluster": "C2", "unit": "A", "role": "leader"},
        {"year": 2025, "cluster": "C2", "unit": "ZZ", "role": "member"},
        {"year": 2025, "cluster": "C1", "unit": "B", "role": "member"},
        {"year": 2026, "cluster": "C1", "unit": "B", "role": "member"},
    ],
    "people": [
        {"username": "admin", "full_name": "Quản trị", "role": "admin"},
        {"username": "admin", "full_name": "Quản trị 2", "role": "admin"},
        {"username": "x", "full_name": "X", "role": "chief", "unit": "A"},
        {"username": "y", "full_name": "Y", "role": "unit_officer", "unit": "A", "email": "y@@"},
        {"username": "z", "full_name": "Z", "role": "unit_officer", "unit": "Q"},
    ],
}
# Each row on its own first, then the rows against each other.
EXPECTED = [
    ("people[2].role", "giá trị không hợp lệ 'chief'"),
    ("people[3].email", "địa chỉ e-mail không hợp lệ 'y@@'"),
    ("people[1].username", "tên đăng nhập 'admin' trùng với people[0].username"),
    ("memberships[1].unit", "đã ở cụm 'C1'"),
    ("memberships[2].unit", "không có đơn vị mã 'ZZ'"),
    ("memberships[4].role", "cụm 'C1' năm 2026 chưa có đơn vị leader"),
    ("people[4].unit", "người dùng của đơn vị không tồn tại 'Q'"),
]


def test_every_problem_of_a_yaml_file_at_once(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    before = counts()
    result = invoke(runner, "org", "import", write_yaml(tmp_path / "bad.yaml", BAD), "--json")
    assert result.exit_code == 2
    assert counts() == before
    problems = json.loads(result.stderr)["problems"]
    got = [(p["where"], p["reason"]) for p in problems]
    assert len(got) == len(EXPECTED), got
    for (where, reason), (want_where, want_reason) in zip(got, EXPECTED, strict=True):
        assert where == want_where and want_reason in reason, (where, reason)
    # Without --json, every line is printed too.
    text = flat(invoke(runner, "org", "import", tmp_path / "bad.yaml").stderr)
    assert text.startswith("Lỗi: có 7 chỗ sai (không có gì được ghi):")
    assert all(where in text for where, _ in EXPECTED)


def book_of(data: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    """A workbook built as an admin would, cell by cell, without thidua's writer."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in data.items():
        ws = wb.create_sheet(sheet)
        keys = list(dict.fromkeys(k for r in rows for k in r))
        ws.append(keys)
        for r in rows:
            ws.append([r.get(k) for k in keys])
    wb.save(path)
    return path


def test_every_problem_of_a_workbook_names_sheet_cell_and_column(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    before = counts()
    result = invoke(runner, "org", "import", book_of(BAD, tmp_path / "bad.xlsx"), "--json")
    assert result.exit_code == 2, result.output
    assert counts() == before
    got = [(p["where"], p["reason"]) for p in json.loads(result.stderr)["problems"]]
    # Memberships: year, cluster, unit, role are columns A..D; row 1 is the header.
    assert [w for w, _ in got] == [
        "people!C4 (cột role)",
        "people!E5 (cột email)",
        "people!A3 (cột username)",
        "memberships!C3 (cột unit)",
        "memberships!C4 (cột unit)",
        "memberships!D6 (cột role)",
        "people!D6 (cột unit)",
    ]
    assert got[2][1] == "tên đăng nhập 'admin' trùng với people!A2 (cột username)"
    for (_, reason), (_, want) in zip(got, EXPECTED, strict=True):
        assert want.split(" trùng")[0] in reason


def test_import_from_a_workbook_built_in_the_test(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    data = sample_org()
    data["past_titles"][0].update(decision_no="123/QĐ-CAHN", decision_date="15/01/2019")
    imported(runner, book_of(data, tmp_path / "org.xlsx"))
    with session_scope() as s:
        assert len(s.exec(select(Unit)).all()) == 10
        assert len(s.exec(select(Membership)).all()) == 10
        assert len(s.exec(select(Channel)).all()) == 23
        ptm = s.exec(select(TitleHistory).where(TitleHistory.decision_no.is_not(None))).one()
        assert (ptm.year, ptm.title, ptm.decided_on.isoformat()) == (
            2018,
            "Đơn vị Quyết thắng",
            "2019-01-15",
        )


def test_export_edit_in_excel_import_is_a_round_trip(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    imported(runner, write_yaml(tmp_path / "org.yaml", sample_org()))
    with_secrets()
    book = tmp_path / "out.xlsx"
    assert invoke(runner, "org", "export", "--xlsx", book, "--actor", "quantri").exit_code == 0
    assert "Không có gì thay đổi" in imported(runner, book, "--actor", "quantri")
    # Edit in "Excel": a new e-mail and a rank for one person.
    wb = load_workbook(book)
    ws = wb["people"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("email") + 1, value="ptm.moi@catp.hanoi.example")
    ws.cell(row=2, column=header.index("rank") + 1, value="Thiếu tá")
    wb.save(book)
    out = imported(runner, book, "--actor", "quantri")
    assert "canbo.ptm: rank: — → Thiếu tá" in out
    assert "canbo.ptm: email: canbo.ptm@catp.hanoi.example → ptm.moi@catp.hanoi.example" in out
    want = sample_org()
    want["people"][0].update(rank="Thiếu tá", email="ptm.moi@catp.hanoi.example")
    assert exported() == want
    # And YAML: exported, imported, the same.
    yaml_out = tmp_path / "o.yaml"
    assert invoke(runner, "org", "export", "--yaml", yaml_out, "--actor", "quantri").exit_code == 0
    assert yaml.safe_load(yaml_out.read_text(encoding="utf-8")) == want
    # Only an admin: the file holds everyone's e-mail and webhook addresses.
    officer = invoke(runner, "org", "export", "--yaml", tmp_path / "x.yaml", "--actor", "canbo.ptm")
    assert officer.exit_code != 0 and not (tmp_path / "x.yaml").exists()


def test_the_template_has_headers_comments_and_lists(runner: CliRunner, tmp_path: Path) -> None:
    book = tmp_path / "mau.xlsx"
    assert invoke(runner, "org", "template", "--xlsx", book).exit_code == 0
    wb = load_workbook(book)
    assert wb.sheetnames == [
        "hướng dẫn",
        "movements",
        "clusters",
        "units",
        "memberships",
        "people",
        "past_titles",
    ]
    people = wb["people"]
    assert [c.value for c in people[1]][:6] == [
        "username",
        "full_name",
        "rank",
        "position",
        "unit",
        "role",
    ]
    assert all(c.comment is not None and c.comment.text for c in people[1])
    rules = {str(dv.sqref): dv for dv in people.data_validations.dataValidation}
    assert rules["F2:F2000"].formula1 == '"unit_officer,cluster_leader,directorate,council,admin"'
    assert rules["E2:E2000"].formula1 == "units!$A$2:$A$2000"
    years = {str(dv.sqref): dv for dv in wb["memberships"].data_validations.dataValidation}
    assert (years["A2:A2000"].type, years["A2:A2000"].formula1) == ("whole", "2000")
    assert people.max_row == 1  # no rows: a template
    # Codes and names are text columns, so Excel keeps a code typed as 007; years stay numbers.
    formats = {
        sheet: {
            ws.cell(1, c).value: ws.column_dimensions[ws.cell(1, c).column_letter].number_format
            for c in range(1, ws.max_column + 1)
        }
        for sheet, ws in ((n, wb[n]) for n in ("units", "memberships", "past_titles"))
    }
    assert formats == {
        "units": {"code": "@", "name": "@", "retired_from": "General"},
        "memberships": {"year": "General", "cluster": "@", "unit": "@", "role": "@"},
        "past_titles": {
            "unit": "@",
            "year": "General",
            "title": "@",
            "decision_no": "@",
            "decision_date": "General",
        },
    }


def test_org_show_prints_the_tree_and_what_stops_a_cycle(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    data = sample_org()
    data["memberships"] = [
        {**m, "role": "member" if m["role"] == "leader" else m["role"]} for m in data["memberships"]
    ]
    data["people"] = [p for p in data["people"] if p["username"] != "canbo.ttr"]
    path = write_yaml(tmp_path / "org.yaml", data)
    # A cluster-year with no leader is refused by the import itself...
    refused = invoke(runner, "org", "import", path)
    assert refused.exit_code == 2
    assert "memberships[0].role: cụm 'CTD4' năm 2019 chưa có đơn vị leader" in flat(refused.stderr)
    data["memberships"][0]["role"] = "leader"
    imported(runner, write_yaml(path, data))
    with session_scope() as s:
        set_secret(s, s.exec(select(Actor).where(Actor.username == "quantri")).one(), "x")
    result = invoke(runner, "org", "show", "--year", "2019", "--json")
    view = json.loads(result.stdout)
    [cluster] = view["clusters"]
    assert [(u["code"], u["role"]) for u in cluster["units"]][:3] == [
        ("PTM", "leader"),
        ("PHC", "deputy"),
        ("PTCCB", "member"),
    ]
    assert [p["username"] for p in cluster["units"][0]["people"]] == ["canbo.ptm", "chihuy.ptm"]
    assert (
        view["blockers"][0] == "Cụm thi đua số 4: đơn vị TTR (Thanh tra CATP) chưa có cán bộ đơn vị"
    )
    assert view["blockers"][1].startswith("21 người dùng chưa có mã bí mật")
    assert "quantri" not in view["blockers"][1]
    text = invoke(runner, "org", "show", "--year", "2019").stdout
    assert "Cụm thi đua số 4 (CTD4)" in text and "PTM Phòng Tham mưu · Cụm trưởng" in text
    assert "Còn cản việc bắt đầu chu kỳ năm 2019:" in text


def test_org_show_at_80_columns_wraps_each_person_and_cuts_nothing(
    runner: CliRunner, empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clerk's 80-column terminal: a long line (a long unit name, the missing secret) wraps
    under its branch instead of being cut off at the edge."""
    import io

    from rich.console import Console

    import thidua.cli.org

    imported(runner, write_yaml(tmp_path / "org.yaml", sample_org()))
    screen = Console(width=80, file=io.StringIO(), highlight=False, soft_wrap=True)
    monkeypatch.setattr(thidua.cli.org, "out", screen)
    assert invoke(runner, "org", "show", "--year", "2019").exit_code == 0
    lines = screen.file.getvalue().splitlines()
    assert lines and max(screen.measure(line).maximum for line in lines) <= 80
    # Each person's line, joined again without the tree's guides, is whole.
    text = " ".join(line.lstrip("│├└─ ").rstrip() for line in lines)
    view = json.loads(invoke(runner, "org", "show", "--year", "2019", "--json").stdout)
    people = [p for c in view["clusters"] for u in c["units"] for p in u["people"]]
    assert people and all(not p["has_secret"] for p in people)
    for p in people:
        assert f"{p['username']} — {p['full_name']}" in text
    assert text.count("· chưa có mã bí mật") == len(people) + len(view["others"])


def test_a_retired_unit_cannot_be_a_member_after_it_retired(
    runner: CliRunner, empty_db: str, tmp_path: Path
) -> None:
    data = sample_org()
    data["units"][7]["retired_from"] = 2019  # CTT8
    result = invoke(runner, "org", "import", write_yaml(tmp_path / "o.yaml", data), "--json")
    assert result.exit_code == 2
    [problem] = json.loads(result.stderr)["problems"]
    assert problem == {
        "where": "memberships[7].year",
        "field": "memberships[7].year",
        "cell": None,
        "reason": "đơn vị 'CTT8' đã thôi hoạt động từ năm 2019",
    }


def test_import_and_reimport_on_postgresql(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from thidua.settings import get_settings

    from .postgres import temporary_database

    with temporary_database("thidua_org") as url:
        monkeypatch.setenv("THIDUA_DATABASE_URL", url)
        monkeypatch.setenv("THIDUA_HOME", str(tmp_path / ".thidua"))
        get_settings.cache_clear()
        try:
            assert invoke(runner, "init").exit_code == 0
            path = write_yaml(tmp_path / "org.yaml", sample_org())
            imported(runner, path)
            assert exported() == sample_org()
            with_secrets()
            assert "Không có gì thay đổi" in imported(runner, path, "--actor", "quantri")
        finally:
            get_settings.cache_clear()
