"""Rows of every table, before and after: what a run wrote (net of deletions)."""

import sqlite3
from pathlib import Path

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Engine


def count_rows(engine: Engine) -> dict[str, int]:
    names = inspect(engine).get_table_names()
    with engine.connect() as conn:
        return {
            n: int(conn.execute(select(func.count()).select_from(table(n))).scalar_one())
            for n in names
            if n != "alembic_version"
        }


def count_sqlite_file(path: Path) -> dict[str, int]:
    """Rows of every table of a SQLite file (the Prefect server's database), read-only."""
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def written(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Per-table growth, tables that did not change left out."""
    out = {t: after.get(t, 0) - before.get(t, 0) for t in sorted(set(before) | set(after))}
    return {t: n for t, n in out.items() if n}
