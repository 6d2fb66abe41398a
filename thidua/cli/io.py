"""What every command shares: reading input files, printing JSON, tables, times and errors.

Only JSON (with --json) or a document's raw text goes to stdout for read commands; errors and
notes go to stderr, so `thidua status --json | jq` always gets clean JSON.
"""

import json
import os
import stat
import sys
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
from thidua.cli.context import on_behalf_of
from thidua.errors import InvalidInput, Problem, ThiduaError, field_path, reason_of
from thidua.forms.json_text import DUPLICATE as _DUPLICATE
from thidua.forms.json_text import UNREADABLE_VALUE as _UNREADABLE_VALUE
from thidua.forms.json_text import field_part as _field_part
from thidua.forms.json_text import key_text as _key_text
from thidua.forms.json_text import parse_json
from thidua.forms.json_text import refuse_duplicates as _refuse_duplicates
from thidua.limits import MAX_DEPTH, MAX_FILE_BYTES
from thidua.parse_errors import yaml_reason
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


def invalid_from(exc: ValidationError, prefix: str = "") -> InvalidInput:
    """Every pydantic error as a Problem naming its field (one path style), in Vietnamese."""
    return InvalidInput.of(
        [
            Problem(field_path([_field_part(p) for p in e["loc"]], prefix), reason_of(e))
            for e in exc.errors()
        ]
    )


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


# A workbook is capped twice: its file (MAX_FILE_BYTES) and what it unzips to, read from the
# zip's directory (zipfile stops at the declared size and fails the checksum of a liar), so a
# megabyte of zip bomb cannot unpack a gigabyte of rows into memory.
MAX_UNZIPPED = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 200


def read_xlsx_capped(path: Path, field: str = "file") -> bytes:
    """The bytes of an .xlsx file, capped as read_capped and in what it unzips to."""
    import io
    import zipfile

    data = read_capped(path, field)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise InvalidInput(field, f"tệp '{path.name}' không phải bảng tính .xlsx") from None
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise InvalidInput(
            field,
            f"tệp '{path.name}' giải nén ra quá lớn (quá {MAX_ZIP_ENTRIES} phần "
            f"hoặc {MAX_UNZIPPED // 1024 // 1024} MiB)",
        )
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

    def get_single_data(self) -> Any:
        # Checked on the composed tree, where each key still has its line: PyYAML itself lets
        # the last of two equal keys win, silently dropping a score the person typed.
        node = self.get_single_node()
        if node is None:
            return None
        _refuse_duplicates(_yaml_duplicates(node))
        return self.construct_document(node)


def _yaml_duplicates(root: Any) -> list[Problem]:
    """Keys written twice in one mapping, anywhere in the document, with their paths and lines."""
    found: list[Problem] = []
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            lines: dict[object, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                child = f"{path}.{_key_text(name)}" if path else _key_text(name)
                if name is not None and name in lines:
                    where = f"dòng {lines[name]} và dòng {key.start_mark.line + 1}"
                    found.append(Problem(child, f"{_DUPLICATE} (ở {where})"))
                elif name is not None:
                    lines[name] = key.start_mark.line + 1
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node.value))
    return sorted(found, key=lambda p: p.field)


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
        return parse_json(text, field)
    try:
        return yaml.load(text, Loader=_BoundedLoader)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}"
        problem = yaml_reason(getattr(exc, "problem", None) or type(exc).__name__)
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


def text_or_file(text: str | None, file: Path | None) -> str:
    """The text given with --text, or read from --file (UTF-8, bounded): exactly one of them."""
    if (file is None) == (text is None):
        raise InvalidInput("text", "cần đúng một trong --file hoặc --text")
    if file is None:
        assert text is not None
        return text
    try:
        return read_capped(file).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file", f"tệp '{file.name}' không phải văn bản UTF-8") from None
