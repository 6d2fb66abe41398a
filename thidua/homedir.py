"""The thidua home (THIDUA_HOME) and the SQLite files in it are readable by their owner only.

They hold every self-assessment, the voter roll, secrets' hashes and Prefect's copy of every form
response: on a shared machine another local user must not be able to read them.
"""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

DIR_MODE = 0o700
FILE_MODE = 0o600
# SQLite's companions take the main file's mode when SQLite creates them; older ones may not.
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _tighten(path: Path) -> None:
    # Only what is ours: chmod on someone else's folder would fail, and is not ours to decide.
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(stat.S_IMODE(info.st_mode) & 0o700)


def private_dir(path: Path) -> Path:
    """Create `path` with mode 0700, or take group and others' rights away if it exists."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path)
    return path


def new_private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 if it is missing, so SQLite never makes it readable
    by others; an existing file keeps its mode (`thidua init` tightens, the doctor warns)."""
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    os.close(fd)
    return path


def private_database(path: Path) -> None:
    """Create the SQLite file 0600, and take others' rights from it and its companions."""
    new_private_file(path)
    for p in sqlite_files(path):
        _tighten(p)


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def sqlite_files(database: Path) -> list[Path]:
    return [p for s in _SQLITE_SUFFIXES if (p := database.with_name(database.name + s)).exists()]


def exposed(home: Path, database: Path | None) -> Iterator[tuple[Path, int]]:
    """The home folder and database files (thidua's and the local Prefect server's) that group
    or others can read or write, with their mode."""
    candidates: list[Path] = [home] if home.is_dir() else []
    databases = [database] if database is not None else []
    databases += sorted(home.glob("*.db")) + sorted((home / "prefect").glob("*.db"))
    for db in dict.fromkeys(p.resolve() for p in databases):
        candidates += sqlite_files(db)
    for path in dict.fromkeys(candidates):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            yield path, mode
