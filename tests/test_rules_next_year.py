# ruff: noqa: F811 - the fixtures of test_cli are imported by name
"""Next year's rules: proposed by units, drafted by the cluster leader, tried on a finished
year's data (`thidua rules dry-run`) without touching it, approved, and used by the next cycle."""

import json
import shutil
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select
from typer.testing import CliRunner

from models import Actor, AuditEvent, Campaign, Cycle, RulesApproval, RulesProposal
from rules.config import CycleRules
from rules.defaults import TITLE_QUYET_THANG as QT
from rules.defaults import TITLE_TIEN_TIEN as TT
from rules.stages import Stage
from thidua.cli.dry_run_view import XLSX_HEADERS
from thidua.db import engine_for, get_engine, session_scope
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.settings import get_settings

from .test_cli import (  # noqa: F401 - fixtures
    advance,
    campaign,
    flat,
    invoke,
    refused,
    runner,
    templates,
    write,
)


@pytest.fixture(scope="module")
def finished_template(
    templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """The 2019 campaign of the sample driven to its end once, for every test to copy."""
    folder = tmp_path_factory.mktemp("finished")
    path = folder / "thidua.db"
    shutil.copy(templates["campaign"], path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("THIDUA_DATABASE_URL", f"sqlite:///{path}")
        mp.setenv("THIDUA_HOME", str(folder / ".thidua"))
        get_settings.cache_clear()
        advance(1, None)
        engine_for(f"sqlite:///{path}").dispose()
    get_settings.cache_clear()
    yield path


@pytest.fixture
def finished(database_url: str, finished_template: Path, tmp_path: Path) -> int:
    shutil.copy(finished_template, tmp_path / "thidua.db")
    with session_scope() as s:
        [c] = s.exec(select(Campaign)).all()
        assert c.id is not None
        return c.id


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what "the stored year is not touched" is checked against."""
    with get_engine().connect() as conn:
        return {
            t.name: sorted(map(tuple, conn.execute(sa_select(t)).all()), key=repr)
            for t in SQLModel.metadata.sorted_tables
        }


def stored_rules_2019() -> dict[str, Any]:
    with session_scope() as s:
        cycle = s.exec(select(Cycle).where(Cycle.year == 2019)).one()
        return dict(CycleRules.model_validate_json(cycle.rules_json).model_dump(mode="json"))


def heavier_self_assessment(tmp_path: Path) -> Path:
    """The 2019 rules with the self-assessment weighing 3/5 instead of 3/10."""
    data = stored_rules_2019()
    data["self_weight"] = "3/5"
    data["lot_seed"] = ""
    return write(tmp_path, "draft.yaml", data)


def changes(data: dict[str, Any], field: str) -> dict[str, tuple[Any, Any]]:
    [campaign] = data["campaigns"]
    return {
        u["unit"]: (u["before"][field], u["after"][field])
        for u in campaign["units"]
        if field in u["changed"]
    }


def test_a_heavier_self_weight_swaps_two_ranks_and_changes_one_title(
    runner: CliRunner, finished: int, tmp_path: Path
) -> None:
    draft = heavier_self_assessment(tmp_path)
    before = snapshot()
    cmd = ["rules", "dry-run", "--rules", draft, "--against", 2019]

    as_json = invoke(runner, *cmd, "--json")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert set(data) == {"year", "movement", "scheme_notes", "campaigns", "changed_units"}
    assert (data["year"], data["movement"], data["scheme_notes"]) == (2019, "VANTQ", [])
    [c] = data["campaigns"]
    assert set(c) == {
        "campaign_id",
        "cluster",
        "cluster_name",
        "reached",
        "units",
        "elections",
        "notes",
    }
    assert (c["campaign_id"], c["cluster"], c["reached"]) == (finished, "CTD4", "nomination")
    assert len(c["units"]) == 10 and data["changed_units"] == 10  # every score moves a little
    assert changes(data, "rank") == {"BANTD": (3, 4), "TTR": (4, 3)}
    assert changes(data, "title") == {"TTR": (TT, QT)}
    assert changes(data, "nominations") == {
        "TTR": ([{"title": TT, "eligible": True}], [{"title": QT, "eligible": True}])
    }
    ttr = next(u for u in c["units"] if u["unit"] == "TTR")
    assert ttr["before"]["score"] == "87.88" and ttr["after"]["score"] == "93.08"
    assert c["elections"] == {
        "acclaim": ["PHC", "PHC"],
        "leader": ["PTCCB", "PTCCB"],
        "deputy": ["PTC", "PTC"],
        "flag": ["PHC", "PHC"],
    }

    text = invoke(runner, *cmd)
    assert text.exit_code == 0, text.output
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    assert "10/10 đơn vị thay đổi" in text.stdout
    # The clerk's numbers: a decimal comma, as in every document (JSON keeps "87.88").
    assert "87,88 → 93,08" in text.stdout and "4 → 3" in text.stdout and "3 → 4" in text.stdout
    assert "87.88" not in text.stdout
    assert "Đơn vị tiên tiến →" in flat(text.stdout)

    book_path = tmp_path / "chay-thu.xlsx"
    xlsx = invoke(runner, *cmd, "--xlsx", book_path, "--cluster", "CTD4")
    assert xlsx.exit_code == 0, xlsx.output
    book = load_workbook(book_path)
    assert book.sheetnames == ["Thay đổi", "Ghi chú"]
    rows = list(book["Thay đổi"].iter_rows(values_only=True))
    assert rows[0] == XLSX_HEADERS and len(rows) == 11
    by_unit = {r[1]: r for r in rows[1:]}
    assert by_unit["TTR"][2] == "Thanh tra CATP"
    assert by_unit["TTR"][3:9] == (87.88, 93.08, 4, 3, TT, QT)
    assert by_unit["BANTD"][5:7] == (3, 4) and by_unit["PHC"][5:7] == (1, 1)

    assert snapshot() == before  # the stored year is not touched


def test_the_stored_rules_print_as_they_were_and_change_nothing_when_tried(
    runner: CliRunner, finished: int, tmp_path: Path
) -> None:
    printed = invoke(runner, "cycle", "rules", "--year", 2019)
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.startswith("# Quy định của chu kỳ thi đua năm 2019")
    assert yaml.safe_load(printed.stdout) == stored_rules_2019()
    by_campaign = invoke(runner, "cycle", "rules", "--campaign", finished, "--json")
    assert json.loads(by_campaign.stdout) == stored_rules_2019()
    same = write(tmp_path, "same.yaml", printed.stdout)
    result = invoke(runner, "rules", "dry-run", "--rules", same, "--against", 2019, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changed_units"] == 0
    refused(runner, ["cycle", "rules", "--year", 2031], 2, "trường year", "2031")


def test_the_rules_commands_have_help(runner: CliRunner) -> None:
    for cmd in ("dry-run", "propose", "draft", "approve"):
        result = invoke(runner, "rules", cmd, "--help")
        assert result.exit_code == 0, (cmd, result.output)
    assert "rules" in invoke(runner, "--help").stdout


def test_dry_run_refusals_name_the_field(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    draft = heavier_self_assessment(tmp_path)
    cmd = ["rules", "dry-run", "--rules", draft]
    refused(runner, [*cmd, "--against", 2031], 2, "trường against", "2031")
    refused(runner, [*cmd, "--against", 2019], 2, "trường against", "chưa có đợt bình xét")
    refused(runner, [*cmd, "--against", 2019, "--cluster", "CTD99"], 2, "trường cluster")
    both = [*cmd, "--against", 2019, "--json", "--xlsx", tmp_path / "x.xlsx"]
    both_refused = invoke(runner, *both)
    assert both_refused.exit_code == 2 and json.loads(both_refused.stderr)["field"] == "xlsx"
    refused(runner, [*cmd, "--against", 2019, "--xlsx", tmp_path / "x.csv"], 2, "trường xlsx")
    bad = stored_rules_2019()
    bad["self_weight"] = "3/2"
    bad_file = write(tmp_path, "bad.yaml", bad)
    refused(
        runner,
        ["rules", "dry-run", "--rules", bad_file, "--against", 2019],
        2,
        "trường rules.self_weight",
    )
    as_json = invoke(runner, "rules", "dry-run", "--rules", bad_file, "--against", 2019, "--json")
    assert as_json.exit_code == 2
    assert json.loads(as_json.stderr)["field"] == "rules.self_weight"


def start_2020_on_a_fake_prefect(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Any:
    from prefect.client.schemas.objects import FlowRun
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from thidua.cli import setup

    sent: dict[str, Any] = {}

    def fake_run(name: str, **kwargs: Any) -> FlowRun:
        sent.update(kwargs, name=name)
        return FlowRun(flow_id="00000000-0000-0000-0000-000000000001", name="cycle-run")

    monkeypatch.setattr("prefect.deployments.run_deployment", fake_run)
    monkeypatch.setattr(setup, "_reachable", lambda api: True)
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = invoke(
            runner, "cycle", "start", "--year", 2020, "--cluster", "CTD4", "--actor", "quantri"
        )
    assert result.exit_code == 0, result.output
    assert "Dùng quy định năm 2020 Ban Giám đốc đã phê duyệt (lần 1" in flat(result.stdout)
    return sent


def test_proposed_drafted_approved_and_used_by_the_next_cycle(
    runner: CliRunner, finished: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    propose = ["rules", "propose", "--campaign", finished]
    ok = invoke(runner, *propose, "--actor", "canbo.ptm", "--text", "Tăng trọng số tự chấm.")
    assert ok.exit_code == 0, ok.output
    proposal = write(tmp_path, "de-xuat.txt", "Tiêu chí CM3: 2,5 điểm mỗi đợt cao điểm\nlà hợp lý.")
    ok = invoke(runner, *propose, "--actor", "canbo.ttr", "--file", proposal)
    assert ok.exit_code == 0, ok.output
    refused(runner, [*propose, "--actor", "chihuy.ptm", "--text", "x"], 4, "Cán bộ đơn vị")
    refused(runner, [*propose, "--actor", "canbo.ptm", "--text", "  "], 2, "trường text")
    refused(runner, [*propose, "--actor", "canbo.ptm"], 2, "trường text")

    out = tmp_path / "du-thao-2020.yaml"
    draft = ["rules", "draft", "--cluster", "CTD4", "--year", 2020, "--out", out]
    refused(runner, [*draft, "--actor", "chihuy.pctd"], 4, "Cụm trưởng")
    refused(runner, [*draft[:-1], tmp_path / "x.txt", "--actor", "chihuy.ptm"], 2, "trường out")
    ok = invoke(runner, *draft, "--actor", "chihuy.ptm")
    assert ok.exit_code == 0, ok.output
    text = out.read_text(encoding="utf-8")
    assert "# Đề xuất của các đơn vị (2):" in text
    assert "#   - Phòng Tham mưu (PTM, canbo.ptm," in text
    assert "#     Tăng trọng số tự chấm." in text and "#     là hợp lý." in text
    drafted = yaml.safe_load(text)
    assert drafted == {**stored_rules_2019(), "lot_seed": ""}

    drafted["self_weight"] = "3/5"
    edited = write(tmp_path, "du-thao-2020-sua.yaml", drafted)
    approve = ["rules", "approve", "--file", edited, "--year", 2020]
    refused(runner, [*approve, "--actor", "chihuy.ptm"], 4, "Ban Giám đốc")
    refused(runner, [*approve, "--actor", "bgd.phogiamdoc", "--against", 2031], 2, "trường against")
    ok = invoke(runner, *approve, "--actor", "bgd.phogiamdoc")
    assert ok.exit_code == 0, ok.output
    assert "Đã phê duyệt quy định năm 2020 (lần 1" in ok.stdout and "4 → 3" in ok.stdout

    with session_scope() as s:
        [approval] = s.exec(select(RulesApproval)).all()
        assert (approval.year, approval.version, approval.against_year) == (2020, 1, 2019)
        assert approval.dry_run is not None
        [c] = approval.dry_run["campaigns"]  # type: ignore[misc]
        assert {u["unit"] for u in c["units"] if "title" in u["changed"]} == {"TTR"}
        assert len(s.exec(select(RulesProposal)).all()) == 2
        events = {
            (e.action, a.username)
            for e, a in s.exec(
                select(AuditEvent, Actor)
                .join(Actor, col(Actor.id) == col(AuditEvent.actor_id))
                .where(col(AuditEvent.action).startswith("rules."))
            ).all()
        }
        assert events == {
            ("rules.propose", "canbo.ptm"),
            ("rules.propose", "canbo.ttr"),
            ("rules.draft", "chihuy.ptm"),
            ("rules.approve", "bgd.phogiamdoc"),
        }
    # The admin starts 2020 with no rules file: the command says which rules, the flow uses them.
    sent = start_2020_on_a_fake_prefect(runner, monkeypatch)
    assert sent["parameters"]["rules"] is None
    with session_scope() as s:
        # What the yearly flow does for 2020 when the admin gives no rules file.
        cycle, _ = start_cycle(
            s,
            actor=get_actor(s, "quantri"),
            year=2020,
            movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )
        rules = CycleRules.model_validate_json(cycle.rules_json)
        assert rules.self_weight == Fraction(3, 5) and rules.lot_seed != ""
        start = s.exec(select(AuditEvent).where(AuditEvent.action == "cycle.start")).all()
        assert start[-1].after is not None and start[-1].after["approved_version"] == 1

    stored = invoke(runner, "cycle", "rules", "--year", 2020, "--json")
    assert json.loads(stored.stdout)["self_weight"] == "3/5"
    old = invoke(runner, "cycle", "rules", "--campaign", finished, "--json")
    assert json.loads(old.stdout)["self_weight"] == "3/10"
    refused(runner, [*approve, "--actor", "bgd.phogiamdoc"], 6, "đã bắt đầu")


def test_a_year_scored_but_not_voted_is_tried_on_scores_ranks_and_proposed_titles(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    advance(campaign, Stage.VOTE)
    before = snapshot()
    draft = heavier_self_assessment(tmp_path)
    result = invoke(runner, "rules", "dry-run", "--rules", draft, "--against", 2019, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    [c] = data["campaigns"]
    assert (c["reached"], c["elections"]) == ("peer_review", {})
    assert changes(data, "rank") == {"BANTD": (3, 4), "TTR": (4, 3)}
    assert changes(data, "proposed_title") == {"TTR": (TT, QT)}
    assert changes(data, "title") == {"TTR": (TT, QT)}
    assert changes(data, "nominations") == {}
    assert snapshot() == before


def test_a_smaller_quota_takes_a_place_decided_by_the_count_from_the_last_unit(
    runner: CliRunner, finished: int, tmp_path: Path
) -> None:
    data = stored_rules_2019()
    data["quotas"] = {QT: 2}
    draft = write(tmp_path, "quota.yaml", data)
    result = invoke(runner, "rules", "dry-run", "--rules", draft, "--against", 2019, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed_units"] == 1
    assert changes(out, "title") == {"BANTD": (QT, None)}
    assert changes(out, "nominations") == {"BANTD": ([{"title": QT, "eligible": True}], [])}
    assert changes(out, "rank") == {} and changes(out, "score") == {}
