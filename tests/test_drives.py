# ruff: noqa: F811 - the fixtures of test_cli are imported by name
"""Emulation drives (đợt thi đua) on the command line: launched, reported on by each unit for
itself, confirmed by the cluster's leader, recorded, commended; every refusal names its field
or its reason and writes nothing but the refusal's audit event."""

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from models import AuditEvent, Document, Drive, DriveStatus, Membership
from thidua.db import session_scope
from thidua.services.context import get_actor
from thidua.services.drive_review import confirm, plan, record_results
from thidua.services.drives import local_today, report

from .test_cli import (  # noqa: F401 - fixtures
    campaign,
    invoke,
    refused,
    runner,
    sample_db,
    templates,
)

UNITS = ("BANTD", "CTT8", "PCTD", "PHC", "PTC", "PTCCB", "PTM", "PXDPT", "TTHL", "TTR")
# What tells the sample's four drives apart in a document, in date order.
MARKS = ("Kỷ Hợi 2019", "lễ hội Xuân 2019", "74 năm Ngày truyền thống CAND", "Tết Dương lịch 2020")
DIRECTORATE, LEADER, OTHER_COMMANDER = "bgd.phogiamdoc", "chihuy.ptm", "chihuy.phc"


@pytest.fixture
def today(sample_db: str) -> date:
    """The sample cluster's 2019 membership (leader Phòng Tham mưu) again this year, so that
    a drive under way today has its units and its leader."""
    now = local_today()
    with session_scope() as s:
        for m in s.exec(select(Membership).where(Membership.year == 2019)).all():
            s.add(
                Membership(cluster_id=m.cluster_id, unit_id=m.unit_id, year=now.year, role=m.role)
            )
    return now


def _launch(runner: CliRunner, today: date, *extra: Any, actor: str = DIRECTORATE) -> int:
    start = today - timedelta(days=20) if today.month > 1 or today.day > 20 else today
    result = invoke(
        runner, "drive", "launch", "--actor", actor,
        "--name", "Đợt cao điểm tấn công trấn áp tội phạm",
        "--theme", "Bảo đảm an ninh, trật tự dịp cuối năm",
        "--from", f"{start:%d/%m/%Y}", "--to", f"{today:%d/%m/%Y}",
        "--target", "PA:60:Phá án, bắt đối tượng",
        "--target", "TT:40:Tuyên truyền, phát động quần chúng",
        *extra,
    )  # fmt: skip
    assert result.exit_code == 0, (result.stdout, result.stderr)
    with session_scope() as s:
        return max(d.id for d in s.exec(select(Drive)).all() if d.id is not None)


def _report(runner: CliRunner, drive: int, unit: str, pa: float, tt: float) -> None:
    result = invoke(
        runner, "drive", "report", "--drive", drive, "--actor", f"canbo.{unit.lower()}",
        "--score", f"PA={pa:g}", "--score", f"TT={tt:g}", "--note", "Nhiều chiến công",
    )  # fmt: skip
    assert result.exit_code == 0, (result.stdout, result.stderr)


def _actions(drive: int) -> list[str]:
    """The drive events logged since this drive's launch (the sample's drives come before)."""
    with session_scope() as s:
        events = s.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).startswith("drive."))
            .order_by(col(AuditEvent.id))
        ).all()
        [start] = [
            i
            for i, e in enumerate(events)
            if e.action == "drive.launch" and e.entity_id == str(drive)
        ]
        return [e.action for e in events[start:]]


