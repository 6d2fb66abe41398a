"""What every command shares: reading input files, printing JSON, tables, times and errors.

Only JSON (with --json) or a document's raw text goes to stdout for read commands; errors and
notes go to stderr, so `thidua status --json | jq` always gets clean JSON.
"""

import json
import os
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from models import Actor
from thidua.errors import InvalidInput, ThiduaError, from_validation
from thidua.services.auth import authenticate
from thidua.services.delegation import acting_for
from thidua.settings import get_settings

M = TypeVar("M", bound=BaseModel)

SUFFIXES = (".yaml", ".yml", ".json")

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

# pydantic's messages are English; the common ones are said in Vietnamese.
_REASONS = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép (không có trong mẫu)",
    "decimal_parsing": "không phải là số",
    "decimal_type": "không phải là số",
    "float_parsing": "không phải là số",
    "int_parsing": "không phải là số nguyên",
    "bool_parsing": "phải là có/không (true/false)",
    "bool_type": "phải là có/không (true/false)",
    "string_type": "phải là chuỗi ký tự",
    "dict_type": "phải là một bảng khóa: giá trị",
    "model_type": "phải là một bảng khóa: giá trị",
    "list_type": "phải là một danh sách",
    "tuple_type": "phải là một danh sách",
}


def invalid_from(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """The first pydantic error as an InvalidInput naming the field, in Vietnamese if known."""
    found = from_validation(exc, prefix)
    first = exc.errors()[0]
    reason = _REASONS.get(first["type"])
    if reason is None:
        return found
    return InvalidInput(found.field, reason)


def load_data(path: Path) -> Any:
    """The content of a .yaml/.yml/.json file, or InvalidInput naming the file and the problem."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput("file", f"chỉ nhận tệp .yaml, .yml hoặc .json (nhận được '{path.name}')")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput("file", f"không tìm thấy tệp '{path}'") from None
    except UnicodeDecodeError:
        raise InvalidInput("file", f"tệp '{path.name}' không phải văn bản UTF-8") from None
    except OSError as exc:
        raise InvalidInput("file", f"không đọc được tệp '{path}': {exc.strerror}") from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                "file", f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}"
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}"
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidInput("file", f"YAML không hợp lệ{where}: {problem}") from None


def load_model(path: Path, model: type[M], *, data: Any = None, prefix: str = "") -> M:
    """Read `path` (or the already read `data`) into `model`; errors name the field."""
    if data is None:
        data = load_data(path)
    if not isinstance(data, dict):
        raise InvalidInput("file", f"nội dung tệp '{path.name}' phải là một bảng khóa: giá trị")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_from(exc, prefix) from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def local_time(moment: datetime | None) -> str:
    """A moment in the configured time zone, dd/mm/yyyy HH:MM; naive ones are taken as UTC."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(get_settings().tz).strftime("%d/%m/%Y %H:%M")


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("có" if value else "không")


def table(title: str, *columns: str) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    for c in columns:
        t.add_column(c)
    return t


def print_error(exc: ThiduaError) -> None:
    if isinstance(exc, InvalidInput):
        text = f"Lỗi: trường {exc.field}: {exc.reason}"
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
    actor = authenticate(session, username, secret)
    principal = on_behalf_of.get()
    return acting_for(session, actor, principal) if principal else actor


# Set by the global option --thay-cho: the person the authenticated substitute acts for.
on_behalf_of: ContextVar[str | None] = ContextVar("on_behalf_of", default=None)
