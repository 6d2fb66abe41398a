"""`thidua demo` as a new user runs it: twice with the same home, then the commands it suggests.

The demo starts its own Prefect server and worker (a real one, on a free port) each time. The
second demo must not meet the first one's campaign run (their Prefect database survives, the
demo's data is made anew), no run may end cancelled by the worker's shutdown, and the next
commands read the demo's data without being told where it is.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.settings import PREFECT_API_URL, temporary_settings

from thidua.localserver import free_port, start_server

pytestmark = pytest.mark.e2e

THIDUA = str(Path(sys.executable).with_name("thidua"))


def _run(
    home: Path, port: int, *args: str, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("THIDUA_", "PREFECT_API_URL", "PREFECT_UI_URL"))
    }
    env.update(THIDUA_HOME=str(home), THIDUA_PREFECT_PORT=str(port), COLUMNS="120")
    return subprocess.run(
        [THIDUA, *args],
        env=env,
        cwd=home.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_demo_runs_twice_and_its_data_is_what_the_next_command_sees(tmp_path: Path) -> None:
    home = tmp_path / ".thidua"
    port = free_port(4300)
    for attempt in (1, 2):
        done = _run(home, port, "demo", "--self-assessment-seconds", "8")
        assert done.returncode == 0, f"demo #{attempt}:\n{done.stdout}\n{done.stderr}"
        assert "thidua status" in done.stdout

    status = _run(home, port, "status", "--json", timeout=120)
    assert status.returncode == 0, status.stderr
    (campaign,) = json.loads(status.stdout)
    assert (campaign["campaign_id"], campaign["status"]) == (1, "completed")
    memo = _run(home, port, "report", "--campaign", "1", "--document", "to-trinh.md", timeout=120)
    assert memo.returncode == 0, memo.stderr
    assert "TỜ TRÌNH" in memo.stdout.upper()

    # Both demos' campaign runs are in the Prefect database, each completed, none cancelled.
    server = start_server(home / "prefect", port=free_port(port))
    try:
        with (
            temporary_settings(updates={PREFECT_API_URL: server.url}),
            get_client(sync_client=True) as client,
        ):
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(like_="Cụm thi đua số 4"))
            )
    finally:
        server.stop()
    assert sorted((r.state.type.value if r.state else None) for r in runs) == [
        "COMPLETED",
        "COMPLETED",
    ]
