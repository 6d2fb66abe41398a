"""What every command shares: reading input files, printing JSON, tables, times and errors.

Only JSON (with --json) or a document's raw text goes to stdout for read commands; errors and
notes go to stderr, so `thidua status --json | jq` always gets clean JSON.
"""

import json
import os
import re
import stat
import sys
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlmodel import Session
from yaml.composer import ComposerError

from models import Actor
from thidua import localtime
from thidua.errors import InvalidInput, ThiduaError, from_validation
from thidua.limits import MAX_DEPTH, MAX_FILE_BYTES, NAME, text_problem
from thidua.services.audit import claimed_username, proven_actor_id
from thidua.services.auth import authenticate
from thidua.services.delegation import acting_for

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
    "finite_number": "không phải là số hữu hạn (NaN, vô cùng)",
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


def _field_part(part: object) -> str:
    # A key of the input is part of the field's name: an attacker's key must not carry a
    # megabyte or a control character into the message.
    text = str(part)
    if text_problem(text, max_length=NAME) is None:
        return text
    return "[khóa không hợp lệ]"


def invalid_from(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """The first pydantic error as an InvalidInput naming the field, in Vietnamese if known."""
    first = exc.errors()[0]
    loc = ".".join(_field_part(p) for p in first["loc"] if p != "[key]")
    field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc or "input")
    ctx = first.get("ctx") or {}
    reason = _REASONS.get(first["type"])
    if first["type"] == "too_long":
        reason = f"có quá {ctx.get('max_length')} phần tử"
    elif first["type"] == "string_too_long":
        reason = f"dài quá {ctx.get('max_length')} ký tự"
    if reason is None:
        return InvalidInput(field, from_validation(exc, prefix).reason)
    return InvalidInput(field, reason)


def read_capped(path: Path, field: str = "file") -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES.

    Opened without blocking and checked before reading, so a FIFO, a device such as /dev/zero
    or a directory is refused at once instead of hanging or filling memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InvalidInput(field, f"không tìm thấy tệp '{path}'") from None
    except OSError as exc:
        raise InvalidInput(field, f"không đọc được tệp '{path}': {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InvalidInput(
            field, f"'{path}' không phải tệp thông thường (thư mục, thiết bị hay đường ống)"
        )
    with os.fdopen(fd, "rb") as f:
        too_big = f"tệp '{path.name}' lớn quá {MAX_FILE_BYTES // 1024} KiB"
        if info.st_size > MAX_FILE_BYTES:
            raise InvalidInput(field, too_big)
        try:
            data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InvalidInput(field, f"không đọc được tệp '{path}': {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew after the check
        raise InvalidInput(field, too_big)
    return data


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing deep nesting while it composes (before Python's recursion
    limit is near) and aliases (a few lines of anchors can expand to billions of nodes)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def _here(self) -> Any:
        return self.peek_event().start_mark  # type: ignore[no-untyped-call]  # untyped stub

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(
                None,
                None,
                "không dùng tham chiếu (alias *…) trong tệp",
                self._here(),
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"lồng nhau quá {MAX_DEPTH} tầng", self._here())
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_JSON_SPECIAL = re.compile(r'["\\\[\]{}]')


def _json_too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH; one pass, no recursion."""
    depth, in_string, escaped_at = 0, False, -1
    for m in _JSON_SPECIAL.finditer(text):
        i, ch = m.start(), m.group()
        if i == escaped_at:
            continue
        if in_string:
            if ch == "\\":
                escaped_at = i + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


# A number of thousands of digits: Python refuses to convert it (ValueError, not a parse error).
_UNREADABLE_VALUE = "có giá trị không đọc được (số quá nhiều chữ số hoặc ngày tháng sai)"


def load_data(path: Path, field: str = "file") -> Any:
    """The content of a .yaml/.yml/.json file, or InvalidInput naming the file and the problem."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(field, f"chỉ nhận tệp .yaml, .yml hoặc .json (nhận được '{path.name}')")
    try:
        text = read_capped(path, field).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(field, f"tệp '{path.name}' không phải văn bản UTF-8") from None
    if suffix == ".json":
        if _json_too_deep(text):
            raise InvalidInput(field, f"JSON lồng nhau quá {MAX_DEPTH} tầng")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                field, f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}"
            ) from None
        except ValueError:
            raise InvalidInput(field, f"JSON {_UNREADABLE_VALUE}") from None
        except RecursionError:  # the pre-scan should have caught it; never a traceback
            raise InvalidInput(field, f"JSON lồng nhau quá {MAX_DEPTH} tầng") from None
    try:
        return yaml.load(text, Loader=_BoundedLoader)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}"
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InvalidInput(field, f"YAML không hợp lệ{where}: {problem}") from None
    except ValueError:
        raise InvalidInput(field, f"YAML {_UNREADABLE_VALUE}") from None


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
    """A moment in the organisation's zone, dd/mm/yyyy HH:MM; naive ones are taken as UTC."""
    return localtime.clock(moment)


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("có" if value else "không")


def table(title: str, *columns: str) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    for c in columns:
        t.add_column(c)
    return t


def print_error(exc: ThiduaError, *, as_json: bool = False) -> None:
    """One error, once, on stderr: a line for a person, or with --json an object for a
    program (`error`, `field` when one is at fault, `code`: the exit code)."""
    if as_json:
        field = exc.field if isinstance(exc, InvalidInput) else None
        reason = exc.reason if isinstance(exc, InvalidInput) else exc.message
        sys.stderr.write(
            json.dumps({"error": reason, "field": field, "code": exc.exit_code}, ensure_ascii=False)
            + "\n"
        )
        return
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
    claimed_username.set(username)
    actor = authenticate(session, username, secret)
    principal = on_behalf_of.get()
    acting = acting_for(session, actor, principal) if principal else actor
    proven_actor_id.set(acting.id)
    return acting


# Set by the global option --thay-cho: the person the authenticated substitute acts for.
on_behalf_of: ContextVar[str | None] = ContextVar("on_behalf_of", default=None)
