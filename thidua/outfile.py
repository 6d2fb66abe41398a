"""Writing a file the person asked for (--out, --xlsx, --yaml): the right kind, whole or not at
all, and a path that cannot be written is a message naming the option, not a traceback."""

import os
import tempfile
from pathlib import Path

from thidua.errors import InvalidInput


def check_suffix(path: Path, field: str, suffixes: tuple[str, ...]) -> None:
    if path.suffix.lower() not in suffixes:
        kinds = ", ".join(suffixes)
        raise InvalidInput(field, f"tệp phải có đuôi {kinds} (nhận được '{path.name}')")


def write_file(path: Path, data: bytes, *, field: str) -> None:
    """`data` into `path`, replacing it only once written in full (a full disk leaves the old
    file as it was)."""
    if path.is_dir():
        raise InvalidInput(field, f"'{path}' là thư mục; cần đường dẫn của một tệp")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InvalidInput(field, f"không ghi được tệp '{path}': {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InvalidInput(field, f"không ghi được tệp '{path}': {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_new_file(path: Path, data: bytes, *, field: str, what: str) -> None:
    """`data` into a file that must not exist yet: `what` (a form being filled, a draft being
    edited) may be there, and asking again must not wipe that work."""
    if path.exists() or path.is_symlink():
        raise InvalidInput(
            field,
            f"tệp '{path}' đã có (có thể là {what}); chọn tên tệp khác hoặc xóa tệp cũ",
        )
    write_file(path, data, field=field)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
