"""Issue 18, what approvers and officers see: which form fields are required, the CLI's help
grouped by role, errors as JSON with --json, and tables that fit an 80-column terminal."""

import datetime as dt
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
from prefect._internal.pydantic.v2_schema import create_v2_schema
from prefect.utilities.schema_tools import ValidationError, validate
from rich.console import Console
from typer.testing import CliRunner

from flows.forms import DirectorateForm, LeaderForm, with_situation
from rules.stages import Stage
from tests.test_cli import advance, campaign, invoke, refused, runner, sample_db, templates
from thidua.cli.main import app
from thidua.cli.ops import demo_progress, show_progress
from thidua.db import session_scope
from thidua.services.form_choices import WAKE_UP, DirectorateAction, LeaderAction
from thidua.services.queries import status
from thidua.services.waits import answer, plan_step

__all__ = ["campaign", "runner", "sample_db", "templates"]  # fixtures shared with test_cli

NARROW = {"COLUMNS": "80"}


def _schema(form: type) -> dict:
    # What Prefect stores for the UI and checks on Resume (prefect.input.RunInput.save).
    return create_v2_schema(form.__name__, model_base=form)


@pytest.mark.parametrize(
    ("form", "optional"),
    [
        (LeaderForm, {"unit", "comment", "title", "units"}),
        (DirectorateForm, {"amendments", "return_to", "reason"}),
    ],
)
def test_the_forms_require_who_the_code_and_the_decision(form: type, optional: set[str]) -> None:
    schema = _schema(form)
    assert schema["required"] == ["actor", "code", "action"]
    assert set(schema["properties"]) - set(schema["required"]) == optional
    for name in optional:  # each optional field says when it is needed
        assert "cần" in schema["properties"][name]["description"].lower(), name
    with pytest.raises(ValidationError):
        validate({}, schema, raise_on_error=True)  # Resume with nothing is refused...
    validate(WAKE_UP, schema, raise_on_error=True)  # ...the CLI's wake-up is a valid answer
    woken = form(**WAKE_UP)
    assert woken.action in (LeaderAction.CHECK, DirectorateAction.CHECK)
    assert form().action == woken.action  # a run woken without an answer still loads one


