"""End to end: an emulation drive launched on the command line gets its review run on the real
Prefect server, scheduled for the drive's end and tagged for the UI; the run waits (suspended)
for the units' reports, then for the cluster leader's confirmation, records the results, waits
for the directorate's commendation list and completes — each step woken by the command that
made it possible."""

import json
import time
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from models import AuditEvent, Drive, DriveStatus
from simulation.demo import wait_for_deployments, wait_runs_final
from tests.e2e.conftest import Stack
from thidua import orchestration
from thidua.cli.main import app
from thidua.db import session_scope
from thidua.drive_runs import review_starts
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.services.drives import local_today
from thidua.settings import get_settings

pytestmark = pytest.mark.e2e

WIDE = 600  # seconds: a deadline on something that must happen, never a sleep
NAME = "Đợt cao điểm tấn công trấn áp tội phạm dịp Tết"
PEOPLE = ("bgd.phogiamdoc", "chihuy.ptm", "canbo.ptm", "canbo.phc")


def _cli(*words: Any) -> str:
    args = [str(w) for w in words]
    actor = args[args.index("--actor") + 1] if "--actor" in args else None
    env = {"THIDUA_SECRET": f"bi-mat-{actor}"} if actor else {}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def _suspended_in(run_id: UUID, phase: str) -> None:
    """Until the run is suspended with its phase tag `phase`."""
    deadline = time.monotonic() + WIDE
    while time.monotonic() < deadline:
        run = orchestration.read_run(run_id)
        assert run is not None and run.state is not None and not run.state.is_final(), run
        if run.state.is_paused() and f"{orchestration.STAGE_TAG}{phase}" in run.tags:
            return
        time.sleep(0.5)
    raise AssertionError(f"the drive's run did not wait in '{phase}': {run}")


def _ready(stack: Stack) -> date:
    """This year's membership, the people's secrets, the drive deployment up; today's date."""
    today = local_today()
    stack.add_year(today.year)
    with session_scope() as s:
        for username in PEOPLE:
            set_secret(s, get_actor(s, username), f"bi-mat-{username}")
    wait_for_deployments([get_settings().drive_deployment])
    return today


def test_a_drive_from_launch_to_its_recorded_results(stack: Stack) -> None:
    today = _ready(stack)
    # The drive ended yesterday: its review run is due at once.
    starts, ends = today - timedelta(days=30), today - timedelta(days=1)
    _cli(
        "drive", "launch", "--actor", "bgd.phogiamdoc", "--name", NAME,
        "--theme", "Bảo đảm an ninh, trật tự trước, trong và sau Tết",
        "--from", f"{starts:%d/%m/%Y}", "--to", f"{ends:%d/%m/%Y}",
        "--target", "PA:60:Phá án, bắt đối tượng", "--target", "TT:40:Tuyên truyền",
        "--unit", "PTM", "--unit", "PHC",
    )  # fmt: skip
    with session_scope() as s:
        [drive] = s.exec(select(Drive).where(Drive.name == NAME)).all()
        drive_id, run_id = drive.id, drive.flow_run_id
    assert run_id is not None
    run = orchestration.read_run(run_id)
    assert run is not None and run.name == f"Sơ kết · {NAME} · {today.year}"
    assert {"thidua", "đợt-thi-đua", f"đợt:{NAME}", f"năm:{today.year}", "cụm:CTD4"} <= set(
        run.tags
    )
    assert run.expected_start_time == review_starts(drive)

    _suspended_in(run_id, "báo-cáo")  # waits for the reports, no process held
    _cli("drive", "report", "--drive", drive_id, "--actor", "canbo.ptm",
         "--score", "PA=55", "--score", "TT=35")  # fmt: skip
    _cli("drive", "report", "--drive", drive_id, "--actor", "canbo.phc",
         "--score", "PA=40", "--score", "TT=38")  # fmt: skip
    _suspended_in(run_id, "xác-nhận")
    _cli("drive", "confirm", "--drive", drive_id, "--actor", "chihuy.ptm",
         "--cluster", "CTD4", "--commend", "PTM")  # fmt: skip
    _suspended_in(run_id, "giấy-khen")  # results recorded by the run; the list awaits approval
    with session_scope() as s:
        recorded = s.get(Drive, drive_id)
        assert recorded is not None and recorded.status == DriveStatus.RECORDED
    _cli("drive", "commend", "--drive", drive_id, "--actor", "bgd.phogiamdoc")
    wait_runs_final([run_id], timeout=WIDE)

    view = json.loads(_cli("drive", "show", "--drive", drive_id, "--json"))
    assert view["status"] == "closed"
    assert [
        (u["unit"], u["total"], u["points"], u["rank"], u["proposed"], u["commended"])
        for u in view["units"]
    ] == [("PHC", 78.0, 78.0, 2, False, False), ("PTM", 90.0, 90.0, 1, True, True)]
    with session_scope() as s:
        events = s.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).startswith("drive."), AuditEvent.entity_id != "")
            .order_by(col(AuditEvent.id))
        ).all()
        actions = [e.action for e in events if e.action != "drive.bind"]
        record = [e for e in events if e.action == "drive.record"]
    assert actions == [
        "drive.launch", "drive.report", "drive.report", "drive.confirm", "drive.record",
        "drive.commend",
    ]  # fmt: skip
    assert record[0].actor_id is None  # recorded by the review run itself
    final = orchestration.read_run(run_id)
    assert final is not None and f"{orchestration.STAGE_TAG}đã-kết-thúc" in final.tags


