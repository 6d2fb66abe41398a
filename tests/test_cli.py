"""The `thidua` command line, driven with CliRunner against a fresh SQLite file per test.

Stages are opened and closed by calling the services the Prefect flow calls (plan_step,
close_stage), so no Prefect server is needed. Every refusal must exit non-zero, say which field
or rule was broken, and write nothing: the row counts of every table stay the same.
"""

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select
from typer.testing import CliRunner, Result

from models import Actor, Campaign, Role, SelfAssessment, StageRun, Unit
from rules.defaults import default_rules, example_scores
from rules.stages import Stage
from simulation.participants import Script, act
from simulation.synthetic import drive_in_process
from thidua.cli.main import app
from thidua.db import create_schema, engine_for, get_engine, session_scope
from thidua.sample import load_sample
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.waits import plan_step

ACHIEVEMENTS = "Hoàn thành xuất sắc nhiệm vụ; tham gia đủ 4 đợt cao điểm tấn công trấn áp tội phạm."


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Database files built once and copied into each test: the sample data alone, and the
    sample with the 2019 campaign of Cụm thi đua số 4 in its open self-assessment stage."""
    folder = tmp_path_factory.mktemp("templates")
    built: dict[str, Path] = {}
    for name in ("sample", "campaign"):
        path = folder / f"{name}.db"
        engine = engine_for(f"sqlite:///{path}")
        create_schema(engine)
        with session_scope(engine) as s:
            load_sample(s)
            for a in s.exec(select(Actor)).all():
                set_secret(s, a, secret_for(a.username))
        if name == "campaign":
            with session_scope(engine) as s:
                _, started = start_cycle(
                    s,
                    actor=get_actor(s, "quantri"),
                    year=2019,
                    movement_code="VANTQ",
                    cluster_codes=["CTD4"],
                )
            with session_scope(engine) as s:
                plan_step(s, started[0].campaign_id)
        engine.dispose()  # the last connection checkpoints the WAL into the file
        built[name] = path
    return built


@pytest.fixture
def sample_db(database_url: str, templates: dict[str, Path], tmp_path: Path) -> str:
    shutil.copy(templates["sample"], tmp_path / "thidua.db")
    return database_url


@pytest.fixture
def campaign(database_url: str, templates: dict[str, Path], tmp_path: Path) -> int:
    """The 2019 campaign of Cụm thi đua số 4, with its self-assessment stage open."""
    shutil.copy(templates["campaign"], tmp_path / "thidua.db")
    with session_scope() as s:
        [c] = s.exec(select(Campaign)).all()
        assert c.id is not None
        return c.id


def counts() -> dict[str, int]:
    """Rows in every table of the application database."""
    with get_engine().connect() as conn:
        return {
            t.name: conn.execute(sa_select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


def advance(cid: int, to: Stage | None) -> None:
    """Let the simulated participants act until stage `to` is open (None: to the end)."""
    drive_in_process(cid, Script(late_unit=None, returned_unit=None), until=to)


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif name.endswith(".json"):
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def sheet(quality: float = 0.9) -> dict[str, str]:
    return {k: str(v) for k, v in example_scores(default_rules().scheme, quality).items()}


def flat(text: str) -> str:
    return " ".join(text.split())


def secret_for(username: str) -> str:
    return f"bi-mat-cua-{username}"


def invoke(runner: CliRunner, *args: Any, secret: str | None = None) -> Result:
    """Run the CLI as the person named by --actor, with that person's secret."""
    words = [str(a) for a in args]
    env = {}
    if "--actor" in words:
        env["THIDUA_SECRET"] = secret or secret_for(words[words.index("--actor") + 1])
    return runner.invoke(app, words, env=env)