def test_help_groups_the_commands_by_who_uses_them(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"], env=NARROW)
    assert result.exit_code == 0, result.output
    panels: dict[str, list[str]] = {}
    current = ""
    for line in result.stdout.splitlines():
        assert len(line) <= 80, line
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line.removesuffix(":")  # a section: one panel
        elif line.startswith("  ") and line[2] != " " and current:
            panels.setdefault(current, []).append(line.split()[0])
    assert panels["Cán bộ đơn vị"] == ["form", "submit", "ballot"]
    assert set(panels["Cụm trưởng"]) == {"return", "confirm", "extend", "chair"}
    assert panels["Ban Giám đốc"] == ["decide", "nomination"]
    assert panels["Cụm trưởng và Ban Giám đốc"] == ["code", "rules", "drive"]
    assert {"init", "cycle", "actor", "db", "org"} <= set(panels["Quản trị"])
    assert {"server", "worker", "sweep", "demo"} <= set(
        panels["Vận hành (máy chủ, worker, kiểm tra)"]
    )


def test_with_json_an_error_is_json_on_stderr_too(runner: CliRunner, sample_db: str) -> None:
    result = invoke(runner, "report", "--campaign", "0", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)
    assert error["field"] == "campaign" and error["code"] == 2 and error["error"]
    missing = invoke(runner, "report", "--campaign", "99", "--json")
    assert json.loads(missing.stderr)["code"] == missing.exit_code == 3
    plain = invoke(runner, "report", "--campaign", "0")
    assert plain.stderr.startswith("Lỗi: trường campaign:")


def test_a_cluster_leaders_role_names_the_cluster_and_year(
    runner: CliRunner, sample_db: str
) -> None:
    result = runner.invoke(app, ["actor", "list", "--json"])
    assert result.exit_code == 0, result.output
    roles = {r["username"]: r["role_label"] for r in json.loads(result.stdout)}
    assert roles["chihuy.ptm"] == "Cụm trưởng Cụm thi đua số 4 (năm 2019)"
    assert roles["chihuy.ttr"] == "Chỉ huy đơn vị (không là Cụm trưởng)"
    table = runner.invoke(app, ["actor", "list"], env=NARROW)
    assert "Cụm trưởng Cụm thi" in table.stdout and "Chỉ huy đơn vị Cụm trưởng" not in table.stdout


def test_the_report_fits_80_columns(runner: CliRunner, campaign: int) -> None:
    advance(campaign, None)
    result = runner.invoke(app, ["report", "--campaign", str(campaign)], env=NARROW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert "…" not in result.stdout  # nothing cut off
    assert "Phòng Tổ chức cán bộ" in " ".join(" ".join(lines).split())


@pytest.mark.parametrize("stage", [Stage.SELF_ASSESSMENT, Stage.APPROVAL])
def test_a_form_says_at_its_top_when_it_was_written_and_how_to_see_now(
    campaign: int, stage: Stage
) -> None:
    """Issue 18: a form is a snapshot; its first line says so, with the time it was written
    (local) and the command that shows the present. The first thing in the dialog is the
    decision field, whose description is that situation (flows.forms.with_situation)."""
    advance(campaign, stage)
    before = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    with session_scope() as s:
        step = plan_step(s, campaign)
    assert step.kind == "wait" and step.stage == stage
    form = with_situation(
        DirectorateForm if stage == Stage.APPROVAL else LeaderForm,
        heading=step.heading,
        situation=step.situation,
    )
    schema = _schema(form)
    first = next(iter(schema["properties"]))
    shown = schema["properties"][first]["description"].replace("\n\n", "\n")
    top = shown.splitlines()[0]
    match = re.fullmatch(
        r"\*Tình hình lúc (\d\d) giờ (\d\d) ngày (\d\d)/(\d\d)/(\d{4}) \(GMT\+7\), khi biểu mẫu "
        r"này được lập; không tự cập nhật\. Xem lúc này: `thidua status --campaign (\d+)`.*",
        top,
    )
    assert match, top
    hh, mm, day, month, year, cid = map(int, match.groups())
    written = dt.datetime(year, month, day, hh, mm, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert before <= written <= dt.datetime.now(dt.UTC) and cid == campaign
    assert step.heading.startswith("### 2019 · Cụm thi đua số 4")
    # The command it names shows the campaign now.
    assert invoke(CliRunner(), "status", "--campaign", cid).exit_code == 0


def test_the_demos_progress_fits_80_columns(campaign: int) -> None:
    """`thidua demo` shows one line per campaign: at 80 columns nothing wraps or is cut."""
    shown: list[str] = []
    for stage in [*Stage, None]:
        advance(campaign, stage)
        with session_scope() as s:
            states = [c for c in status(s) if c.campaign_id == campaign]
        screen = Console(width=80, file=io.StringIO(), color_system=None)
        bar = demo_progress(screen)
        show_progress(bar, {}, states)
        screen.print(bar.get_renderable())
        lines = screen.file.getvalue().splitlines()  # type: ignore[attr-defined]
        assert len(lines) == 1 and len(lines[0]) <= 80, lines
        shown.append(" ".join(lines[0].split()))
    labels = [
        "1/5 Tự chấm điểm (0/10)",
        "2/5 Chấm chéo (0/90)",  # each unit reviews the nine others
        "3/5 Bình xét, bỏ phiếu kín (0/10)",
        "4/5 Ban Giám đốc phê duyệt (0/1)",
        "5/5 Đề nghị khen thưởng",  # nothing to count: not "(0/0)"
        "hoàn thành",
    ]
    for line, label in zip(shown, labels, strict=True):
        assert line.startswith("#1 Cụm thi đua số 4 ") and line.endswith(f" {label} 0:00:00"), line


RETURN = ["return", "--campaign", "1", "--actor", "chihuy.ptm", "--comment", "Thiếu minh chứng"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["confirm", "--campaign", "1", "--actor", ""], "actor"),
        (["pending", "--actor", "  "], "actor"),
        (["code", "--campaign", "1", "--actor", "", "confirm"], "actor"),
        ([*RETURN, "--unit", " "], "unit"),
        (["--thay-cho", "", "status"], "thay-cho"),
    ],
)
def test_an_empty_name_is_refused_naming_the_field(
    runner: CliRunner, campaign: int, args: list[str], field: str
) -> None:
    result = refused(runner, args, 2, f"trường {field}: không được để trống")
    assert "xác thực" not in result.stderr  # not taken for a person who does not exist


def test_an_empty_name_with_json_is_a_json_error(runner: CliRunner, campaign: int) -> None:
    result = invoke(runner, "pending", "--actor", "", "--json")
    assert result.exit_code == 2
    reason = "không được để trống"
    problem = {"where": "trường actor", "field": "actor", "cell": None, "reason": reason}
    error = {"error": reason, "field": "actor", "code": 2, "problems": [problem]}
    assert json.loads(result.stderr) == error


def test_a_form_answer_with_an_empty_name_or_code_is_refused_naming_it(campaign: int) -> None:
    confirm = LeaderAction.CONFIRM.value
    for data, field in (
        ({"actor": "", "code": "1234-5678-9ABC", "action": confirm}, "actor"),
        ({"actor": "chihuy.ptm", "code": " ", "action": confirm}, "code"),
    ):
        with session_scope() as s:
            step = plan_step(s, campaign)
            assert step.wait_id is not None
            outcome = answer(s, campaign, step.wait_id, data)
        assert outcome.startswith(f"Bị từ chối: {field}: không được để trống ("), outcome
    with session_scope() as s:  # the next form says why
        assert f"Bị từ chối: {field}: không được để trống" in plan_step(s, campaign).situation
