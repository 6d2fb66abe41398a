"""The forms of issue 10: `thidua form` writes the form of one person, pre-filled; filled in
(here in code, line by line as a person would in an editor), `thidua submit` takes it and the
campaign goes on. YAML here; Excel forms in tests/test_forms_xlsx.py."""

import re
from pathlib import Path

import yaml
from sqlmodel import select
from typer.testing import CliRunner

from models import Ballot, PeerReview, SelfAssessment
from rules.defaults import default_rules
from rules.stages import Stage
from tests import test_cli
from tests.test_cli import advance, invoke, refused, sheet
from thidua.db import session_scope
from thidua.services.context import load_campaign

runner, templates, campaign = test_cli.runner, test_cli.templates, test_cli.campaign
SCHEME = default_rules().scheme


def get_form(runner: CliRunner, kind: str, cid: int, actor: str, out: Path, *more: str) -> str:
    result = invoke(runner, "form", kind, "--campaign", cid, "--actor", actor, "--out", out, *more)
    assert result.exit_code == 0, result.output
    assert f"thidua submit {kind} --campaign {cid} --actor {actor} --file {out}" in result.stdout
    return out.read_text(encoding="utf-8") if out.suffix != ".xlsx" else ""


def fill(text: str, values: dict[str, str]) -> str:
    """Type a value after each `KEY:` line of the form, keeping its comments."""
    for key, value in values.items():
        text = re.sub(
            rf"^(\s*){re.escape(key)}:[^\n#]*(#.*)?$",
            lambda m, k=key, v=value: (
                f"{m.group(1)}{k}: {v}" + (f"  {m.group(2)}" if m.group(2) else "")
            ),
            text,
            flags=re.M,
        )
    return text


def submit(runner: CliRunner, kind: str, cid: int, actor: str, path: Path) -> str:
    result = invoke(runner, "submit", kind, "--campaign", cid, "--actor", actor, "--file", path)
    assert result.exit_code == 0, result.output
    return result.stdout


def stage_of(cid: int) -> Stage:
    with session_scope() as s:
        return load_campaign(s, cid).campaign.stage