def refused(runner: CliRunner, args: list[Any], code: int, *needles: str) -> Result:
    """Run a command that must be refused: exit `code`, say why on stderr, write nothing but,
    for a refusal to act (4: not allowed, 5: wrong stage), the one audit event recording it."""
    before = counts()
    result = invoke(runner, *args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    message = flat(result.stderr)
    assert message.startswith("Lỗi:"), message
    for needle in needles:
        assert needle in message, message
    assert "Traceback" not in result.output
    if code in (4, 5):
        before["auditevent"] += 1
    assert counts() == before
    return result


# ---------------------------------------------------------------- init, help, rules


def test_every_command_has_help(runner: CliRunner) -> None:
    for cmd in (
        ["init"],
        ["cycle", "start"],
        ["cycle", "rules"],
        ["status"],
        ["pending"],
        ["submit", "self-assessment"],
        ["submit", "review"],
        ["submit", "ballot"],
        ["submit", "explanation"],
        ["form"],
        ["return"],
        ["confirm"],
        ["decide"],
        ["report"],
    ):
        result = invoke(runner, *cmd, "--help")
        assert result.exit_code == 0, (cmd, result.output)


def test_init_sample_is_idempotent(runner: CliRunner, database_url: str) -> None:
    first = invoke(runner, "init", "--sample")
    assert first.exit_code == 0, first.output
    after_first = counts()
    assert after_first["unit"] == 10 and after_first["actor"] == 23
    second = invoke(runner, "init", "--sample")
    assert second.exit_code == 0, second.output
    assert counts() == after_first
    assert "Phòng Tham mưu" in second.stdout and "canbo.ctt8" in second.stdout
    assert "đã có sẵn" in second.stdout


def test_cycle_rules_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    as_json = invoke(runner, "cycle", "rules", "--json")
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["self_weight"] == "3/10"
    as_yaml = invoke(runner, "cycle", "rules")
    from rules.config import CycleRules

    assert CycleRules.model_validate(yaml.safe_load(as_yaml.stdout)) == default_rules()


# ---------------------------------------------------------------- cycle start


def test_cycle_start_checks_then_triggers(
    runner: CliRunner, sample_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.schemas.objects import FlowRun
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from thidua.cli import setup

    sent: dict[str, Any] = {}

    def fake_run(name: str, **kwargs: Any) -> FlowRun:
        sent.update(kwargs, name=name)
        return FlowRun(flow_id="00000000-0000-0000-0000-000000000001", name="cycle-run")

    monkeypatch.setattr("prefect.deployments.run_deployment", fake_run)
    monkeypatch.setattr(setup, "_reachable", lambda api: True)
    rules = write(tmp_path, "rules.json", default_rules().model_dump(mode="json"))
    before = counts()
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = invoke(
            runner,
            "cycle",
            "start",
            "--year",
            2019,
            "--cluster",
            "CTD4",
            "--actor",
            "quantri",
            "--rules",
            rules,
        )
    assert result.exit_code == 0, result.output
    assert counts() == before  # the flow starts the cycle; the command only checks
    assert sent["parameters"]["clusters"] == ["CTD4"]
    assert sent["parameters"]["rules"]["self_weight"] == "3/10"
    assert sent["timeout"] == 0 and sent["as_subflow"] is False
    assert "2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc" in result.stdout
    assert "/runs/flow-run/" in result.stdout


def test_cycle_start_refusals(runner: CliRunner, sample_db: str, tmp_path: Path) -> None:
    base = ["cycle", "start", "--year", 2019, "--cluster", "CTD4"]
    refused(runner, [*base, "--actor", "canbo.ptm"], 4, "Quản trị hệ thống")
    refused(
        runner, [*base, "--actor", "quantri", "--cluster", "CTD99"], 2, "trường clusters", "CTD99"
    )
    refused(runner, [*base, "--actor", "quantri", "--movement", "KHAC"], 2, "trường movement")
    bad = default_rules().model_dump(mode="json")
    bad["scheme"]["groups"][0]["criteria"][0]["max_points"] = "-1"
    refused(
        runner,
        [*base, "--actor", "quantri", "--rules", write(tmp_path, "r.yaml", bad)],
        2,
        "trường rules.scheme.groups[0].criteria[0].max_points",
    )


def test_cycle_start_without_prefect_says_how_to_start_it(
    runner: CliRunner, sample_db: str
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    before = counts()
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = invoke(
            runner, "cycle", "start", "--year", 2019, "--cluster", "CTD4", "--actor", "quantri"
        )
    assert result.exit_code == 1
    assert "thidua server" in result.stderr and "thidua worker" in result.stderr
    assert counts() == before


# ---------------------------------------------------------------- self-assessment


def test_self_assessment_accepted(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    data = {
        "scores": sheet(),
        "achievements": ACHIEVEMENTS,
        "shortcomings": "Báo cáo định kỳ đôi khi còn chậm.",
        "evidence": ["báo-cáo.pdf"],
    }
    result = invoke(
        runner,
        "submit",
        "self-assessment",
        "--campaign",
        campaign,
        "--actor",
        "canbo.ctt8",
        "--file",
        write(tmp_path, "tu-cham.yaml", data),
    )
    assert result.exit_code == 0, result.output
    assert "Công ty Tháng Tám" in result.stdout
    with session_scope() as s:
        rows = s.exec(select(SelfAssessment)).all()
        assert len(rows) == 1
        assert rows[0].achievements == ACHIEVEMENTS


def test_self_assessment_json_file(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    f = write(tmp_path, "tu-cham.json", {"scores": sheet(), "achievements": ACHIEVEMENTS})
    result = invoke(
        runner,
        "submit",
        "self-assessment",
        "--campaign",
        campaign,
        "--actor",
        "canbo.ptm",
        "--file",
        f,
    )
    assert result.exit_code == 0, result.output
    assert counts()["selfassessment"] == 1


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (lambda s: {**s, "XDD1": "6"}, ("trường scores.XDD1", "vượt quá điểm tối đa 5")),
        (lambda s: {**s, "KHONGCO": "1"}, ("trường scores.KHONGCO", "không có trong thang điểm")),
        (lambda s: {**s, "XDD1": "năm"}, ("trường scores.XDD1",)),
        (lambda s: {k: v for k, v in s.items() if k != "CM1"}, ("trường scores.CM1", "thiếu")),
    ],
    ids=["over-max", "unknown-criterion", "not-a-number", "missing-criterion"],
)
def test_self_assessment_refused_scores(
    runner: CliRunner,
    campaign: int,
    tmp_path: Path,
    content: Callable[[dict[str, str]], dict[str, str]],
    needles: tuple[str, ...],
) -> None:
    f = write(tmp_path, "tu-cham.yaml", {"scores": content(sheet())})
    refused(
        runner,
        ["submit", "self-assessment", "--campaign", campaign, "--actor", "canbo.ptm", "--file", f],
        2,
        *needles,
    )


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        (
            "hong.yaml",
            "scores: {XDD1: 5\nachievements: [",
            "YAML không hợp lệ ở dòng 2, cột 13: nhóm trong { … } thiếu dấu ',' hoặc dấu '}' đóng",
        ),
        (
            "tab.yaml",
            "scores:\n\tXDD1: 5\n",
            "YAML không hợp lệ ở dòng 2, cột 1: có ký tự tab: YAML chỉ thụt lề bằng dấu cách",
        ),
        (
            "hong.json",
            '{"scores": {"XDD1": 5,}',
            "JSON không hợp lệ ở dòng 1, cột 23: tên trường phải trong dấu nháy kép",
        ),
        ("tu-cham.txt", "scores: {}", ".yaml, .yml, .json hoặc .xlsx"),
        ("danh-sach.yaml", "- 1\n- 2\n", "bảng khóa: giá trị"),
        ("la.yaml", "scores: {}\nghi_chu: lạ\n", "trường ghi_chu"),
    ],
    ids=[
        "malformed-yaml",
        "tab-indented-yaml",
        "malformed-json",
        "wrong-suffix",
        "not-a-mapping",
        "unknown-field",
    ],
)
def test_bad_files_refused(
    runner: CliRunner, campaign: int, tmp_path: Path, name: str, text: str, needle: str
) -> None:
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
            write(tmp_path, name, text),
        ],
        2,
        needle,
    )


