"""The deployments name entrypoints that exist, schedules that mean what they say, and the
names the rest of thidua uses (no Prefect server needed)."""

import asyncio
import importlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitStrategy, ConcurrencyOptions
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.server.schemas.schedules import CronSchedule as ServerCron

from deployments import serve
from deployments.definitions import DEFINITIONS, POOL, YEARLY_CRON, deployments, full_names
from flows.yearly_cycle import open_cycle
from simulation.synthetic import load_synthetic
from thidua.db import create_schema, session_scope
from thidua.localserver import worker_command
from thidua.sample import load_sample
from thidua.services.cycles import this_year
from thidua.settings import get_settings


def resolve(entrypoint: str) -> object:
    """What a worker imports: "package.module.function" or "package/module.py:function"."""
    if ":" in entrypoint:
        path, name = entrypoint.split(":", 1)
        module = path.removesuffix(".py").replace("/", ".")
    else:
        module, name = entrypoint.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(
    "deployment", deployments() + serve.deployments(), ids=lambda d: f"{d.flow_name}/{d.name}"
)
def test_every_entrypoint_imports_the_flow_it_names(deployment: RunnerDeployment) -> None:
    assert deployment.entrypoint is not None
    assert ":" not in deployment.entrypoint  # a module path: the installed code, nothing pulled
    flow = resolve(deployment.entrypoint)
    assert isinstance(flow, Flow)
    assert flow.name == deployment.flow_name


def test_serve_and_deploy_register_the_same_deployments_that_thidua_calls() -> None:
    names = {d.full_name for d in deployments()}
    assert names == {d.full_name for d in serve.deployments()} == set(full_names())
    settings = get_settings()
    assert {
        settings.cycle_deployment,
        settings.campaign_deployment,
        settings.drive_deployment,
    } <= names
    assert len(DEFINITIONS) == 4


def test_the_yearly_cycle_runs_on_1_november_at_7_in_the_organisations_time_zone() -> None:
    by_name = {d.name: d for d in deployments(sweep_every=timedelta(minutes=5))}
    [yearly] = by_name["yearly-cycle"].schedules or []
    schedule = yearly.schedule
    assert isinstance(schedule, CronSchedule)
    assert (schedule.cron, schedule.timezone) == (YEARLY_CRON, "Asia/Ho_Chi_Minh")
    assert yearly.parameters == {"movement": "VANTQ", "admin": "quantri"}
    # What the server makes of it: 07:00 in Hanoi (00:00 UTC) on 1 November.
    server_side = ServerCron(cron=schedule.cron, timezone=schedule.timezone)
    [first] = asyncio.run(server_side.get_dates(n=1, start=datetime(2026, 6, 1, tzinfo=UTC)))
    assert first.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None) == datetime(
        2026, 11, 1, 7, 0
    )
    assert by_name["campaign"].schedules == []
    # A drive's review run is created at its launch, for its end: no schedule of its own.
    assert by_name["drive"].schedules == []
    [sweep] = by_name["deadline-sweep"].schedules or []
    assert isinstance(sweep.schedule, IntervalSchedule)
    assert sweep.schedule.interval == timedelta(minutes=5)


def test_serve_leaves_the_yearly_cycle_unscheduled_unless_asked() -> None:
    served = {d.name: d for d in serve.deployments()}
    assert served["yearly-cycle"].schedules == []
    asked = {d.name: d for d in serve.deployments(yearly_cron="0 7 1 11 *")}
    assert len(asked["yearly-cycle"].schedules or []) == 1


def test_the_worker_command_is_a_process_worker_of_the_pool() -> None:
    args = worker_command(POOL, limit=4, name="may-1")
    assert args[0].endswith("prefect")
    assert args[1:] == [
        "worker",
        "start",
        "--pool",
        POOL,
        "--type",
        "process",
        "--name",
        "may-1",
        "--limit",
        "4",
    ]


def test_a_scheduled_cycle_starts_this_year_for_every_cluster_with_members(
    database_url: str,
) -> None:
    """The schedule passes neither year nor clusters: this year in Hanoi, all clusters."""
    year = this_year()
    assert year == datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    create_schema()
    with session_scope() as s:
        load_sample(s, year=year)
        load_synthetic(s, clusters=2, year=year, seed=1)
        load_synthetic(s, clusters=3, year=year + 1, seed=1)  # next year's third: not started
    started = open_cycle.fn(None, "VANTQ", None, "quantri", None)
    assert [c.cluster_code for c in started] == ["CTD-S001", "CTD-S002", "CTD4"]
    assert all(f"năm:{year}" in c.tags for c in started)


def test_one_sweep_at_a_time_and_a_bounded_number_of_flow_run_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sweep due while one still runs is cancelled at once (no process piles up behind it);
    campaigns and cycles queue, never cancel; serve and pool workers have a process limit."""
    by_name = {d.name: d for d in deployments()}
    sweep = by_name["deadline-sweep"]
    assert (sweep.concurrency_limit, sweep.concurrency_options) == (
        1,
        ConcurrencyOptions(collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
    )
    assert by_name["campaign"].concurrency_limit is None
    assert by_name["drive"].concurrency_limit is None
    assert by_name["yearly-cycle"].concurrency_limit is None

    served: dict[str, object] = {}
    monkeypatch.setattr(serve, "serve", lambda *ds, **kw: served.update(kw))
    monkeypatch.setenv("THIDUA_FLOW_RUN_LIMIT", "3")
    get_settings.cache_clear()
    try:
        serve.main()
        assert served["limit"] == 3
        serve.main(limit=7)
        assert served["limit"] == 7
        assert worker_command(POOL)[-2:] == ["--limit", "3"]  # a pool worker too
    finally:
        get_settings.cache_clear()
