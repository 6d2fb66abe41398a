"""The Prefect path: a real cycle on a local Prefect server and worker; and floor (b).

Both start their own server (`thidua.localserver.start_server`, SQLite under the run's folder)
and a `serve` process polling every POLL seconds, then measure from the moment the cycle is
triggered until every run is final: wall time, the CPU time of the server, the worker (with its
flow-run subprocesses) and this client, their peak memory, and the rows written to thidua's
database and to Prefect's.
"""

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from prefect import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.deployments import run_deployment
from prefect.exceptions import NotPausedError
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

from simulation.demo import drive, wait_for_deployments, wait_runs_final
from thidua.db import get_engine, session_scope
from thidua.localserver import Child, LocalPrefect, start_server
from thidua.sample import ADMIN, MOVEMENT
from thidua.services.queries import status
from thidua.settings import get_settings

from . import empty_flow
from .domain import YEAR, closed_stage_runs, prepare, script, waits_per_campaign
from .procs import Sampler, descendants, self_cpu, self_hwm_mb, tree_cpu
from .rows import count_rows, count_sqlite_file, written
from .scheme import bench_rules

POLL = 1  # seconds between a worker's polls for runs to start (also the driver's loop)
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def local_server(home: Path) -> Iterator[LocalPrefect]:
    server = start_server(home / "prefect", port=0)
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.url, PREFECT_UI_URL: server.ui}):
            yield server
    finally:
        server.stop()


def _spawn_empty_worker(server: LocalPrefect, home: Path) -> Child:
    env = server.env(
        PREFECT_RUNNER_POLL_FREQUENCY=str(POLL),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    )
    log = home / "empty-worker.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.serve_empty"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    child = Child("empty-worker", process, log)
    server.children.append(child)
    return child


