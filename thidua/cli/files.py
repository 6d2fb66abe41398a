"""Reading the files people give the commands: YAML or JSON (strict, capped), an Excel
workbook's bytes (capped, also in what it unzips to), a text given inline or as a file.

Apart from printing (thidua/cli/io.py), so that a command reading no file imports no parser;
PyYAML is imported only for a YAML file (thidua/cli/yaml_file.py).
"""

import os
import stat
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from thidua.errors import InvalidInput
from thidua.forms.json_text import parse_json
from thidua.limits import MAX_FILE_BYTES

M = TypeVar("M", bound=BaseModel)

SUFFIXES = (".yaml", ".yml", ".json")


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
    from thidua.cli.yaml_file import load_yaml

    return load_yaml(text, field)


def load_model(path: Path, model: type[M], *, data: Any = None, prefix: str = "") -> M:
    """Read `path` (or the already read `data`) into `model`; errors name the field."""
    if data is None:
        data = load_data(path)
    if not isinstance(data, dict):
        raise InvalidInput("file", f"nội dung tệp '{path.name}' phải là một bảng khóa: giá trị")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        from thidua.cli.io import invalid_from

        raise invalid_from(exc, prefix) from None


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
