"""The commands people run most (`thidua pending`, `status`, `submit`) each start a fresh
process: they import what they use and no more. Prefect, the Excel reader, the template engine,
PyYAML (for a JSON file or none), the documents' models and the notification path belong to
other commands; importing them would slow every officer's command again."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_cli import (  # noqa: F401 - fixtures
    campaign,
    secret_for,
    sheet,
    templates,
    write,
)

# What none of the three may import, by module or package.
NEVER = ("prefect", "openpyxl", "jinja2", "yaml", "documents", "notifications.outbox")

_RUN = """
import json, runpy, sys
sys.argv = ["thidua", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("thidua.cli.main", run_name="__main__")
except SystemExit as exc:
    code = exc.code
with open(OUT, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def _loaded_by(tmp_path: Path, *args: object) -> set[str]:
    """The modules a `thidua` command has imported once it is done (it must succeed)."""
    out = tmp_path / "modules.json"
    words = [str(a) for a in args]
    env_secret = secret_for(words[words.index("--actor") + 1])
    code = _RUN.replace("OUT", repr(str(out)))
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(words)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**_environ(), "THIDUA_SECRET": env_secret},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["code"] in (0, None), (done.stdout, done.stderr)
    return set(result["modules"])


def _environ() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    return env


def _forbidden(loaded: set[str]) -> set[str]:
    return {m for m in loaded for n in NEVER if m == n or m.startswith(n + ".")}


def test_pending_and_status_import_no_other_commands_dependencies(
    campaign: int,  # noqa: F811
    tmp_path: Path,
) -> None:
    for command in ("pending", "status"):
        loaded = _loaded_by(tmp_path, command, "--actor", "canbo.ctt8")
        assert _forbidden(loaded) == set(), command
        assert "thidua.cli.read" in loaded  # the command ran, from its own module


def test_submitting_a_json_form_imports_no_yaml_nor_excel_reader(
    campaign: int,  # noqa: F811
    tmp_path: Path,
) -> None:
    form = write(tmp_path, "tu-cham.json", {"scores": sheet(), "achievements": "Hoàn thành."})
    args = ["submit", "self-assessment", "--campaign", campaign, "--actor", "canbo.ctt8"]
    loaded = _loaded_by(tmp_path, *args, "--file", form)
    assert _forbidden(loaded) == set()
    assert "thidua.forms.submit" in loaded
