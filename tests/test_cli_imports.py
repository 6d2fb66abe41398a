"""The `thidua` command imports only what a command uses: `thidua --help` loads no command
module at all, and Prefect and the simulation are for the commands that talk to Prefect or
run the demo, not for an officer's submit."""

import json
import subprocess
import sys
from typing import Any

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


def _help_of(*args: str) -> str:
    return (
        "from thidua.cli.main import app; "
        f"exec('try:\\n app({json.dumps(list(args))})\\nexcept SystemExit:\\n pass')"
    )


HEAVY = {"sqlalchemy", "sqlmodel", "alembic", "prefect", "models", "pydantic", "rich", "click"}


def test_the_help_of_thidua_loads_no_database_prefect_or_command_module() -> None:
    loaded = _loaded_after(_help_of("--help"))
    assert _roots(loaded) & HEAVY == set()
    commands = {m for m in loaded if m.startswith("thidua.cli.")}
    assert commands == {
        "thidua.cli.command_index",
        "thidua.cli.context",
        "thidua.cli.help_pages",
        "thidua.cli.index",
        "thidua.cli.main",
    }


def test_a_commands_help_loads_only_its_recorded_page() -> None:
    """`thidua <command> --help` for a command, a group, and after the root's own option."""
    for args in (["pending", "--help"], ["token"], ["--thay-cho", "x", "report", "--help"]):
        loaded = _loaded_after(_help_of(*args))
        assert _roots(loaded) & HEAVY == set(), args
        assert {m for m in loaded if m.startswith("thidua.cli.")} == {
            "thidua.cli.command_index",
            "thidua.cli.command_pages",
            "thidua.cli.context",
            "thidua.cli.help_pages",
            "thidua.cli.index",
            "thidua.cli.main",
        }, args


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
    assert index.render_pages(index.pages()) == index.PAGES_FILE.read_text(encoding="utf-8")


def _shapes_in_a_fresh_process(statement: str) -> dict[str, Any]:
    code = f"import json; from thidua.cli import index; print(json.dumps({statement}))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_each_command_loaded_alone_is_the_command_of_the_whole_app() -> None:
    """Each module alone, in its own process as `thidua <command>` runs it: a module that adds
    to another module's command at import or registration would be lost there."""
    whole = _shapes_in_a_fresh_process(
        "{n: index.shape(c) for n, c in index.eager().commands.items()}"
    )
    alone: dict[str, Any] = {}
    for module in dict.fromkeys(row[1] for row in COMMANDS):
        names = [row[0] for row in COMMANDS if row[1] == module]
        alone |= _shapes_in_a_fresh_process(
            f"{{n: index.shape(index.load({module!r}, n)) for n in {names!r}}}"
        )
    assert alone == whole


def test_the_help_lists_every_command_in_its_panel() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    for name, _module, panel, _help, hidden in COMMANDS:
        assert (f" {name} " in shown.output) is not hidden
        assert panel is None or panel in shown.output
