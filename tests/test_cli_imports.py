"""The `thidua` command imports only what a command uses: `thidua --help` loads no command
module at all, and Prefect and the simulation are for the commands that talk to Prefect or
run the demo, not for an officer's submit."""

import subprocess
import sys

from typer.testing import CliRunner

from thidua.cli import index
from thidua.cli.command_index import COMMANDS
from thidua.cli.main import app


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stdout.split())


def _roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_the_help_of_thidua_loads_no_database_prefect_or_command_module() -> None:
    statement = (
        "from thidua.cli.main import app; "
        "exec('try:\\n app([\"--help\"])\\nexcept SystemExit:\\n pass')"
    )
    loaded = _loaded_after(statement)
    assert _roots(loaded) & {"sqlalchemy", "sqlmodel", "alembic", "prefect", "models"} == set()
    commands = {m for m in loaded if m.startswith("thidua.cli.")}
    assert commands == {
        "thidua.cli.command_index",
        "thidua.cli.context",
        "thidua.cli.index",
        "thidua.cli.main",
    }


def test_an_officers_command_does_not_import_prefect_or_the_simulation() -> None:
    loaded = _loaded_after(
        "from thidua.cli import index; index.load('act', 'submit'); index.load('read', 'pending')"
    )
    assert _roots(loaded) & {"prefect", "simulation", "flows", "tasks"} == set()
    # Only the pool's name, for the help texts; the deployments themselves import Prefect.
    assert {m for m in loaded if m.startswith("deployments")} <= {
        "deployments",
        "deployments.names",
    }


def test_the_command_index_is_what_the_modules_register() -> None:
    """If this fails, a command was added or changed: run `python -m thidua.cli.index`."""
    assert [index.Entry(*row) for row in COMMANDS] == index.build()
    assert index.render(index.build()) == index.INDEX_FILE.read_text(encoding="utf-8")


def test_the_help_lists_every_command_in_its_panel() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    for name, _module, panel, _help, hidden in COMMANDS:
        assert (f" {name} " in shown.output) is not hidden
        assert panel is None or panel in shown.output