def test_a_drive_launched_while_prefect_was_away_gets_its_run_from_the_sweep(
    stack: Stack,
) -> None:
    from thidua.services.drives import launch

    today = local_today()
    stack.add_year(today.year)
    wait_for_deployments([get_settings().drive_deployment])
    name = "Đợt thi đua phát động khi Prefect chưa chạy"
    with session_scope() as s:  # what `thidua drive launch` records before it calls Prefect
        drive = launch(
            s,
            actor=get_actor(s, "bgd.phogiamdoc"),
            name=name,
            theme="",
            starts_on=today,
            ends_on=date(today.year, 12, 31),  # in the future: its run waits, scheduled
            targets=[{"code": "A", "name": "Chỉ tiêu A", "maximum": 10}],
            units=["PTC"],
        )
        drive_id = drive.id
    orchestration.sweep_once()
    with session_scope() as s:
        made = s.get(Drive, drive_id)
        assert made is not None and made.flow_run_id is not None
        run_id, starts = made.flow_run_id, review_starts(made)
    run = orchestration.read_run(run_id)
    assert run is not None and run.name == f"Sơ kết · {name} · {today.year}"
    assert run.state is not None and run.state.is_scheduled()  # due at the drive's end
    assert run.expected_start_time == starts
    orchestration.sweep_once()  # the run exists: nothing more is created
    with session_scope() as s:
        again = s.get(Drive, drive_id)
        assert again is not None and again.flow_run_id == run_id


def test_the_sweep_wakes_a_review_run_past_its_report_deadline(stack: Stack) -> None:
    """A unit never reports: once the deadline has passed, the sweep wakes the run, which moves
    on to the leader's confirmation and says so in its tag; woken once, never again."""
    from thidua.drive_runs import wake_overdue

    today = _ready(stack)
    name = "Đợt thi đua có đơn vị không báo cáo"
    ends = today - timedelta(days=1)
    _cli(
        "drive", "launch", "--actor", "bgd.phogiamdoc", "--name", name, "--theme", "",
        "--from", f"{ends:%d/%m/%Y}", "--to", f"{ends:%d/%m/%Y}", "--review-days", 2,
        "--target", "PA:60:Phá án", "--unit", "PTC",
    )  # fmt: skip
    with session_scope() as s:
        [drive] = s.exec(select(Drive).where(Drive.name == name)).all()
        drive_id, run_id = drive.id, drive.flow_run_id
    assert run_id is not None
    _suspended_in(run_id, "báo-cáo")
    assert wake_overdue(f"{orchestration.STAGE_TAG}báo-cáo") == []  # its deadline is tomorrow
    with session_scope() as s:  # the days go by: the report deadline (end + 2 days) is past
        late = s.get(Drive, drive_id)
        assert late is not None
        late.starts_on = late.ends_on = ends - timedelta(days=3)
        s.add(late)
    orchestration.sweep_once()
    _suspended_in(run_id, "xác-nhận")
    assert wake_overdue(f"{orchestration.STAGE_TAG}báo-cáo") == []  # woken once only