def test_a_drive_from_launch_to_its_commendation_list(runner: CliRunner, today: date) -> None:
    drive = _launch(runner, today, "--cluster", "CTD4")
    points = {u: (50 - i, 30 + (i % 3)) for i, u in enumerate(UNITS)}
    for unit, (pa, tt) in points.items():
        _report(runner, drive, unit, pa, tt)
    confirmed = invoke(
        runner, "drive", "confirm", "--drive", drive, "--actor", LEADER, "--cluster", "CTD4",
        "--commend", "BANTD", "--commend", "CTT8",
    )  # fmt: skip
    assert confirmed.exit_code == 0, confirmed.stderr
    with session_scope() as s:  # what the review run does next (flows/drive.py)
        assert plan(s, drive).kind == "record"
        assert record_results(s, drive) is True
        assert record_results(s, drive) is False  # a retry records nothing twice
        assert plan(s, drive).phase == "giấy-khen"
    approved = invoke(runner, "drive", "commend", "--drive", drive, "--actor", DIRECTORATE,
                      "--unit", "BANTD")  # fmt: skip
    assert approved.exit_code == 0, approved.stderr
    assert "BANTD" in approved.stdout

    shown = invoke(runner, "drive", "show", "--drive", drive, "--json")
    assert shown.exit_code == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert (view["status"], view["year"], view["launched_by"]) == (
        "closed",
        today.year,
        DIRECTORATE,
    )
    assert [t["code"] for t in view["targets"]] == ["PA", "TT"]
    by_unit = {
        u["unit"]: (u["points"], u["rank"], u["proposed"], u["commended"]) for u in view["units"]
    }
    totals = {u: float(pa + tt) for u, (pa, tt) in points.items()}
    ranks = {u: 1 + sum(1 for t in totals.values() if t > totals[u]) for u in UNITS}
    assert by_unit == {
        u: (totals[u], ranks[u], u in ("BANTD", "CTT8"), u == "BANTD") for u in UNITS
    }
    assert view["clusters"]["CTD4"]["proposed"] == ["BANTD", "CTT8"]
    table = invoke(runner, "drive", "show", "--drive", drive)
    assert "Phòng Tham mưu" in table.stdout and "được tặng" in table.stdout
    assert _actions(drive) == [
        "drive.launch",
        *["drive.report"] * 10,
        "drive.confirm",
        "drive.record",
        "drive.commend",
    ]


def test_a_leader_launches_for_its_own_cluster_only(runner: CliRunner, today: date) -> None:
    drive = _launch(runner, today, "--cluster", "CTD4", actor=LEADER)
    with session_scope() as s:
        d = s.get(Drive, drive)
        assert d is not None and d.status == DriveStatus.OPEN and d.year == today.year
    refused(
        runner,
        ["drive", "launch", "--actor", OTHER_COMMANDER, "--name", "Đợt khác",
         "--from", f"{today:%d/%m/%Y}", "--to", f"{today:%d/%m/%Y}",
         "--target", "A:10:Chỉ tiêu", "--cluster", "CTD4"],
        4, "không thuộc đơn vị Cụm trưởng Cụm thi đua số 4",
    )  # fmt: skip


def test_launch_refusals_name_the_field(runner: CliRunner, today: date) -> None:
    d = f"{today:%d/%m/%Y}"
    plain = ["drive", "launch", "--name", "Đợt", "--cluster", "CTD4"]
    base = [*plain, "--actor", DIRECTORATE]
    one = ["--target", "A:10:Chỉ tiêu A"]
    refused(runner, [*plain, "--from", d, "--to", d, *one, "--actor", "canbo.ptm"], 4,
            "không có quyền phát động")  # fmt: skip
    before = f"{today - timedelta(days=1):%d/%m/%Y}"
    refused(runner, [*base, "--from", d, "--to", before, *one], 2, "trường ends_on")
    refused(runner, [*base, "--from", "31/02/2026", "--to", d, *one], 2, "trường from")
    refused(runner, [*base, "--from", d, "--to", d, "--target", "A:mười:X"], 2,
            "trường targets[0].maximum")  # fmt: skip
    refused(runner, [*base, "--from", d, "--to", d, "--target", "A:0:X"], 2,
            "trường targets[0].maximum")  # fmt: skip
    refused(runner, [*base, "--from", d, "--to", d, *one, "--target", "A:5:Lặp"], 2,
            "trường targets[1].code", "bị trùng")  # fmt: skip
    refused(runner, [*base, "--from", d, "--to", d, *one, "--cluster", "CTD99"], 2,
            "trường clusters[1]", "CTD99")  # fmt: skip