def test_missing_file_refused(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
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
            tmp_path / "khong-co.yaml",
        ],
        2,
        "trường file",
        "không tìm thấy",
    )


def test_refused_by_role_and_stage(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    good = write(tmp_path, "tu-cham.yaml", {"scores": sheet()})
    ballot = write(tmp_path, "phieu.yaml", {"leader": "PTC"})
    c = ["--campaign", campaign]
    # an officer may not confirm; only the leading unit's commander may
    refused(runner, ["confirm", *c, "--actor", "canbo.ptm"], 4, "canbo.ptm", "không có quyền")
    refused(runner, ["confirm", *c, "--actor", "chihuy.ptccb"], 4, "không thuộc đơn vị Cụm trưởng")
    # a ballot while the campaign is in self-assessment
    refused(
        runner,
        ["submit", "ballot", *c, "--actor", "canbo.ptm", "--file", ballot],
        5,
        "Tự chấm điểm",
    )
    # a commander is not an officer; an unknown user is nobody
    refused(runner, ["submit", "self-assessment", *c, "--actor", "chihuy.ptm", "--file", good], 4)
    # An unknown user and a wrong secret get the same answer: nothing about who exists.
    refused(
        runner,
        ["submit", "self-assessment", *c, "--actor", "ai.do", "--file", good],
        4,
        "Không xác thực được người dùng 'ai.do'",
    )
    wrong = invoke(
        runner,
        "submit",
        "self-assessment",
        *c,
        "--actor",
        "canbo.ptm",
        "--file",
        good,
        secret="bi-mat-cua-chihuy.ptm",
    )
    assert (wrong.exit_code, flat(wrong.stderr)) == (
        4,
        "Lỗi: Không xác thực được người dùng 'canbo.ptm': sai tên hoặc mã bí mật",
    )
    refused(
        runner,
        ["submit", "self-assessment", "--campaign", 99, "--actor", "canbo.ptm", "--file", good],
        3,
        "#99",
    )
    # the directorate decides only at the approval stage
    refused(runner, ["decide", *c, "--actor", "bgd.phogiamdoc", "approve"], 5)


def test_officer_of_a_unit_outside_the_cluster(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    with session_scope() as s:
        unit = Unit(code="PC06", name="Phòng Cảnh sát quản lý hành chính")
        s.add(unit)
        s.flush()
        outsider = Actor(
            username="canbo.pc06",
            full_name="Cán bộ PC06",
            role=Role.UNIT_OFFICER,
            unit_id=unit.id,
        )
        set_secret(s, outsider, secret_for("canbo.pc06"))
    refused(
        runner,
        [
            "submit",
            "self-assessment",
            "--campaign",
            campaign,
            "--actor",
            "canbo.pc06",
            "--file",
            write(tmp_path, "t.yaml", {"scores": sheet()}),
        ],
        4,
        "không thuộc đơn vị thành viên",
    )


def test_return_and_resubmit(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    f = write(tmp_path, "t.yaml", {"scores": sheet(), "achievements": ACHIEVEMENTS})
    c = ["--campaign", campaign]
    assert (
        invoke(
            runner, "submit", "self-assessment", *c, "--actor", "canbo.bantd", "--file", f
        ).exit_code
        == 0
    )
    changed = write(tmp_path, "t2.yaml", {"scores": sheet(0.85)})
    refused(
        runner,
        ["submit", "self-assessment", *c, "--actor", "canbo.bantd", "--file", changed],
        6,
        "đã nộp",
    )
    refused(
        runner,
        ["return", *c, "--actor", "chihuy.ptm", "--unit", "BANTD", "--comment", " "],
        2,
        "trường comment",
    )
    refused(
        runner,
        ["return", *c, "--actor", "chihuy.ptm", "--unit", "PHC", "--comment", "x"],
        7,
        "Phòng Hậu cần",
    )
    back = invoke(
        runner,
        "return",
        *c,
        "--actor",
        "chihuy.ptm",
        "--unit",
        "BANTD",
        "--comment",
        "Thiếu minh chứng tiêu chí CM3",
    )
    assert back.exit_code == 0, back.output
    assert "Báo An ninh Thủ đô" in back.stdout
    again = invoke(
        runner, "submit", "self-assessment", *c, "--actor", "canbo.bantd", "--file", changed
    )
    assert again.exit_code == 0, again.output
    assert "lần 2" in again.stdout


# ---------------------------------------------------------------- peer review, vote


def test_peer_review(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    advance(campaign, Stage.PEER_REVIEW)
    c = ["--campaign", campaign, "--actor", "canbo.ptm", "--file"]

    def review(reviewee: str) -> dict[str, Any]:
        return {"reviewee": reviewee, "scores": sheet(0.88), "comment": "Hoàn thành tốt"}

    refused(
        runner,
        ["submit", "review", *c, write(tmp_path, "a.yaml", review("PTM"))],
        2,
        "reviewee",
        "không được tự chấm chéo",
    )
    refused(
        runner,
        ["submit", "review", *c, write(tmp_path, "b.yaml", review("XYZ"))],
        2,
        "reviewee",
        "'XYZ' không phải đơn vị thành viên",
    )
    two = {"reviews": [review("PHC"), {**review("PTC"), "scores": {**sheet(), "HC1": "9"}}]}
    refused(
        runner,
        ["submit", "review", *c, write(tmp_path, "c.yaml", two)],
        2,
        "trường reviews[1].scores.HC1",
    )  # the good first review is not kept either
    ok = invoke(runner, "submit", "review", *c, write(tmp_path, "d.yaml", review("PHC")))
    assert ok.exit_code == 0, ok.output
    assert "Phòng Hậu cần" in ok.stdout
    assert counts()["peerreview"] == 1


def test_vote(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    advance(campaign, Stage.VOTE)
    ballot = write(tmp_path, "phieu.yaml", {"leader": "PTCCB", "deputy": "PTC"})
    c = ["--campaign", campaign, "--actor", "canbo.ptm", "--file"]
    refused(
        runner,
        ["submit", "ballot", *c, write(tmp_path, "x.yaml", {"leader": "PTM"})],
        2,
        "trường ballot.leader",
        "chính đơn vị mình",
    )
    first = invoke(runner, "submit", "ballot", *c, ballot)
    assert first.exit_code == 0, first.output
    assert "PTCCB" not in first.output and "Tổ chức cán bộ" not in first.output  # never echoed
    assert "kín" in first.stdout
    refused(runner, ["submit", "ballot", *c, ballot], 6, "đã bỏ phiếu")


# ---------------------------------------------------------------- decisions and waking the run


def test_confirm_records_even_when_prefect_is_down(
    runner: CliRunner, campaign: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uuid

    from prefect.settings import PREFECT_API_URL, temporary_settings

    script = Script(late_unit=None, returned_unit=None)
    with session_scope() as s:
        act(s, campaign, script)
        c = s.get(Campaign, campaign)
        assert c is not None
        c.flow_run_id = uuid.uuid4()
        s.add(c)

    def down(flow_run_id: Any, **_: Any) -> bool:
        raise httpx.ConnectError("connection refused")

    monkeypatch.setattr("thidua.orchestration.nudge", down)
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = invoke(runner, "confirm", "--campaign", campaign, "--actor", "chihuy.ptm")
    assert result.exit_code == 0, result.output
    assert "Tự chấm điểm" in result.stdout
    assert "deadline sweep" in result.stderr
    with session_scope() as s:
        run = s.exec(select(StageRun)).one()
        assert run.confirmed_by is not None


def test_confirm_not_ready(runner: CliRunner, campaign: int) -> None:
    refused(
        runner, ["confirm", "--campaign", campaign, "--actor", "chihuy.ptm"], 7, "Công ty Tháng Tám"
    )


def test_approval_stage(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    advance(campaign, Stage.APPROVAL)
    # the vote is closed: a late ballot is refused
    ballot = write(tmp_path, "phieu.yaml", {"leader": "PTCCB"})
    refused(
        runner,
        ["submit", "ballot", "--campaign", campaign, "--actor", "canbo.tthl", "--file", ballot],
        5,
        "Ban Giám đốc phê duyệt",
    )
    c = ["decide", "--campaign", campaign]
    refused(runner, [*c, "--actor", "canbo.ptm", "approve"], 4, "Ban Giám đốc")
    refused(
        runner, [*c, "--actor", "bgd.phogiamdoc", "amend", "--amend", "PTM="], 2, "trường reason"
    )
    refused(
        runner,
        [
            *c,
            "--actor",
            "bgd.phogiamdoc",
            "amend",
            "--reason",
            "Điều chỉnh",
            "--amend",
            "PTM=Danh hiệu lạ",
        ],
        2,
        "trường amendments.PTM",
    )
    refused(
        runner,
        [*c, "--actor", "bgd.phogiamdoc", "amend", "--reason", "Điều chỉnh", "--amend", "PTM"],
        2,
        "trường amend[0]",
    )
    refused(
        runner,
        [*c, "--actor", "bgd.phogiamdoc", "return", "--reason", "Chấm lại"],
        2,
        "trường return_to",
    )
    refused(
        runner, [*c, "--actor", "bgd.phogiamdoc", "approve", "--amend", "PTM="], 2, "trường amend"
    )
    ok = invoke(
        runner,
        *c,
        "--actor",
        "bgd.phogiamdoc",
        "amend",
        "--reason",
        "Phòng Tham mưu chưa đủ tiêu chuẩn",
        "--amend",
        "PTM=",
    )
    assert ok.exit_code == 0, ok.output
    assert "điều chỉnh" in ok.stdout
    refused(runner, [*c, "--actor", "bgd.phogiamdoc", "approve"], 6, "đã quyết định")


# ---------------------------------------------------------------- read commands


def test_pending_for_an_officer(runner: CliRunner, campaign: int) -> None:
    result = invoke(runner, "pending", "--actor", "canbo.ctt8", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert len(items) == 1
    assert items[0]["campaign_id"] == campaign
    assert items[0]["stage_label"] == "Tự chấm điểm"
    assert "thidua submit self-assessment" in items[0]["command"]
    table = invoke(runner, "pending", "--actor", "canbo.ctt8")
    assert table.exit_code == 0 and "Tự chấm điểm" in table.stdout
    nothing = invoke(runner, "pending", "--actor", "bgd.phogiamdoc")
    assert "Không có việc nào" in nothing.stdout


def test_status(runner: CliRunner, campaign: int) -> None:
    result = invoke(runner, "status", "--json")
    assert result.exit_code == 0, result.output
    [state] = json.loads(result.stdout)
    assert state["name"] == "2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc"
    assert {m["name"] for m in state["missing"]} >= {"Công ty Tháng Tám", "Phòng Tham mưu"}
    assert "Tự chấm điểm" in invoke(runner, "status").stdout
    assert json.loads(invoke(runner, "status", "--year", 2020, "--json").stdout) == []


def test_report_of_a_finished_campaign(runner: CliRunner, campaign: int) -> None:
    advance(campaign, None)
    result = invoke(runner, "report", "--campaign", campaign, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "Phòng Tổ chức cán bộ" in data["units"].values()
    assert len(data["ranking"]) == 10 and data["vote"] and data["outcome"]
    assert "Phòng Tổ chức cán bộ" in result.stdout  # not \u-escaped
    text = invoke(runner, "report", "--campaign", campaign)
    assert text.exit_code == 0, text.output
    for heading in ("Xếp hạng", "Kết quả bầu", "Kết quả được phê duyệt"):
        assert heading in text.stdout
    key = data["documents"][0]
    doc = invoke(runner, "report", "--campaign", campaign, "--document", key)
    assert doc.exit_code == 0 and doc.stdout.strip()
    refused(
        runner, ["report", "--campaign", campaign, "--document", "khong-co.md"], 3, "khong-co.md"
    )


def test_uninitialised_database(runner: CliRunner, database_url: str) -> None:
    result = invoke(runner, "status")
    assert result.exit_code == 1
    assert "thidua init" in result.stderr and "Traceback" not in result.output


# ---------------------------------------------------------------- one-time codes for the forms


def test_a_code_is_issued_for_one_decision_and_says_what_to_type(
    runner: CliRunner, campaign: int
) -> None:
    advance(campaign, Stage.APPROVAL)
    c = ["code", "--campaign", campaign, "--actor", "bgd.phogiamdoc"]
    refused(runner, [*c, "amend", "--set", "PHC=Đơn vị Quyết thắng"], 2, "trường reason")
    refused(runner, [*c, "amend", "--set", "PHC", "--reason", "x"], 2, "trường set[0]")
    refused(runner, [*c, "return", "--to", "5", "--reason", "x"], 2, "trường to")
    refused(runner, [*c, "confirm"], 2, "trường decision")
    refused(runner, ["code", "--campaign", campaign, "--actor", "canbo.ptm", "approve"], 4)
    before = counts()
    result = invoke(
        runner, *c, "amend", "--set", "PHC=Đơn vị Quyết thắng", "--reason", "Thành tích đột xuất"
    )
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "Mã xác nhận một lần:" in text
    assert "điều chỉnh danh hiệu PHC → Đơn vị Quyết thắng, lý do: Thành tích đột xuất" in text
    for shown in (
        "Phê duyệt có điều chỉnh danh hiệu",
        "PHC = Đơn vị Quyết thắng",
        "bgd.phogiamdoc",
    ):
        assert shown in text, text
    assert counts()["actioncode"] == before["actioncode"] + 1
    assert counts()["decision"] == before["decision"]  # the trial decision was rolled back


def test_a_leader_code_for_returning_a_unit(runner: CliRunner, campaign: int) -> None:
    with session_scope() as s:
        act(s, campaign, Script(late_unit=None, returned_unit=None))
    c = ["code", "--campaign", campaign, "--actor", "chihuy.ptm"]
    refused(runner, [*c, "return-unit", "--unit", "PHC", "--comment", " "], 2, "trường comment")
    result = invoke(runner, *c, "return-unit", "--unit", "PHC", "--comment", "Thiếu minh chứng")
    assert result.exit_code == 0, result.output
    assert "Trả lại bản tự chấm của một đơn vị" in flat(result.stdout)
    confirmed = invoke(runner, *c, "confirm")
    assert confirmed.exit_code == 0, confirmed.output
    assert "Xác nhận hoàn thành giai đoạn" in flat(confirmed.stdout)


def test_a_revoked_admin_cannot_be_bootstrapped_again(
    runner: CliRunner, sample_db: str, tmp_path: Path
) -> None:
    from thidua.secretkey import server_key

    revoked = invoke(runner, "actor", "revoke", "--actor", "quantri", "--by", "quantri")
    assert revoked.exit_code == 0, revoked.output
    refused(runner, ["actor", "secret", "--actor", "quantri"], 4, "Chỉ quản trị viên")
    wrong = write(tmp_path, "wrong.key", "doan-bua")
    refused(
        runner,
        ["actor", "secret", "--actor", "quantri", "--recovery-key-file", wrong],
        4,
        "Khóa khôi phục không khớp",
    )
    key = write(tmp_path, "server.key", server_key().decode())
    result = invoke(runner, "actor", "secret", "--actor", "quantri", "--recovery-key-file", key)
    assert result.exit_code == 0, result.output
    assert "Mã bí mật của quantri" in result.stdout