def _prefect_counts(db: Path) -> dict[str, int]:
    """Flow runs that ran, process starts (Running states), suspends, resumes and task runs
    recorded by the Prefect server (scheduled runs of the sweep that never ran are left out)."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
        return {
            "flow_runs": one(
                "SELECT count(DISTINCT flow_run_id) FROM flow_run_state WHERE name = 'Running'"
            ),
            "process_starts": one("SELECT count(*) FROM flow_run_state WHERE name = 'Running'"),
            "suspends": one("SELECT count(*) FROM flow_run_state WHERE name = 'Suspended'"),
            "resumes": one("SELECT count(*) FROM flow_run_state WHERE name = 'Resuming'"),
            "task_runs": one("SELECT count(*) FROM task_run"),
        }
    finally:
        conn.close()


def _measure(
    server: LocalPrefect, worker: Child, body: Callable[[], None], app_rows: bool
) -> dict[str, Any]:
    spid, wpid = server.children[0].process.pid, worker.process.pid
    prefect_db = server.home / "prefect.db"
    app_before = count_rows(get_engine()) if app_rows else {}
    pf_before = count_sqlite_file(prefect_db)
    cpu0 = {"server": tree_cpu(spid), "worker": tree_cpu(wpid), "client": self_cpu()}
    with Sampler({"server": spid, "worker": wpid}) as sampler:
        t0 = time.perf_counter()
        body()
        wall = time.perf_counter() - t0
        # The last flow-run subprocesses exit just after their final state: wait until they
        # are reaped, so that their CPU time is in the worker's.
        end = time.monotonic() + 30
        while descendants(wpid) and time.monotonic() < end:
            time.sleep(0.2)
    cpu1 = {"server": tree_cpu(spid), "worker": tree_cpu(wpid), "client": self_cpu()}
    cpu = {k: round(cpu1[k] - cpu0[k], 2) for k in cpu0}
    pf_rows = written(pf_before, count_sqlite_file(prefect_db))
    out: dict[str, Any] = {
        "wall_s": round(wall, 2),
        "cpu_s": round(sum(cpu.values()), 2),
        "cpu_by_process_s": cpu,
        "peak_mb": {**sampler.peaks(), "client_mb": round(self_hwm_mb(), 1)},
        "prefect_rows": sum(pf_rows.values()),
        "prefect_rows_by_table": pf_rows,
        "prefect": _prefect_counts(prefect_db),
    }
    if app_rows:
        app = written(app_before, count_rows(get_engine()))
        out["rows"] = sum(app.values())
        out["rows_by_table"] = app
    return out


def thidua_cycle(clusters: int, home: Path) -> dict[str, Any]:
    """A whole cycle of `clusters` campaigns on Prefect, participants simulated."""
    t = time.perf_counter()
    codes = prepare(clusters)
    settings = get_settings()
    with local_server(home) as server:
        worker = server.start_worker(
            log=home / "worker.log", poll_seconds=POLL, sweep_seconds=24 * 3600
        )
        wait_for_deployments([settings.cycle_deployment, settings.campaign_deployment])
        setup = time.perf_counter() - t
        timeout = 300 + 90 * clusters

        def body() -> None:
            cycle = run_deployment(
                settings.cycle_deployment,
                parameters={
                    "year": YEAR,
                    "clusters": codes,
                    "movement": MOVEMENT[0],
                    "admin": ADMIN[0],
                    "rules": bench_rules().model_dump(mode="json"),
                },
                timeout=0,
                as_subflow=False,
            )
            wait_runs_final([cycle.id], timeout=timeout)
            with session_scope() as s:
                ids = [st.campaign_id for st in status(s, year=YEAR)]
            quiet: Callable[[Any], None] = lambda _: None  # noqa: E731
            drive(ids, script(), quiet, quiet, timeout=timeout)
            with session_scope() as s:
                fids = [st.flow_run_id for st in status(s, year=YEAR) if st.flow_run_id]
            wait_runs_final(fids, timeout=timeout)

        result = _measure(server, worker, body, app_rows=True)
    transitions = closed_stage_runs()
    waits = waits_per_campaign()
    return {
        "path": "prefect",
        "clusters": clusters,
        "setup_s": round(setup, 2),
        **result,
        "transitions": transitions,
        "transitions_per_s": round(transitions / result["wall_s"], 3),
        "waits": [waits.get(c, 0) for c in sorted(waits)],
    }


def _resume_paused(expected: int, timeout: float) -> None:
    """Resume every paused empty campaign, once a second, until all `expected` completed."""
    deadline = time.monotonic() + timeout
    flows = FlowFilter(name=FlowFilterName(any_=["bench-empty-campaign"]))
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_filter=flows, limit=200)
            done = 0
            for run in runs:
                if run.state is None:
                    continue
                if run.state.is_paused():
                    # No longer paused (a race): seen again on the next round.
                    with suppress(NotPausedError, RuntimeError):
                        resume_flow_run(run.id, run_input={"ok": True})
                elif run.state.is_completed():
                    done += 1
                elif run.state.is_final():
                    raise RuntimeError(f"{run.name}: {run.state.name} {run.state.message}")
            if done == expected:
                return
            time.sleep(POLL)
    raise RuntimeError("empty campaigns did not finish in time")


def empty_floor(waits: list[int], home: Path) -> dict[str, Any]:
    """Floor (b): len(waits) empty campaign runs, each suspended and resumed waits[i] times."""
    t = time.perf_counter()
    with local_server(home) as server:
        worker = _spawn_empty_worker(server, home)
        wait_for_deployments([empty_flow.CYCLE, empty_flow.CAMPAIGN])
        setup = time.perf_counter() - t
        timeout = 300 + 90 * len(waits)

        def body() -> None:
            cycle = run_deployment(
                empty_flow.CYCLE, parameters={"waits": waits}, timeout=0, as_subflow=False
            )
            wait_runs_final([cycle.id], timeout=timeout)
            _resume_paused(len(waits), timeout)

        result = _measure(server, worker, body, app_rows=False)
    return {
        "path": "empty",
        "clusters": len(waits),
        "waits_total": sum(waits),
        "setup_s": round(setup, 2),
        **result,
    }
