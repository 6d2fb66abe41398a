"""Scale-out on one machine: a Prefect server on PostgreSQL, the application database on
PostgreSQL, thidua deployed to a process work pool (`thidua deploy`), two workers polling it
(`prefect worker start --pool … --type process`), and a yearly cycle of twenty clusters driven by
simulated participants. Every campaign must complete, both workers must have run campaigns, and
the results must equal those of the same cycle run in-process on SQLite with the same seed.
"""

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings
from typer.testing import CliRunner

from models import CampaignStatus
from rules.config import CycleRules
from simulation.demo import APPROVAL_REASON, demo_rules, run_cycle
from simulation.participants import Script
from simulation.synthetic import drive_in_process, load_synthetic
from thidua.cli.deploy import deploy_all
from thidua.cli.main import app
from thidua.db import create_schema, engine_for, session_scope
from thidua.localserver import Child, LocalPrefect, start_server
from thidua.sample import ADMIN, MOVEMENT
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.queries import report
from thidua.settings import get_settings

from ..postgres import asyncpg_url, temporary_database

pytestmark = pytest.mark.slow

POOL = "thidua-scale"
WORKERS = ("thidua-worker-a", "thidua-worker-b")
CLUSTERS = int(os.environ.get("THIDUA_SCALE_CLUSTERS", "20"))  # fewer for a quick look
YEAR = 2028
SEED = 2028
LOT_SEED = "scale-2028"
SA_SECONDS = 6 * 3600  # long enough that no deadline passes: the two runs must match exactly


def script() -> Script:
    return Script(seed=SEED, late_unit=None, returned_unit=None, boastful_unit=None)


@dataclass
class Farm:
    server: LocalPrefect
    workers: list[Child]
    home: Path
    database_url: str
    clusters: list[str]


def use_database(url: str) -> None:
    os.environ["THIDUA_DATABASE_URL"] = url
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    home = tmp_path_factory.mktemp("scale")
    env = pytest.MonkeyPatch()
    try:
        with (
            temporary_database("thidua_scale_app") as app_url,
            temporary_database("thidua_scale_prefect") as prefect_url,
        ):
            env.setenv("THIDUA_DATABASE_URL", app_url)
            env.setenv("THIDUA_HOME", str(home))
            get_settings.cache_clear()
            create_schema()
            with session_scope() as session:
                clusters = load_synthetic(session, clusters=CLUSTERS, year=YEAR, seed=SEED)
            started = time.monotonic()
            server = start_server(home / "prefect", port=0, database_url=asyncpg_url(prefect_url))
            print(f"\nPrefect server on PostgreSQL up in {time.monotonic() - started:.0f} s")
            env.setenv("PREFECT_API_URL", server.url)
            try:
                with temporary_settings(
                    updates={PREFECT_API_URL: server.url, PREFECT_UI_URL: server.ui}
                ):
                    deploy_all(POOL, yearly_cron="0 7 1 11 *")
                    workers = [
                        server.start_pool_worker(
                            POOL, name=name, limit=3, query_seconds=2, log=home / f"{name}.log"
                        )
                        for name in WORKERS
                    ]
                    wait_workers_online(POOL, len(WORKERS))
                    yield Farm(server, workers, home, app_url, clusters)
            finally:
                server.stop()
                engine_for(app_url).dispose()
    finally:
        env.undo()
        get_settings.cache_clear()


