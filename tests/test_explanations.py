"""Explanations (giải trình, issue 10): a unit flagged for the gap between its self-score and its
peers' files its explanation during the peer review; the cluster leader sees it in `status`, in
`pending` and on the stage-2 form before confirming; the minutes carry it."""

import json
from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from models import AuditEvent, Document, Explanation
from rules.stages import Stage
from simulation.participants import Script, act
from tests import test_cli
from tests.test_cli import advance, flat, invoke, refused
from thidua.db import session_scope
from thidua.services.waits import plan_step
from thidua.templating import md_text

runner, templates, campaign = test_cli.runner, test_cli.templates, test_cli.campaign

TEXT = (
    "Năm 2019 Thanh tra CATP hoàn thành 12 cuộc thanh tra chuyên đề được Bộ Công an biểu dương;\n"
    "các đơn vị chấm chéo chưa có số liệu này nên điểm thấp hơn."
)


def explain(cid: int, actor: str, *how: object) -> list[object]:
    return ["submit", "explanation", "--campaign", cid, "--actor", actor, *how]


def test_an_explanation_from_the_flagged_unit_reaches_the_leader_and_the_minutes(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    # Not in the self-assessment stage, and not before any peer has scored the unit.
    refused(runner, explain(campaign, "canbo.ttr", "--text", "x"), 5, "Chấm chéo")
    advance(campaign, Stage.PEER_REVIEW)
    refused(runner, explain(campaign, "canbo.ttr", "--text", "x"), 7, "không cần giải trình")
    with session_scope() as s:  # every unit reviews every other; the leader has not confirmed
        act(s, campaign, Script(late_unit=None, returned_unit=None))
    # Thanh tra rated itself well above its peers: flagged. Phòng Hậu cần is not.
    refused(runner, explain(campaign, "canbo.phc", "--text", "x"), 7, "Phòng Hậu cần")
    refused(runner, explain(campaign, "chihuy.ptm", "--text", "x"), 4, "Cán bộ đơn vị")
    refused(runner, explain(campaign, "canbo.ttr", "--text", "  "), 2, "trường text")
    mine = invoke(runner, "pending", "--actor", "canbo.ttr", "--json")
    assert [p["command"] for p in json.loads(mine.stdout)] == [
        f'thidua submit explanation --campaign {campaign} --actor canbo.ttr --text "…"'
    ]
    lead = json.loads(invoke(runner, "pending", "--actor", "chihuy.ptm", "--json").stdout)
    assert [p["what"] for p in lead] == [
        "đã đủ, chờ xác nhận giai đoạn; đọc giải trình của 1 đơn vị chênh lệch điểm "
        f"(1 chưa giải trình): thidua status --campaign {campaign}"
    ]

    f = tmp_path / "giai-trinh.txt"
    f.write_text(TEXT, encoding="utf-8")
    ok = invoke(runner, *explain(campaign, "canbo.ttr", "--file", f))
    assert ok.exit_code == 0, ok.output
    with session_scope() as s:
        [row] = s.exec(select(Explanation)).all()
        assert row.text == TEXT
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "explanation.submit")).all()
        assert [e.after["unit"] for e in events] == ["TTR"]  # type: ignore[index]
    assert json.loads(invoke(runner, "pending", "--actor", "canbo.ttr", "--json").stdout) == []
    lead = json.loads(invoke(runner, "pending", "--actor", "chihuy.ptm", "--json").stdout)
    assert "(0 chưa giải trình)" in lead[0]["what"]

    status = invoke(runner, "status", "--campaign", campaign)
    assert "Giải trình chênh lệch điểm ở #1 (Cụm trưởng đọc trước khi xác nhận):" in status.stdout
    assert f"Giải trình: {flat(TEXT)}" in flat(status.stdout)
    [state] = json.loads(invoke(runner, "status", "--campaign", campaign, "--json").stdout)
    [gap] = state["explanations"]
    assert (gap["unit"], gap["name"], gap["text"]) == ("TTR", "Thanh tra CATP", TEXT)
    assert float(gap["gap"]) > 10

    with session_scope() as s:  # the stage-2 form the leader confirms on
        step = plan_step(s, campaign)
    assert (step.kind, step.stage) == ("wait", Stage.PEER_REVIEW)
    assert "**Giải trình chênh lệch điểm**" in step.situation
    assert f"| Thanh tra CATP | {gap['self_total'].replace('.', ',')}" in step.situation
    assert flat(TEXT) in step.situation

    advance(campaign, Stage.APPROVAL)  # the leader confirms, the vote is held, minutes written
    refused(runner, explain(campaign, "canbo.ttr", "--text", "muộn"), 5)
    with session_scope() as s:
        minutes = s.exec(select(Document).where(Document.kind == "bien_ban")).all()
    assert {d.fmt for d in minutes} == {"md", "html", "json"}  # json: the Word file's context
    for d in (d for d in minutes if d.fmt != "json"):
        assert "Thanh tra CATP: tự chấm" in d.content
        assert "Năm 2019 Thanh tra CATP hoàn thành 12 cuộc thanh tra chuyên đề" in d.content


def test_an_explanation_stays_text_on_the_leaders_form() -> None:
    # Shown in Markdown on a form the leader reads: no image, link, HTML or extra table cell.
    typed = "Xem ![ảnh](http://x/p.png) và [đây](http://x) | <b>gấp</b>\ndòng 2"
    assert md_text(typed) == (
        "Xem \\!\\[ảnh\\]\\(http://x/p.png\\) và \\[đây\\]\\(http://x\\) "
        "\\| \\<b\\>gấp\\</b\\> dòng 2"
    )
