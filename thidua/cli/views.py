"""How `thidua report` looks in a terminal: Rich tables of one campaign's results."""

from decimal import Decimal
from typing import Any

from thidua.cli.io import STATUS_LABELS, out, table, yes_no
from thidua.templating import diem

QUESTIONS = (
    ("acclaim", "Suy tôn đơn vị dẫn đầu"),
    ("leader", "Cụm trưởng năm sau"),
    ("deputy", "Cụm phó năm sau"),
)


def _points(value: Any) -> str:
    return diem(None if value is None else Decimal(str(value)))


def print_drive_points(campaign_id: int, rows: list[dict[str, str]]) -> None:
    """The lines of the scheme computed from the year's drives, as fixed for the campaign."""
    if not rows:
        return
    out.print(
        f"\nĐiểm lấy từ kết quả các đợt thi đua ở #{campaign_id} (hệ thống tính, cố định khi mở "
        "giai đoạn tự chấm; đơn vị không tự chấm):",
        style="bold",
        markup=False,
        highlight=False,
    )
    for r in rows:
        points = diem(Decimal(r["points"]))
        text = f"  • {r['name']}: {r['item']} {points} điểm ({r['explanation']})"
        out.print(text, markup=False, highlight=False)


def print_report(data: dict[str, Any], stage_label: str) -> None:
    names: dict[str, str] = data["units"]

    def name(code: str | None) -> str:
        return "—" if not code else names.get(code, code)

    status = STATUS_LABELS.get(data["status"], data["status"])
    out.print(
        f"Đợt bình xét #{data['campaign_id']}: {data['name']}",
        style="bold",
        markup=False,
        highlight=False,
        soft_wrap=False,
    )
    out.print(
        f"Giai đoạn: {stage_label} — {status}", markup=False, highlight=False, soft_wrap=False
    )
    if data["missing_self_assessment"]:
        out.print(
            "Không nộp bản tự chấm: " + ", ".join(name(c) for c in data["missing_self_assessment"]),
            markup=False,
        )
    if data["returned_for_revision"]:
        out.print(
            "Đã bị trả lại để sửa: " + ", ".join(name(c) for c in data["returned_for_revision"]),
            markup=False,
        )
    _ranking(data["ranking"], name)
    print_drive_points(data["campaign_id"], data.get("drive_points") or [])
    if data["vote"]:
        _vote(data["vote"], name)
    if data["outcome"]:
        _outcome(data["outcome"], name)
    if data["nominations"]:
        _nominations(data["nominations"])
    _history(data.get("history") or [])
    if data["documents"]:
        out.print(
            "Tài liệu (xem bằng --document KEY; bản Word: --docx --out F): "
            + ", ".join(data["documents"]),
            markup=False,
            highlight=False,
            soft_wrap=False,
        )


def _ranking(ranking: list[dict[str, Any]], name: Any) -> None:
    if not ranking:
        out.print("Chưa có kết quả xếp hạng (chưa xong giai đoạn chấm chéo).")
        return
    t = table(
        "Xếp hạng",
        "Hạng",
        "Đơn vị",
        "Tự chấm",
        "TB chấm chéo",
        "Điểm tổng hợp",
        "Chênh lệch",
        "Danh hiệu đề xuất",
    )
    for r in ranking:
        gap = diem(None if r["gap"] is None else Decimal(str(r["gap"])), sign=True)
        if r["gap_flagged"]:
            gap += " ⚠ cần giải trình"
        t.add_row(
            str(r["rank"]),
            name(r["unit"]),
            _points(r["self_total"]),
            _points(r["peer_mean"]),
            _points(r["consolidated"]),
            gap,
            r["proposed_title"] or "—",
        )
    out.print(t)


