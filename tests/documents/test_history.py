"""A campaign's history in `thidua report`, text and JSON: who sent what back, gave more time,
amended or re-voted, when and why."""

import json

from .conftest import AMEND_REASON, ok


def test_history_in_json_and_text(finished: int) -> None:
    data = json.loads(ok("report", "--campaign", finished, "--json").stdout)
    events = data["history"]
    assert [(e["kind"], e["by"]) for e in events] == [
        ("extended", "Chỉ huy Phòng Tham mưu"),
        ("returned", "Chỉ huy Phòng Tham mưu"),
        ("stage_returned", "Phó Giám đốc CATP Hà Nội (Ban Giám đốc)"),
        ("revoted", "Hệ thống"),
        ("amended", "Phó Giám đốc CATP Hà Nội (Ban Giám đốc)"),
    ]
    ext, ret, back, revote, amend = events
    assert ext["what"].startswith("Gia hạn cho Công ty Tháng Tám ở giai đoạn 'Tự chấm điểm' đến ")
    assert ext["why"] == "Đơn vị đang làm nhiệm vụ đột xuất"
    assert ret["what"] == "Trả lại bản tự chấm của Báo An ninh Thủ đô để sửa"
    assert "minh chứng" in ret["why"]
    assert back["what"] == "Ban Giám đốc trả lại về giai đoạn 'Bình xét, bỏ phiếu kín'"
    assert back["why"] == "Kiểm tra lại việc bỏ phiếu"
    assert revote["what"] == "Bỏ phiếu lại: 'Bình xét, bỏ phiếu kín', lần 2"
    assert amend["what"] == (
        "Ban Giám đốc điều chỉnh kết quả "
        "(Phòng Công tác Đảng - Công tác chính trị: không đề nghị danh hiệu)"
    )
    assert amend["why"] == AMEND_REASON
    assert all(e["at"] for e in events) and events == sorted(events, key=lambda e: e["at"])

    text = " ".join(ok("report", "--campaign", finished).stdout.split())
    assert "Diễn biến của đợt bình xét:" in text
    for e in events:
        assert " ".join(e["what"].split()) in text
    assert f"lý do: {AMEND_REASON}" in text