def test_report_confirm_and_commend_refusals(runner: CliRunner, today: date) -> None:
    drive = _launch(runner, today, "--unit", "PTM", "--unit", "PHC")
    rep = ["drive", "report", "--drive", drive, "--actor", "canbo.ptm"]
    refused(runner, [*rep, "--score", "PA=61", "--score", "TT=1"], 2, "trường scores.PA",
            "0–60")  # fmt: skip
    refused(runner, [*rep, "--score", "PA=1"], 2, "trường scores.TT", "thiếu điểm")
    refused(runner, [*rep, "--score", "PA=1", "--score", "TT=1", "--score", "XX=1"], 2,
            "trường scores.XX")  # fmt: skip
    refused(runner, ["drive", "report", "--drive", drive, "--actor", "canbo.ptc",
                     "--score", "PA=1", "--score", "TT=1"], 4,
            "không thuộc đơn vị tham gia")  # fmt: skip
    refused(runner, ["drive", "report", "--drive", drive, "--actor", LEADER,
                     "--score", "PA=1", "--score", "TT=1"], 4, "Cán bộ đơn vị")  # fmt: skip
    _report(runner, drive, "PTM", 55, 35)
    refused(runner, [*rep, "--score", "PA=1", "--score", "TT=1"], 6, "đã báo cáo")
    conf = ["drive", "confirm", "--drive", drive, "--cluster", "CTD4"]
    refused(runner, [*conf, "--actor", OTHER_COMMANDER], 4, "không thuộc đơn vị Cụm trưởng")
    refused(runner, [*conf, "--actor", LEADER], 7, "Chưa báo cáo: Phòng Hậu cần")
    refused(runner, [*conf, "--actor", LEADER, "--cluster", "CTD9"], 2, "trường cluster")
    comm = ["drive", "commend", "--drive", drive, "--actor", DIRECTORATE]
    refused(runner, comm, 5, "chưa được ghi nhận")
    _report(runner, drive, "PHC", 40, 20)
    refused(runner, [*conf, "--actor", LEADER, "--commend", "PTC"], 2, "trường commend[0]")
    assert invoke(runner, *conf, "--actor", LEADER, "--commend", "PTM").exit_code == 0
    refused(runner, [*rep, "--score", "PA=1", "--score", "TT=1"], 5, "đã xác nhận")
    with session_scope() as s:
        record_results(s, drive)
    refused(runner, [*comm, "--unit", "PHC"], 2, "trường unit[0]", "không có trong danh sách")
    refused(runner, ["drive", "commend", "--drive", drive, "--actor", LEADER], 4, "Ban Giám đốc")
    assert invoke(runner, *comm).exit_code == 0
    refused(runner, comm, 6, "đã kết thúc")
    refused(runner, ["drive", "show", "--drive", 999], 3, "#999")


def test_after_the_deadline_the_leader_confirms_and_silent_units_score_nothing(
    runner: CliRunner, today: date
) -> None:
    drive = _launch(runner, today, "--unit", "PTM", "--unit", "PHC", "--unit", "PTC")
    _report(runner, drive, "PHC", 40, 20)
    with session_scope() as s:
        d = s.get(Drive, drive)
        assert d is not None
        late = d.ends_on + timedelta(days=d.review_days + 1)
        assert plan(s, drive, today=late).phase == "xác-nhận"
        assert plan(s, drive).phase == "báo-cáo"
        with pytest.raises(Exception, match="quá hạn"):
            report(s, actor=get_actor(s, "canbo.ptm"), drive_id=drive,
                   scores={"PA": 1, "TT": 1}, today=late)  # fmt: skip
        confirm(s, actor=get_actor(s, LEADER), drive_id=drive, cluster_code="CTD4", today=late)
        assert record_results(s, drive)
        assert plan(s, drive).kind == "done"  # nobody proposed: nothing left to approve
    view = json.loads(invoke(runner, "drive", "show", "--drive", drive, "--json").stdout)
    assert [(u["unit"], u["points"], u["rank"]) for u in view["units"]] == [
        ("PHC", 60.0, 1),
        ("PTC", 0.0, 2),
        ("PTM", 0.0, 2),
    ]
    assert view["status"] == "closed"


def test_drive_help_panels(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "drive", "--help")
    assert result.exit_code == 0
    for panel in ("Cụm trưởng và Ban Giám đốc", "Cán bộ đơn vị", "Cụm trưởng", "Ban Giám đốc"):
        assert panel in result.stdout