def _vote(vote: dict[str, Any], name: Any) -> None:
    quorum = "đạt" if vote["quorum_met"] else "KHÔNG đạt"
    out.print(
        f"Bỏ phiếu: {vote['ballots_cast']}/{vote['members']} phiếu, cần tối thiểu "
        f"{vote['quorum_required']} — {quorum} số đại biểu",
        markup=False,
        highlight=False,
        soft_wrap=False,
    )
    t = table("Kết quả bầu", "Nội dung", "Kết quả", "Số phiếu", "Cần", "Ghi chú")
    for key, label in QUESTIONS:
        e = vote[key]
        counts = "; ".join(f"{name(u)}: {n}" for u, n in e["counts"]) or "—"
        remark = e["note"] or (
            f"phá thế hòa bằng {e['tie_broken_by']}" if e["tie_broken_by"] else ""
        )
        t.add_row(label, name(e["winner"]), counts, str(e["required_votes"]), remark)
    out.print(t)
    if vote["titles"]:
        tt = table(
            "Biểu quyết danh hiệu",
            "Đơn vị",
            "Danh hiệu",
            "Đồng ý",
            "Không đồng ý",
            "Cần",
            "Thông qua",
        )
        for v in vote["titles"]:
            tt.add_row(
                name(v["unit"]),
                v["title"],
                str(v["yes"]),
                str(v["no"]),
                str(v["required"]),
                yes_no(v["approved"]),
            )
        out.print(tt)


def _outcome(outcome: dict[str, Any], name: Any) -> None:
    decision = {"approve": "phê duyệt", "amend": "điều chỉnh"}.get(
        outcome.get("decision", ""), outcome.get("decision", "")
    )
    line = f"Ban Giám đốc: {decision}"
    if outcome.get("reason"):
        line += f" — lý do: {outcome['reason']}"
    out.print(line, markup=False, highlight=False, soft_wrap=False)
    t = table("Kết quả được phê duyệt", "Đơn vị", "Danh hiệu")
    for code, title in (outcome.get("titles") or {}).items():
        t.add_row(name(code), title)
    out.print(t)
    out.print(
        f"Đơn vị dẫn đầu được suy tôn: {name(outcome.get('acclaimed'))}; "
        f"Cụm trưởng năm sau: {name(outcome.get('leader'))}; "
        f"Cụm phó năm sau: {name(outcome.get('deputy'))}",
        markup=False,
        highlight=False,
        soft_wrap=False,
    )


def _nominations(nominations: list[dict[str, Any]]) -> None:
    t = table(
        "Đề nghị khen thưởng", "Danh hiệu", "Đơn vị", "Hạng", "Điểm", "Đủ điều kiện", "Trạng thái"
    )
    notes: list[str] = []
    for n in nominations:
        mark = ""
        if n["reasons"]:
            reasons = "; ".join(n["reasons"])
            notes.append(f"({len(notes) + 1}) {n['name']} — {n['title']}: {reasons}")
            mark = f" ({len(notes)})"
        t.add_row(
            n["title"],
            n["name"],
            str(n["rank"]),
            _points(n["score"]),
            yes_no(n["eligible"]) + mark,
            n["status"],
        )
    out.print(t)
    for line in notes:
        out.print(line, markup=False, highlight=False, soft_wrap=False)
    _council(nominations)


def _council(nominations: list[dict[str, Any]]) -> None:
    # One line each rather than a column: a decision number and a reason need the width.
    out.print("\nHội đồng Thi đua - Khen thưởng:", style="bold", markup=False, highlight=False)
    for n in nominations:
        line = f"  • {n['name']} — {n['title']}: {n.get('council_status') or '—'}"
        if n.get("council_reason"):
            line += f" ({n['council_reason']})"
        out.print(line, markup=False, highlight=False, soft_wrap=False)


def _history(events: list[dict[str, Any]]) -> None:
    """What went back, was extended, amended or held again: one line each (who, when, why)."""
    if not events:
        return
    from datetime import datetime

    from thidua.cli.io import local_time

    out.print("\nDiễn biến của đợt bình xét:", style="bold", markup=False, highlight=False)
    for e in events:
        who = e["by"] + (f" (thay {e['substitute']})" if e.get("substitute") else "")
        line = f"  • {local_time(datetime.fromisoformat(e['at']))} — {who}: {e['what']}"
        if e["why"]:
            line += f" — lý do: {e['why']}"
        out.print(line, markup=False, highlight=False)
