"""An experiment: `thidua pending` and `thidua submit ballot` with Prefect out of the import path.

The same command functions as `thidua` (thidua.cli.read.pending, thidua.cli.act's `submit
ballot`), on a Typer app that registers only them, so that thidua.cli.main's other modules
(deploy, ops, doctor…), which import Prefect at module level, are not loaded; and `ui_url`,
the one thing `pending` needs from thidua.orchestration, is built from the environment as
PREFECT_UI_URL / PREFECT_API_URL say, without importing Prefect. Output is the same.

`python -m bench.lean_cli pending --actor X` / `python -m bench.lean_cli submit ballot …`
"""

import os
import sys
import types
from uuid import UUID

import typer

from thidua.cli import act, read


def _ui_url(flow_run_id: UUID | str | None = None) -> str:
    base = os.environ.get("PREFECT_UI_URL") or os.environ.get("PREFECT_API_URL", "")
    base = base.removesuffix("/api")
    if not base:
        return ""
    return f"{base}/runs/flow-run/{flow_run_id}" if flow_run_id else f"{base}/runs"


_orchestration = types.ModuleType("thidua.orchestration")
_orchestration.ui_url = _ui_url  # type: ignore[attr-defined]
sys.modules.setdefault("thidua.orchestration", _orchestration)

app = typer.Typer(add_completion=False, no_args_is_help=True)
act.register(app)
app.command("pending")(read.pending)

if __name__ == "__main__":
    app()