def test_the_sample_has_the_four_recorded_2019_drives_of_cluster_4(
    runner: CliRunner, database_url: str
) -> None:
    assert invoke(runner, "init", "--sample").exit_code == 0
    again = invoke(runner, "init", "--sample")
    assert "không thêm gì" in again.stdout  # idempotent, drives included
    listed = json.loads(invoke(runner, "drive", "list", "--year", 2019, "--json").stdout)
    assert [(d["starts_on"], d["ends_on"], d["status"]) for d in listed] == [
        ("2019-01-02", "2019-02-28", "closed"),
        ("2019-03-01", "2019-05-31", "closed"),
        ("2019-06-01", "2019-08-19", "closed"),
        ("2019-09-01", "2019-12-20", "closed"),
    ]
    assert all("2019" in d["name"] for d in listed)
    for d in listed:
        view = json.loads(invoke(runner, "drive", "show", "--drive", d["id"], "--json").stdout)
        assert sorted(u["unit"] for u in view["units"]) == sorted(UNITS)
        assert all(u["points"] == u["total"] for u in view["units"])
        [first] = [u for u in view["units"] if u["rank"] == 1]
        assert [u["unit"] for u in view["units"] if u["commended"]] == [first["unit"]]


def test_the_year_end_minutes_and_memo_list_the_years_drives(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    """The sample's 2019 campaign, driven to its end with the four 2019 drives recorded: the
    minutes and the memo list each drive with its units' results and commendations."""
    from thidua.sample import load_sample

    from .test_cli import advance

    with session_scope() as s:
        load_sample(s, drives=True)
        drives = s.exec(
            select(Drive).where(Drive.year == 2019).order_by(col(Drive.starts_on))
        ).all()
        names = [d.name for d in drives]
    assert all(m in n for m, n in zip(MARKS, names, strict=True))
    advance(campaign, None)
    with session_scope() as s:
        docs = {
            d.key: d.content
            for d in s.exec(select(Document).where(Document.campaign_id == campaign)).all()
        }
    minutes = next(v for k, v in docs.items() if k.startswith("bien-ban") and k.endswith(".md"))
    memo = docs["to-trinh.md"]
    for text in (minutes, memo, docs["to-trinh.html"]):
        assert "Kết quả các đợt thi đua trong năm" in text
        positions = [text.index(n) for n in MARKS]
        assert positions == sorted(positions)  # in date order
    assert (
        "| 1 | Phòng Công tác Đảng - Công tác chính trị | 94,00 / 100,00 | Được tặng |" in minutes
    )
    assert "(01/06/2019 – 19/08/2019)" in minutes

    # The Word minutes and memo (docxtpl), read back as a clerk's Word reads them.
    for key in (next(k for k in docs if k.startswith("bien-ban")).removesuffix(".md"), "to-trinh"):
        out = tmp_path / f"{key}.docx"
        result = invoke(runner, "report", "--campaign", campaign, "--document", key, "--docx",
                        "--out", out)  # fmt: skip
        assert result.exit_code == 0, result.output
        word = docx.Document(str(out))
        text = [p.text for p in word.paragraphs]
        assert any(t.startswith("Kết quả các đợt thi đua trong năm") for t in text)
        heads = [next(t for t in text if m in t) for m in MARKS]
        assert [text.index(h) for h in heads] == sorted(text.index(h) for h in heads)
        assert "(01/06/2019 – 19/08/2019)" in heads[2] and heads[0].startswith("1. ")
        tables = [
            [[c.text for c in r.cells] for r in t.rows]
            for t in word.tables
            if [c.text for c in t.rows[0].cells] == ["Hạng", "Đơn vị", "Điểm", "Giấy khen"]
        ]
        assert len(tables) == 4 and all(len(t) == 1 + len(UNITS) for t in tables)
        assert [
            "1", "Phòng Công tác Đảng - Công tác chính trị", "94,00 / 100,00", "Được tặng"
        ] in [row for t in tables for row in t]  # fmt: skip
        assert "{{" not in "".join(text) and "{%" not in "".join(text)


def test_the_sample_drives_of_a_year_on_postgresql(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the year-end documents read, on PostgreSQL (which has no equality for JSON)."""
    from thidua.services.drive_view import drives_of_year
    from thidua.settings import get_settings

    from .postgres import temporary_database

    with temporary_database("thidua_drives") as url:
        monkeypatch.setenv("THIDUA_DATABASE_URL", url)
        monkeypatch.setenv("THIDUA_HOME", str(tmp_path / ".thidua"))
        get_settings.cache_clear()
        try:
            assert invoke(runner, "init", "--sample").exit_code == 0
            with session_scope() as s:
                cluster_id = s.exec(
                    select(Membership.cluster_id).where(Membership.year == 2019)
                ).first()
                assert cluster_id is not None
                drives = drives_of_year(s, year=2019, cluster_id=cluster_id)
            assert len(drives) == 4
        finally:
            get_settings.cache_clear()
