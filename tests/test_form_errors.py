"""Every error at once (issue 10): a filled form is checked whole, each problem is named by its
field path (one style: `reviews[0].scores.XDD1`) with a Vietnamese reason, nothing is written,
and a key written twice is an error rather than "the last one wins"."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rules.stages import Stage
from tests import test_cli
from tests.test_cli import advance, counts, refused, sheet, write
from thidua.cli.io import print_error
from thidua.errors import InvalidInput, Problem

runner, templates, campaign = test_cli.runner, test_cli.templates, test_cli.campaign


def submit(kind: str, cid: int, path: Path, actor: str = "canbo.ptm") -> list[object]:
    return ["submit", kind, "--campaign", cid, "--actor", actor, "--file", path]


def problem_lines(stderr: str) -> list[str]:
    return [line.strip().removeprefix("- ") for line in stderr.splitlines()[1:]]


def test_a_self_assessment_gets_every_problem_in_one_run(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    scores: dict[str, object] = {**sheet(), "XDD1": "năm", "XDD2": "7", "CM3": "3", "LA": "1"}
    del scores["HC2"]
    scores["THUONG1"], scores["THUONG2"] = "3", "2"  # 5 = the cap: fine
    scores["THUONG3"] = "0.5"  # 5.5 > the cap of 5
    data = {"scores": scores, "evidence": ["ok", 5], "ghi_chu": "lạ"}
    result = refused(
        runner, submit("self-assessment", campaign, write(tmp_path, "t.yaml", data)), 2
    )
    assert result.stderr.startswith("Lỗi: có 8 chỗ sai (không có gì được ghi):")
    assert problem_lines(result.stderr) == [
        "trường evidence[1]: phải là chuỗi ký tự",
        "trường ghi_chu: trường không được phép (không có trong mẫu)",
        "trường scores.LA: không có trong thang điểm",
        "trường scores.XDD1: không phải là số",
        "trường scores.XDD2: vượt quá điểm tối đa 5",
        "trường scores.CM3: phải là bội số của 2.5",
        "trường scores.HC2: thiếu điểm",
        "trường scores: tổng điểm thưởng 5.5 vượt quá mức tối đa 5",
    ]


def test_json_errors_list_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    error = InvalidInput.of(
        [
            Problem("scores.XDD1", "không được âm", "Tự chấm!H5"),
            Problem("scores.XDD2", "thiếu điểm"),
        ]
    )
    print_error(error, as_json=True)
    assert json.loads(capsys.readouterr().err) == {
        "error": "không được âm (và 1 chỗ sai khác)",
        "field": "scores.XDD1",
        "code": 2,
        "problems": [
            {
                "where": "ô Tự chấm!H5 (scores.XDD1)",
                "field": "scores.XDD1",
                "cell": "Tự chấm!H5",
                "reason": "không được âm",
            },
            {
                "where": "trường scores.XDD2",
                "field": "scores.XDD2",
                "cell": None,
                "reason": "thiếu điểm",
            },
        ],
    }


def test_no_english_from_pydantic(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    data = {
        "scores": {**sheet(), "XDD1": float("inf")},
        "achievements": ["không", "phải", "chuỗi"],
        "evidence": "một chuỗi",
        "campaign": "một",
    }
    result = refused(
        runner, submit("self-assessment", campaign, write(tmp_path, "t.json", data)), 2
    )
    assert problem_lines(result.stderr) == [
        "trường campaign: không phải là số nguyên",
        "trường achievements: phải là chuỗi ký tự",
        "trường evidence: phải là một danh sách",
        "trường scores.XDD1: không phải là số hữu hạn (NaN, vô cùng)",
    ]
    assert "Input should" not in result.stderr


def test_a_key_written_twice_is_an_error(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    lines = "".join(f"  {k}: {v}\n" for k, v in sheet().items())
    text = f"scores:\n{lines}  XDD1: 1\nachievements: a\nachievements: b\n"
    result = refused(
        runner, submit("self-assessment", campaign, write(tmp_path, "t.yaml", text)), 2
    )
    assert problem_lines(result.stderr) == [
        f"trường achievements: khóa bị ghi hai lần; mỗi khóa chỉ được ghi một lần "
        f"(ở dòng {len(sheet()) + 3} và dòng {len(sheet()) + 4})",
        "trường scores.XDD1: khóa bị ghi hai lần; mỗi khóa chỉ được ghi một lần "
        f"(ở dòng 2 và dòng {len(sheet()) + 2})",
    ]
    body = json.dumps({"scores": sheet()})[:-2] + ', "XDD1": "1"}}'
    refused(
        runner,
        submit("self-assessment", campaign, write(tmp_path, "t.json", body)),
        2,
        "trường scores.XDD1: khóa bị ghi hai lần",
    )


def test_reviews_are_checked_together(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    advance(campaign, Stage.PEER_REVIEW)
    reviews = [
        {"reviewee": "PHC", "scores": sheet()},
        {"reviewee": "PTM", "scores": {**sheet(), "HC1": "9"}},
        {"reviewee": "PHC", "scores": sheet(), "comment": 3},
        {"reviewee": "XYZ", "scores": {**sheet(), "CM1": "x"}},
    ]
    before = counts()
    result = refused(
        runner, submit("review", campaign, write(tmp_path, "r.yaml", {"reviews": reviews})), 2
    )
    assert problem_lines(result.stderr) == [
        "trường reviews[2].comment: phải là chuỗi ký tự",
        "trường reviews[1].reviewee: không được tự chấm chéo đơn vị mình",
        "trường reviews[1].scores.HC1: vượt quá điểm tối đa 5",
        "trường reviews[2].reviewee: 'PHC' được chấm hai lần",
        "trường reviews[3].reviewee: 'XYZ' không phải đơn vị thành viên của cụm",
        "trường reviews[3].scores.CM1: không phải là số",
    ]
    assert counts() == before


def test_a_ballot_gets_every_problem(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    advance(campaign, Stage.VOTE)
    ballot = {"acclaim": "PTM", "leader": "XYZ", "deputy": "XYZ", "titles": {"PTM": True}}
    result = refused(runner, submit("ballot", campaign, write(tmp_path, "b.yaml", ballot)), 2)
    assert problem_lines(result.stderr) == [
        "trường ballot.acclaim: không được bỏ phiếu cho chính đơn vị mình",
        "trường ballot.leader: không phải đơn vị thành viên của cụm",
        "trường ballot.deputy: không phải đơn vị thành viên của cụm",
        "trường ballot.deputy: Cụm phó phải là đơn vị khác với Cụm trưởng",
        "trường ballot.titles.PTM: không được bỏ phiếu cho chính đơn vị mình",
    ]


def test_a_form_of_another_unit_or_campaign_is_refused(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    data = {"campaign": campaign + 1, "unit": "PHC", "scores": sheet()}
    result = refused(
        runner, submit("self-assessment", campaign, write(tmp_path, "t.yaml", data)), 2
    )
    assert problem_lines(result.stderr) == [
        f"trường campaign: mẫu này của đợt bình xét số {campaign + 1}, không phải số {campaign}",
        "trường unit: mẫu này của đơn vị 'PHC', không phải của Phòng Tham mưu (PTM)",
    ]
