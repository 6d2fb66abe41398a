"""One measurement in a fresh process: `python -m bench.job KIND --clusters N --home DIR --out F`.

KIND is `domain` (floor (a) and the domain path), `prefect` (the Prefect path), `empty`
(floor (b); `--waits 4,4,…`), `profile` (the domain path under cProfile), `latency` (the CLI
as people run it), `scoring` (scoring and tallying at scale against plain SQL) or `web` (the
portal and its API over HTTP, bench/web.py). The result is
written as JSON to F; this process's own CPU time and peak memory are in it.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from pathlib import Path
from typing import Any


def _use_home(home: Path, database_url: str | None) -> None:
    home.mkdir(parents=True, exist_ok=True)
    os.environ["THIDUA_HOME"] = str(home)
    os.environ["THIDUA_DATABASE_URL"] = database_url or f"sqlite:///{home / 'thidua.db'}"
    os.environ.pop("PREFECT_API_URL", None)


def domain(clusters: int, profile: Path | None = None) -> dict[str, Any]:
    from .domain import closed_stage_runs, drive_all, engine, prepare, script, start
    from .procs import self_cpu, self_hwm_mb
    from .rows import count_rows, written

    t = time.perf_counter()
    codes = prepare(clusters)
    setup = time.perf_counter() - t
    before = count_rows(engine())
    profiler = cProfile.Profile(time.process_time) if profile else None
    cpu0, t0 = self_cpu(), time.perf_counter()
    if profiler:
        profiler.enable()
    drive_all(start(codes), script())
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - t0, self_cpu() - cpu0
    rows = written(before, count_rows(engine()))
    transitions = closed_stage_runs()
    result: dict[str, Any] = {
        "path": "domain",
        "clusters": clusters,
        "setup_s": round(setup, 2),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_mb": {"client_mb": round(self_hwm_mb(), 1)},
        "transitions": transitions,
        "transitions_per_s": round(transitions / wall, 3),
        "rows": sum(rows.values()),
        "rows_by_table": rows,
    }
    if profiler and profile:
        profiler.dump_stats(profile)
        result["profile"] = str(profile)
    return result


def summarize_profile(path: Path, top: int = 40) -> str:
    text = io.StringIO()
    stats = pstats.Stats(str(path), stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


PROJECT = ("thidua/", "rules/", "models/", "documents/", "notifications/", "flows/", "tasks/")


def _package(file: str, name: str) -> str:
    """Where a profiled function lives: a project package, a library, the standard library, or
    the C code of sqlite3 and the interpreter."""
    if file == "~":
        return "sqlite3 (C)" if "sqlite3" in name else "builtins (C)"
    if "site-packages/" in file:
        return file.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    root = str(Path(__file__).resolve().parents[1]) + "/"
    if file.startswith(root):
        return file[len(root) :].split("/")[0]
    if "/lib/python3" in file:
        rest = file.split("/lib/python3")[1].split("/", 1)[-1]
        return "stdlib " + rest.split("/")[0].removesuffix(".py")
    return file


def profile_summary(path: Path) -> dict[str, Any]:
    """Own time by package, and the project's functions by cumulative time."""
    stats = pstats.Stats(str(path))
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _cc, _nc, tt, _ct, _callers in table.values())
    packages: dict[str, float] = {}
    functions = []
    root = str(Path(__file__).resolve().parents[1]) + "/"
    for (file, line, name), (_cc, nc, tt, ct, _callers) in table.items():
        pkg = _package(file, name)
        packages[pkg] = packages.get(pkg, 0.0) + tt
        if file.startswith(root) and file[len(root) :].startswith(PROJECT):
            functions.append(
                {
                    "function": f"{file[len(root) :]}:{line}({name})",
                    "calls": nc,
                    "cumulative_s": round(ct, 3),
                    "share": round(ct / total, 3),
                }
            )
    functions.sort(key=lambda r: float(r["cumulative_s"]), reverse=True)
    return {
        "total_s": round(total, 3),
        "by_package": [
            {"package": k, "own_s": round(v, 3), "share": round(v / total, 3)}
            for k, v in sorted(packages.items(), key=lambda kv: kv[1], reverse=True)[:15]
        ],
        "project_cumulative": functions[:30],
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.job")
    kinds = ["domain", "prefect", "empty", "profile", "latency", "pending-scale", "scoring", "web"]
    p.add_argument("kind", choices=kinds)
    p.add_argument("--runs", type=int, default=15, help="latency: runs of each command")
    p.add_argument("--clusters", type=int, default=1)
    p.add_argument("--cli-runs", type=int, default=5, help="web: runs of each CLI command")
    p.add_argument("--crowd", type=int, default=5, help="web: clusters whose officers cast at once")
    p.add_argument("--waits", default="", help="empty: waits per campaign, comma-separated")
    p.add_argument("--home", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--database-url", default=None)
    a = p.parse_args(argv)
    _use_home(a.home, a.database_url)
    if a.kind == "domain":
        result = domain(a.clusters)
    elif a.kind == "profile":
        result = domain(a.clusters, profile=a.home / "domain.prof")
        (a.home / "profile.txt").write_text(summarize_profile(a.home / "domain.prof"))
        result["profile_text"] = str(a.home / "profile.txt")
        result.update(profile_summary(a.home / "domain.prof"))
    elif a.kind == "latency":
        from .latency import measure

        result = measure(a.runs, a.home)
    elif a.kind == "pending-scale":
        from .latency import scale

        result = scale(a.clusters, a.runs)
    elif a.kind == "scoring":
        from simulation.synthetic import unit_code
        from thidua.sample import officer_username

        from .latency import pending_runs
        from .scoring import run

        result = run(a.clusters, pending=lambda: pending_runs(officer_username(unit_code(1, 0)), 3))
    elif a.kind == "web":
        from .web import measure as web

        result = web(a.clusters, a.runs, a.cli_runs, a.crowd, a.home)
    elif a.kind == "prefect":
        from .prefect_path import thidua_cycle

        result = thidua_cycle(a.clusters, a.home)
    else:
        from .prefect_path import empty_floor

        result = empty_floor([int(k) for k in a.waits.split(",") if k], a.home)
    a.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
