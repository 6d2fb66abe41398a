"""Issue 18, what approvers and officers see: which form fields are required, the CLI's help
grouped by role, errors as JSON with --json, and tables that fit an 80-column terminal."""

import json

import pytest
from prefect._internal.pydantic.v2_schema import create_v2_schema
from prefect.utilities.schema_tools import ValidationError, validate
from typer.testing import CliRunner

from flows.forms import DirectorateForm, LeaderForm
from tests.test_cli import advance, campaign, invoke, runner, sample_db, templates
from thidua.cli.main import app
from thidua.services.form_choices import WAKE_UP, DirectorateAction, LeaderAction

__all__ = ["campaign", "runner", "sample_db", "templates"]  # fixtures shared with test_cli

NARROW = {"COLUMNS": "80"}


def _schema(form: type) -> dict:
    # What Prefect stores for the UI and checks on Resume (prefect.input.RunInput.save).
    return create_v2_schema(form.__name__, model_base=form)


@pytest.mark.parametrize(
    ("form", "optional"),
    [
        (LeaderForm, {"unit", "comment"}),
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
        if line.startswith("╭─"):
            current = line.strip("╭─╮ ")
        elif line.startswith("│ ") and current and line[2] != " ":
            panels.setdefault(current, []).append(line[2:].split()[0])
    assert panels["Cán bộ đơn vị"] == ["submit"]
    assert set(panels["Cụm trưởng"]) == {"return", "confirm", "extend", "chair"}
    assert panels["Ban Giám đốc"] == ["decide"]
    assert panels["Cụm trưởng và Ban Giám đốc"] == ["code", "rules"]
    assert {"init", "cycle", "actor", "db"} <= set(panels["Quản trị"])
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
