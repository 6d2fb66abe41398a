"""Issue 18: times in the organisation's zone everywhere thidua writes them. One UTC instant,
17:30 on 30/11/2019, is 00:30 on 01/12/2019 in Hà Nội (UTC+07:00): forms, documents, CLI tables
and JSON, refusals and notifications all say so, and follow THIDUA_TIMEZONE when it is set."""

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from models import StageRun
from notifications.outbox import _campaign_context
from notifications.render import render_message
from tests.test_cli import (
    ACHIEVEMENTS,
    campaign,
    invoke,
    runner,
    sample_db,
    sheet,
    templates,
    write,
)
from tests.unit.notification_samples import message_context
from thidua import localtime
from thidua.cli.main import app
from thidua.db import session_scope
from thidua.services.context import load_campaign
from thidua.services.progress import progress
from thidua.services.waits import describe
from thidua.settings import get_settings

__all__ = ["campaign", "runner", "sample_db", "templates"]  # fixtures shared with test_cli

INSTANT = dt.datetime(2019, 11, 30, 17, 30, tzinfo=dt.UTC)


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("THIDUA_TIMEZONE", "Asia/Tokyo")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_helper_and_the_template_filters() -> None:
    assert localtime.clock(INSTANT) == "01/12/2019 00:30"
    assert localtime.clock(INSTANT.replace(tzinfo=None)) == "01/12/2019 00:30"  # naive = UTC
    assert localtime.iso(INSTANT) == "2019-12-01T00:30:00+07:00"
    assert (localtime.gmt(INSTANT), localtime.utc_offset(INSTANT)) == ("GMT+7", "UTC+07:00")
    line = "{{ t | gio }} {{ t | ngay }} ({{ t | mui_gio }}), {{ t | ngay_thang }}"
    assert (
        render_string(line, t=INSTANT) == "00 giờ 30 01/12/2019 (GMT+7), ngày 01 tháng 12 năm 2019"
    )


def test_another_zone_is_followed(tokyo: None) -> None:
    assert localtime.iso(INSTANT) == "2019-12-01T02:30:00+09:00"
    assert render_string("{{ t | gio }} ({{ t | mui_gio }})", t=INSTANT) == "02 giờ 30 (GMT+9)"


def render_string(source: str, **context: object) -> str:
    from thidua.templating import environment

    return environment().from_string(source).render(**context)


def _due_at_instant(campaign_id: int) -> None:
    with session_scope() as s:
        run = s.exec(select(StageRun).where(StageRun.campaign_id == campaign_id)).one()
        run.due_at = INSTANT
        s.add(run)


def test_forms_say_the_deadline_in_local_time(campaign: int) -> None:
    _due_at_instant(campaign)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = s.exec(select(StageRun).where(StageRun.campaign_id == campaign)).one()
        text = describe(s, view, run, progress(s, view, run), None)
    assert "hạn 00 giờ 30 ngày 01/12/2019" in text
    first = text.splitlines()[0]  # and when the form was written, in the same zone
    assert first.startswith("*Tình hình lúc ") and "(GMT+7)" in first


def test_the_cli_prints_local_time_in_tables_and_json(runner: CliRunner, campaign: int) -> None:
    _due_at_instant(campaign)
    table = runner.invoke(app, ["status", "--campaign", str(campaign)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "01/12/2019 00:30" in table.stdout
    data = json.loads(invoke(runner, "status", "--campaign", campaign, "--json").stdout)
    assert [c["due_at"] for c in data] == ["2019-12-01T00:30:00+07:00"]
    pending = invoke(runner, "pending", "--actor", "canbo.ptccb", "--json")
    assert pending.exit_code == 0, pending.output
    assert {p["due_at"] for p in json.loads(pending.stdout)} == {"2019-12-01T00:30:00+07:00"}


def test_a_late_submission_is_told_the_local_deadline(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    _due_at_instant(campaign)  # long past; the sample rules close this stage at its due time
    data = {"scores": sheet(), "achievements": ACHIEVEMENTS, "evidence": ["báo-cáo.pdf"]}
    args = ["submit", "self-assessment", "--campaign", campaign, "--actor", "canbo.ctt8"]
    late = invoke(runner, *args, "--file", write(tmp_path, "tu-cham.yaml", data))
    assert late.exit_code == 5, late.output
    assert "hết hạn lúc 00:30 ngày 01/12/2019" in " ".join(late.stderr.split())


def test_notifications_say_the_deadline_in_local_time(campaign: int) -> None:
    _due_at_instant(campaign)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = s.exec(select(StageRun).where(StageRun.campaign_id == campaign)).one()
        ctx = _campaign_context(view, run)
    assert (ctx["due"], ctx["tz"]) == (dt.datetime(2019, 12, 1, 0, 30), "UTC+07:00")
    vi = render_message(
        "reminder", "vi", {**message_context("reminder", "vi"), **ctx}, webhook=True
    )
    assert "hết hạn lúc 00 giờ 30 ngày 01/12/2019 (giờ UTC+07:00)" in vi.body_text
    en = render_message(
        "reminder", "en", {**message_context("reminder", "en"), **ctx}, webhook=False
    )
    assert "00:30 on 1 December 2019 (UTC+07:00)" in en.body_text
