"""What the stored documents say about a real campaign: numbers, places, people, counts, keys."""

import json
import re
from typing import Any

from sqlmodel import select

from models import Document, Nomination
from thidua.db import session_scope

from .conftest import CHAIR, SECRETARY, cli, ok


def _doc(cid: int, key: str) -> str:
    return ok("report", "--campaign", cid, "--document", key).stdout


def _report(cid: int) -> dict[str, Any]:
    return json.loads(ok("report", "--campaign", cid, "--json").stdout)


def test_keys_are_what_a_person_types(finished: int) -> None:
    data = _report(finished)
    keys = data["documents"]
    assert len(keys) == len(set(keys))
    reports = sorted(k for k in keys if k.startswith("bao-cao-"))
    eligible = sorted({n["unit"] for n in data["nominations"] if n["eligible"]})
    # one report per nominated unit, named by its code alone
    assert reports == sorted(f"bao-cao-{u}.{fmt}" for u in eligible for fmt in ("md", "html"))
    assert {"bien-ban-lan-1.md", "bien-ban-lan-2.md", "quyet-dinh.md", "to-trinh.md"} <= set(keys)
    assert not any(k.endswith(".json") for k in keys)
    # the key without its format is the Markdown document
    assert _doc(finished, "to-trinh") == _doc(finished, "to-trinh.md")


def test_a_unit_with_a_title_and_the_flag_has_one_report(finished: int) -> None:
    with session_scope() as s:
        noms = s.exec(select(Nomination).where(Nomination.eligible)).all()
        by_unit: dict[int, list[str]] = {}
        for n in noms:
            by_unit.setdefault(n.unit_id, []).append(n.title)
        [(unit_id, titles)] = [(u, t) for u, t in by_unit.items() if len(t) > 1]
        reports = s.exec(
            select(Document).where(Document.unit_id == unit_id, Document.fmt == "md")
        ).all()
    assert len(reports) == 1
    for title in titles:
        assert f"“{title}”" in reports[0].content


def test_memo_counts_units_and_nominations_apart(finished: int) -> None:
    data = _report(finished)
    eligible = [n for n in data["nominations"] if n["eligible"]]
    units = len({n["unit"] for n in eligible})
    assert units < len(eligible)  # the acclaimed unit has its title and the flag
    memo = " ".join(_doc(finished, "to-trinh").split())
    assert (
        f"Tổng số: {units} đơn vị đủ điều kiện được đề nghị, với {len(eligible)} danh hiệu" in memo
    )


def test_minutes_have_number_place_chair_and_secretary(finished: int) -> None:
    first = _doc(finished, "bien-ban-lan-1")
    second = _doc(finished, "bien-ban-lan-2")
    for text in (first, second):
        assert "Số: …………/BB-CTD4" in text
        assert re.search(r"\*Hà Nội, ngày \d\d tháng \d\d? năm \d{4}\*", text)
    # the first vote named its chair only: the secretary is the leading unit's officer
    assert f"**Chủ trì:** {CHAIR}, Trưởng phòng Tham mưu (Phòng Tham mưu" in first
    assert "**Thư ký:** Cán bộ thi đua Phòng Tham mưu." in first
    assert "**Địa điểm:** Trụ sở Phòng Tham mưu." in first
    assert f"**Thư ký:** {SECRETARY}." in second and "**Địa điểm:** Hội trường A." in second
    assert f"| **{SECRETARY}** | **{CHAIR}** |" in second
    html = _doc(finished, "bien-ban-lan-2.html")
    assert f"<strong>{SECRETARY}</strong>" in html and "Số: …………/BB-CTD4" in html


def test_decision_of_the_directorate(finished: int) -> None:
    text = " ".join(_doc(finished, "quyet-dinh").split())
    for part in (
        "BỘ CÔNG AN",
        "**CÔNG AN THÀNH PHỐ HÀ NỘI** · Số: …………/QĐ-CAHN",
        "# QUYẾT ĐỊNH",
        "**GIÁM ĐỐC CÔNG AN THÀNH PHỐ HÀ NỘI**",
        "Phòng Công tác Đảng - Công tác chính trị: không đề nghị danh hiệu",
        "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC",
        "**Phó Giám đốc CATP Hà Nội (Ban Giám đốc)**",
        "- Như Điều 3;",
    ):
        assert part in text, part


def test_meeting_only_when_confirming_the_vote(campaign_at_start: int) -> None:
    result = cli(
        "confirm", "--campaign", campaign_at_start, "--actor", "chihuy.ptm", "--secretary", "X"
    )
    assert result.exit_code == 2, result.output
    assert "secretary" in result.output and "bỏ phiếu" in result.output


def test_meeting_cannot_change_once_the_vote_is_confirmed(campaign_at_start: int) -> None:
    from rules.stages import Stage
    from simulation.participants import Script, act
    from simulation.synthetic import drive_in_process

    cid = campaign_at_start
    script = Script(late_unit=None, returned_unit=None)
    drive_in_process(cid, script, until=Stage.VOTE)
    with session_scope() as s:
        act(s, cid, script)
    confirm = ["confirm", "--campaign", cid, "--actor", "chihuy.ptm"]
    ok(*confirm, "--secretary", SECRETARY)
    ok(*confirm, "--secretary", SECRETARY)  # the same again: nothing to change
    again = cli(*confirm, "--secretary", "Người khác")
    assert again.exit_code == 6, again.output
    assert "đã được xác nhận" in again.output