def wait_workers_online(pool: str, n: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            online = [w for w in client.read_workers_for_work_pool(pool) if w.status == "ONLINE"]
            if len(online) >= n:
                return
            time.sleep(1)
    raise AssertionError(f"{n} workers not online on {pool} after {timeout} s")


def test_thidua_deploy_registers_the_pool_and_doctor_finds_everything(farm: Farm) -> None:
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool(POOL)
        assert pool.type == "process"
        cycle = client.read_deployment_by_name("thidua-yearly-cycle/yearly-cycle")
        campaign = client.read_deployment_by_name("thidua-campaign/campaign")
        sweep = client.read_deployment_by_name("thidua-deadline-sweep/deadline-sweep")
    assert {d.work_pool_name for d in (cycle, campaign, sweep)} == {POOL}
    assert cycle.entrypoint == "flows.yearly_cycle.yearly_cycle"
    assert not cycle.pull_steps  # the installed code runs: nothing is pulled or built
    [yearly] = cycle.schedules
    assert (yearly.schedule.cron, yearly.schedule.timezone) == (  # type: ignore[union-attr]
        "0 7 1 11 *",
        "Asia/Ho_Chi_Minh",
    )
    assert campaign.schedules == []
    assert len(sweep.schedules) == 1

    result = CliRunner().invoke(app, ["doctor", "--pool", POOL, "--json"])
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert all(c["ok"] for c in checks.values()), checks
    assert all(name in checks["workers"]["detail"] for name in WORKERS)


def submissions_by_worker(api: str, flow_run_ids: set[UUID]) -> Counter[str]:
    """Every time a worker submitted one of these flow runs (its first start and each resume),
    from the `prefect.worker.submitted-flow-run` events."""
    counts: Counter[str] = Counter()
    body: dict[str, Any] = {
        "filter": {"event": {"name": ["prefect.worker.submitted-flow-run"]}},
        "limit": 50,
    }
    ids = {str(i) for i in flow_run_ids}
    page = httpx.post(f"{api}/events/filter", json=body, timeout=30).json()
    while True:
        for event in page["events"]:
            related = {
                r["prefect.resource.id"].removeprefix("prefect.flow-run.")
                for r in event.get("related", [])
                if r.get("prefect.resource.role") == "flow-run"
            }
            if related & ids:
                counts[event["resource"]["prefect.resource.name"]] += 1
        if not page.get("next_page"):
            return counts
        page = httpx.get(page["next_page"], timeout=30).json()


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON-like values differ, as paths: a readable failure message."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for k in sorted(set(a) | set(b))
            for d in differences(a.get(k), b.get(k), f"{path}.{k}")
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    """A campaign's report without what differs between two runs of the same cycle."""
    return {k: v for k, v in data.items() if k not in ("campaign_id", "flow_run_id")}


def results_by_cluster(campaign_ids: list[int]) -> dict[str, dict[str, Any]]:
    with session_scope() as session:
        return {
            data["name"]: comparable(data) for data in (report(session, c) for c in campaign_ids)
        }


def sqlite_results(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The same cycle in-process on SQLite: the services the flow calls, no Prefect."""
    previous = os.environ["THIDUA_DATABASE_URL"]
    url = f"sqlite:///{tmp_path / 'same-cycle.db'}"
    use_database(url)
    try:
        create_schema()
        with session_scope() as session:
            load_synthetic(session, clusters=CLUSTERS, year=YEAR, seed=SEED)
        with session_scope() as session:
            _, started = start_cycle(
                session,
                actor=get_actor(session, ADMIN[0]),
                year=YEAR,
                movement_code=MOVEMENT[0],
                cluster_codes=[f"CTD-S{i:03d}" for i in range(1, CLUSTERS + 1)],
                rules=CycleRules.model_validate(demo_rules(SA_SECONDS, LOT_SEED)),
            )
        ids = [s.campaign_id for s in started]
        for cid in ids:
            drive_in_process(cid, script(), approval_reason=APPROVAL_REASON)
        return results_by_cluster(ids)
    finally:
        engine_for(url).dispose()
        use_database(previous)


@pytest.mark.timeout(2400)  # about 11 minutes on two busy cores; the default is 10
def test_a_cycle_of_twenty_clusters_runs_on_two_workers_as_it_does_in_process(
    farm: Farm, tmp_path: Path
) -> None:
    started = time.monotonic()
    campaign_ids, flow_run_ids = run_cycle(
        script=script(),
        log=lambda _m: None,
        on_change=lambda _s: None,
        self_assessment_seconds=SA_SECONDS,
        clusters=farm.clusters,
        year=YEAR,
        lot_seed=LOT_SEED,
        timeout=1500,
    )
    elapsed = time.monotonic() - started
    print(f"\n{CLUSTERS} campaigns through five stages on two workers: {elapsed:.0f} s")
    assert len(campaign_ids) == len(flow_run_ids) == CLUSTERS

    # Every campaign completed, in the database and in Prefect.
    with session_scope() as session:
        statuses = Counter(report(session, c)["status"] for c in campaign_ids)
    assert statuses == Counter({CampaignStatus.COMPLETED.value: CLUSTERS})
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids))
        )
    assert len(runs) == CLUSTERS
    assert all(r.state is not None and r.state.is_completed() for r in runs)

    # Both workers ran campaigns: the worker that last ran each one (its labels), and every
    # start and resume (the workers' events).
    last = Counter(r.labels.get("prefect.worker.name") for r in runs)
    submitted = submissions_by_worker(farm.server.url, set(flow_run_ids))
    print(f"last run by: {dict(last)}; all starts and resumes: {dict(submitted)}")
    assert set(last) <= set(WORKERS)
    assert set(last) | set(submitted) == set(WORKERS)
    assert all(r.infrastructure_pid for r in runs)

    # The same results as the same cycle run in-process on SQLite.
    on_postgres = results_by_cluster(campaign_ids)
    on_sqlite = sqlite_results(tmp_path)
    assert sorted(on_postgres) == sorted(on_sqlite)
    for name, data in on_postgres.items():
        assert data == on_sqlite[name], (name, differences(data, on_sqlite[name]))
        assert data["ranking"] and data["vote"] and data["outcome"] and data["nominations"]
