"""What every command shares: printing JSON, tables, times and errors; who is acting.

Only JSON (with --json) or a document's raw text goes to stdout for read commands; errors and
notes go to stderr, so `thidua status --json | jq` always gets clean JSON. Reading input files
is thidua/cli/files.py: every command imports this module, few read a file.
"""

import json
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlmodel import Session

from models import Actor
from thidua import localtime
from thidua.cli.context import on_behalf_of
from thidua.errors import InvalidInput, Problem, ThiduaError, field_path, reason_of
from thidua.forms.json_text import field_part as _field_part
from thidua.services.audit import claimed_username, proven_actor_id
from thidua.services.auth import authenticate
from thidua.services.delegation import acting_for

if TYPE_CHECKING:
    from rich.table import Table

# Rich writes to whatever sys.stdout / sys.stderr is at print time (so CliRunner captures it).
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

STATUS_LABELS = {
    "pending": "chưa chạy",
    "running": "đang chạy",
    "waiting": "đang chờ",
    "completed": "đã hoàn thành",
    "failed": "bị lỗi",
}


def invalid_from(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """Every pydantic error as a Problem naming its field (one path style), in Vietnamese."""
    return InvalidInput.of(
        [
            Problem(field_path([_field_part(p) for p in e["loc"]], prefix), reason_of(e))
            for e in exc.errors()
        ]
    )


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def local_time(moment: datetime | None) -> str:
    """A moment in the organisation's zone, dd/mm/yyyy HH:MM; naive ones are taken as UTC."""
    return localtime.clock(moment)


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("có" if value else "không")


def table(title: str, *columns: str) -> "Table":
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False)
    for c in columns:
        t.add_column(c)
    return t


# Enough for any real form; an attacker's file of a million errors prints a count, not a flood.
MAX_PROBLEMS_SHOWN = 100


def print_error(exc: ThiduaError, *, as_json: bool = False) -> None:
    """One error, once, on stderr: lines for a person, or with --json an object for a program
    (`error`, `field` when one is at fault, `problems` when an input had several, `code`: the
    exit code)."""
    problems = exc.problems if isinstance(exc, InvalidInput) else ()
    if as_json:
        field = exc.field if isinstance(exc, InvalidInput) else None
        reason = exc.reason if isinstance(exc, InvalidInput) else exc.message
        data: dict[str, Any] = {"error": reason, "field": field, "code": exc.exit_code}
        if problems:
            data["problems"] = [p.to_json() for p in problems]
        sys.stderr.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    if len(problems) == 1:
        text = f"Lỗi: {problems[0].where}: {problems[0].reason}"
    elif problems:
        lines = [f"Lỗi: có {len(problems)} chỗ sai (không có gì được ghi):"]
        lines += [f"  - {p.where}: {p.reason}" for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"  … và {len(problems) - MAX_PROBLEMS_SHOWN} chỗ sai khác")
        text = "\n".join(lines)
    else:
        text = f"Lỗi: {exc.message}"
    err.print(text, style="red", markup=False, highlight=False)


def note(text: str) -> None:
    """A remark beside the result (stderr, so it never mixes into JSON)."""
    err.print(text, style="yellow", markup=False, highlight=False)


def done(text: str) -> None:
    out.print(text, style="green", markup=False, highlight=False)


def authenticated(session: Session, username: str) -> Actor:
    """The acting person, proven by their secret: THIDUA_SECRET, or asked for at a terminal."""
    secret = os.environ.get("THIDUA_SECRET")
    if not secret and sys.stdin.isatty():
        secret = typer.prompt(
            f"Mã bí mật của {username}", hide_input=True, default="", show_default=False
        )
    claimed_username.set(username)
    actor = authenticate(session, username, secret)
    principal = on_behalf_of.get()
    acting = acting_for(session, actor, principal) if principal else actor
    proven_actor_id.set(acting.id)
    return acting
