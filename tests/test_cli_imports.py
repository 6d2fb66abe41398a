"""The `thidua` command imports only what a command uses: Prefect and the simulation are for
the commands that talk to Prefect or run the demo, not for `--help` or an officer's submit."""

import subprocess
import sys


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stdout.split())


def test_the_cli_entry_module_does_not_import_prefect_or_the_simulation() -> None:
    loaded = _loaded_after("import thidua.cli.main")
    heavy = {m for m in loaded if m.split(".")[0] in {"prefect", "simulation", "flows", "tasks"}}
    assert heavy == set()
    # Only the pool's name, for the help texts; the deployments themselves import Prefect.
    assert {m for m in loaded if m.startswith("deployments")} == {
        "deployments",
        "deployments.names",
    }