def test_self_assessment_form_round_trip(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    path = tmp_path / "tu-cham.yaml"
    text = get_form(runner, "self-assessment", campaign, "canbo.ptm", path)
    # Explained in Vietnamese, every criterion with its code, name, group, maximum, step, kind
    # and target; the bonus and penalty lines with their caps.
    for needle in (
        "# PHIẾU TỰ CHẤM ĐIỂM THI ĐUA",
        "# Đơn vị: Phòng Tham mưu (PTM)",
        "# ── XDD. Công tác xây dựng Đảng (tối đa 15 điểm)",
        "# XDD3 · Tổ chức cơ sở đảng được xếp loại “Hoàn thành tốt nhiệm vụ” trở lên · tối đa 5 · "
        "định lượng · chỉ tiêu: 100% chi bộ hoàn thành tốt nhiệm vụ trở lên",
        "# CM3 · Tham gia các đợt cao điểm tấn công trấn áp tội phạm và tệ nạn xã hội (2,5 điểm "
        "mỗi đợt) · tối đa 10 · bước 2.5 · tính theo số lần",
        "# ── Điểm thưởng (cộng; tổng các mục tối đa 5 điểm)",
        "# ── Điểm trừ",
        "# TRU2 · Để xảy ra vụ việc đột xuất",
        f"thidua submit self-assessment --campaign {campaign} --actor canbo.ptm --file",
    ):
        assert needle in text, needle
    blank = yaml.safe_load(text)
    assert blank == {
        "campaign": campaign,
        "unit": "PTM",
        "scores": {
            **{c.code: None for c in SCHEME.criteria},
            **{b.code: 0 for b in (*SCHEME.bonuses, *SCHEME.penalties)},
        },
        "achievements": "",
        "shortcomings": "",
        "evidence": [],
    }
    # Sent as it is, every missing score is named at once.
    refused(
        runner,
        [
            "submit",
            "self-assessment",
            "--campaign",
            campaign,
            "--actor",
            "canbo.ptm",
            "--file",
            path,
        ],
        2,
        f"có {len(SCHEME.criteria)} chỗ sai",
        "trường scores.XDD1: thiếu điểm",
        "trường scores.HC2: thiếu điểm",
    )
    path.write_text(
        fill(text, {**sheet(), "THUONG1": "1", "achievements": '"Dẫn đầu khối tham mưu"'}),
        encoding="utf-8",
    )
    assert "tổng điểm" in submit(runner, "self-assessment", campaign, "canbo.ptm", path)
    with session_scope() as s:
        [sa] = s.exec(select(SelfAssessment)).all()
        assert sa.achievements == "Dẫn đầu khối tham mưu"
    advance(campaign, Stage.PEER_REVIEW)
    assert stage_of(campaign) == Stage.PEER_REVIEW


def test_a_returned_self_assessment_comes_back_with_its_values(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    first = tmp_path / "lan-1.yaml"
    first.write_text(
        fill(get_form(runner, "self-assessment", campaign, "canbo.phc", first), sheet(0.9)),
        encoding="utf-8",
    )
    submit(runner, "self-assessment", campaign, "canbo.phc", first)
    back = invoke(
        runner,
        "return",
        "--campaign",
        campaign,
        "--actor",
        "chihuy.ptm",
        "--unit",
        "PHC",
        "--comment",
        "CM3 phải là bội số đợt cao điểm; bổ sung minh chứng",
    )
    assert back.exit_code == 0, back.output
    again = tmp_path / "lan-2.yaml"
    text = get_form(runner, "self-assessment", campaign, "canbo.phc", again)
    assert "# BẢN TỰ CHẤM LẦN 1 BỊ CỤM TRƯỞNG TRẢ LẠI ĐỂ SỬA. Lý do: CM3 phải là bội số" in text
    current = yaml.safe_load(text)
    assert {k: str(v) for k, v in current["scores"].items()} == {
        k: str(v).rstrip("0").rstrip(".") if "." in str(v) else str(v)
        for k, v in sheet(0.9).items()
    }
    again.write_text(fill(text, {"CM3": "5", "XDD1": "4"}), encoding="utf-8")
    assert "(lần 2)" in submit(runner, "self-assessment", campaign, "canbo.phc", again)
    with session_scope() as s:
        rows = s.exec(select(SelfAssessment).order_by(SelfAssessment.version)).all()
        assert [(r.version, r.status) for r in rows] == [(1, "returned"), (2, "submitted")]


def test_review_form_round_trip(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    advance(campaign, Stage.PEER_REVIEW)
    with session_scope() as s:
        members = load_campaign(s, campaign).member_codes
    path = tmp_path / "cham-cheo.yaml"
    text = get_form(runner, "review", campaign, "canbo.ptm", path)
    blank = yaml.safe_load(text)
    assert [r["reviewee"] for r in blank["reviews"]] == [m for m in members if m != "PTM"]
    assert blank["reviews"][0]["scores"]["XDD1"] is None
    assert "# ══ 1/9. " in text and "XDD1:   # tối đa 5" in text
    path.write_text(fill(text, sheet(0.85)), encoding="utf-8")
    assert "Đã nhận 9 phiếu chấm chéo của Phòng Tham mưu" in submit(
        runner, "review", campaign, "canbo.ptm", path
    )
    # What was sent comes back pre-filled; sent again unchanged, nothing is duplicated.
    resent = tmp_path / "lan-2.yaml"
    text2 = get_form(runner, "review", campaign, "canbo.ptm", resent)
    assert "đã nộp, điền sẵn" in text2
    submit(runner, "review", campaign, "canbo.ptm", resent)
    with session_scope() as s:
        assert len(s.exec(select(PeerReview)).all()) == 9
    advance(campaign, Stage.VOTE)
    assert stage_of(campaign) == Stage.VOTE


def test_ballot_form_round_trip(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    advance(campaign, Stage.VOTE)
    path = tmp_path / "phieu.yaml"
    text = get_form(runner, "ballot", campaign, "canbo.ptm", path)
    blank = yaml.safe_load(text)
    assert {k: blank[k] for k in ("acclaim", "leader", "deputy")} == {
        "acclaim": None,
        "leader": None,
        "deputy": None,
    }
    assert "PTM" not in blank["titles"] and blank["titles"]
    assert set(blank["titles"].values()) == {None}
    assert "#   PHC · Phòng Hậu cần" in text
    assert "#   PTM · " not in text  # never its own unit
    assert "đơn vị được suy tôn phải là đơn vị xếp thứ nhất" in text
    top = re.search(r"phải là đơn vị xếp thứ nhất: .* \((\w+)\)", text)
    assert top is not None
    answers = {"acclaim": top.group(1), "leader": "PTCCB", "deputy": "PTC"}
    answers |= {code: "true" for code in blank["titles"]}
    path.write_text(fill(text, answers), encoding="utf-8")
    assert "Đã ghi nhận phiếu bầu kín của Phòng Tham mưu" in submit(
        runner, "ballot", campaign, "canbo.ptm", path
    )
    with session_scope() as s:
        [ballot] = s.exec(select(Ballot)).all()
        assert ballot.content["leader"] == "PTCCB"
        assert set(ballot.content["titles"].values()) == {True}
    advance(campaign, Stage.APPROVAL)
    assert stage_of(campaign) == Stage.APPROVAL


def test_a_form_is_for_an_officer_of_a_member_unit(runner: CliRunner, campaign: int) -> None:
    result = invoke(runner, "form", "review", "--campaign", campaign, "--actor", "bgd.phogiamdoc")
    assert result.exit_code == 4, result.output
