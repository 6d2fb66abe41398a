"""Run the benchmarks and print what they found (`python -m bench --help`, `thidua bench`).

Every measurement is a child process (`python -m bench.job …`) with its own database and
folder under --out, where its JSON result and log are kept; `results.json` gathers them.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("domain", "profile", "prefect", "latency", "scoring", "web")


def _sizes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks: a simulated cycle at several sizes (domain path and Prefect "
        "path), the floors, CLI latency, and scoring at national scale against SQL.",
    )
    p.add_argument("--sizes", default="1,10,100", help="clusters, domain path (default 1,10,100)")
    p.add_argument(
        "--prefect-sizes", default="1,10", help="clusters, Prefect path (default 1,10; '' none)"
    )
    p.add_argument(
        "--large",
        action="store_true",
        help="add 1000 clusters to the domain path and 100 to the Prefect path (about an hour "
        "on 2 cores: 100 clusters on Prefect is ~500 flow-run process starts)",
    )
    p.add_argument("--scoring-clusters", type=int, default=1000)
    p.add_argument("--latency-runs", type=int, default=15)
    p.add_argument("--profile-clusters", type=int, default=10)
    p.add_argument("--web-sizes", default="10,1000", help="open campaigns, web (default 10,1000)")
    p.add_argument("--web-runs", type=int, default=30, help="web: requests of each kind")
    p.add_argument("--web-cli-runs", type=int, default=5, help="web: CLI runs beside them")
    p.add_argument("--web-crowd", type=int, default=5, help="web: clusters casting at once")
    p.add_argument(
        "--postgres",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        default=None,
        help="also run the scoring and the web on PostgreSQL (databases created, dropped there)",
    )
    p.add_argument("--only", default="", help=f"comma-separated parts of {','.join(PARTS)}")
    p.add_argument("--skip", default="", help="comma-separated parts to leave out")
    p.add_argument("--out", type=Path, default=None, help="folder for results and logs")
    a = p.parse_args(argv)
    a.sizes = _sizes(a.sizes)
    a.prefect_sizes = _sizes(a.prefect_sizes)
    a.web_sizes = _sizes(a.web_sizes)
    if a.large:
        a.sizes = sorted({*a.sizes, 1000})
        a.prefect_sizes = sorted({*a.prefect_sizes, 100})
    only = {x for x in a.only.split(",") if x} or set(PARTS)
    skip = {x for x in a.skip.split(",") if x}
    unknown = (only | skip) - set(PARTS)
    if unknown:
        p.error(f"unknown parts: {', '.join(sorted(unknown))}")
    a.parts = [x for x in PARTS if x in only and x not in skip]
    if a.out is None:
        a.out = Path(".thidua") / "bench" / datetime.now().strftime("%Y%m%d-%H%M%S")
    return a


# ------------------------------------------------------------------ machine


def machine(postgres: str | None) -> dict[str, Any]:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_gb, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "prefect": version("prefect"),
        "sqlalchemy": version("sqlalchemy"),
        "sqlite": sqlite3.sqlite_version,
    }
    if postgres:
        try:
            from sqlalchemy import create_engine, text

            with create_engine(postgres).connect() as conn:
                info["postgresql"] = conn.execute(text("SHOW server_version")).scalar()
        except Exception as exc:  # reported, not fatal: the SQLite figures still stand
            info["postgresql"] = f"unreachable ({type(exc).__name__})"
    return info


# ------------------------------------------------------------------ jobs


def job(out: Path, name: str, kind: str, *args: str, echo: Callable[[str], None]) -> dict[str, Any]:
    """Run `python -m bench.job KIND` in a fresh process; its result, or {"error": …}."""
    home = out / name
    shutil.rmtree(home, ignore_errors=True)  # a fresh database and Prefect home every time
    home.mkdir(parents=True)
    result_file = out / f"{name}.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    for var in ("PREFECT_API_URL", "THIDUA_DATABASE_URL", "THIDUA_HOME"):
        env.pop(var, None)
    cmd = [sys.executable, "-m", "bench.job", kind, "--home", str(home.resolve())]
    cmd += ["--out", str(result_file.resolve()), *args]
    echo(f"  … {name}")
    t = time.perf_counter()
    with (out / f"{name}.log").open("wb") as log:
        done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    took = time.perf_counter() - t
    if done.returncode != 0 or not result_file.exists():
        tail = (out / f"{name}.log").read_text(errors="replace").splitlines()[-5:]
        echo(f"    FAILED ({done.returncode}) after {took:.0f} s: " + " | ".join(tail))
        return {"error": f"exit {done.returncode}", "log": str(out / f"{name}.log")}
    result: dict[str, Any] = json.loads(result_file.read_text())
    result["job_s"] = round(took, 1)
    return result


def _pg_database(server: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database on `server`, and how to drop it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"thidua_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def on_postgres(
    server: str, out: Path, kind: str, *args: str, echo: Callable[[str], None]
) -> dict[str, Any] | None:
    """The job on a fresh PostgreSQL database of `server`, dropped after; None if unreachable."""
    try:
        url, drop = _pg_database(server)
    except Exception as exc:
        echo(f"    PostgreSQL unreachable: {exc}")
        return None
    name = f"{kind}-{args[1]}-postgresql" if kind == "web" else f"{kind}-postgresql"
    try:
        return job(out, name, kind, *args, "--database-url", url, echo=echo)
    finally:
        drop()


def run_all(
    a: argparse.Namespace, echo: Callable[[str], None], command: str = ""
) -> dict[str, Any]:
    out: Path = a.out
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "command": command or " ".join(["python -m bench", *sys.argv[1:]]),
        "machine": machine(a.postgres),
        "domain": {},
        "prefect": {},
        "empty": {},
    }
    t0 = time.perf_counter()
    if "domain" in a.parts:
        echo("Domain path (floor a): thidua's services alone, no Prefect")
        for n in a.sizes:
            results["domain"][str(n)] = job(
                out, f"domain-{n}", "domain", "--clusters", str(n), echo=echo
            )
    if "profile" in a.parts:
        echo(f"Profile of the domain path at {a.profile_clusters} clusters (cProfile)")
        results["profile"] = job(
            out, "profile", "profile", "--clusters", str(a.profile_clusters), echo=echo
        )
    if "prefect" in a.parts:
        echo("Prefect path (server + worker), and floor (b): empty flows, same runs and waits")
        for n in a.prefect_sizes:
            r = results["prefect"][str(n)] = job(
                out, f"prefect-{n}", "prefect", "--clusters", str(n), echo=echo
            )
            waits = r.get("waits") or [4] * n
            results["empty"][str(n)] = job(
                out, f"empty-{n}", "empty", "--waits", ",".join(map(str, waits)), echo=echo
            )
            if str(n) not in results["domain"] and "domain" in a.parts:
                results["domain"][str(n)] = job(
                    out, f"domain-{n}", "domain", "--clusters", str(n), echo=echo
                )
    if "latency" in a.parts:
        echo(f"Latency of the CLI as people run it ({a.latency_runs} runs each)")
        results["latency"] = job(
            out, "latency", "latency", "--runs", str(a.latency_runs), echo=echo
        )
        echo("`thidua pending` for one officer with 10 and with 1000 clusters' campaigns open")
        results["pending_scale"] = {
            str(n): job(
                out,
                f"pending-{n}",
                "pending-scale",
                "--clusters",
                str(n),
                "--runs",
                str(a.latency_runs),
                echo=echo,
            )
            for n in (10, 1000)
        }
    if "scoring" in a.parts:
        echo(f"Scoring and tallying {a.scoring_clusters} clusters vs plain SQL (SQLite)")
        results["scoring"] = {
            "sqlite": job(
                out, "scoring-sqlite", "scoring", "--clusters", str(a.scoring_clusters), echo=echo
            )
        }
        if a.postgres:
            echo("… and on PostgreSQL")
            args = ("--clusters", str(a.scoring_clusters))
            if (pg := on_postgres(a.postgres, out, "scoring", *args, echo=echo)) is not None:
                results["scoring"]["postgresql"] = pg
    if "web" in a.parts:
        echo(f"The portal over HTTP, one Uvicorn process ({a.web_runs} requests each)")
        sizes = ("--runs", str(a.web_runs), "--cli-runs", str(a.web_cli_runs))
        sizes += ("--crowd", str(a.web_crowd))
        results["web"] = {
            str(n): job(out, f"web-{n}", "web", "--clusters", str(n), *sizes, echo=echo)
            for n in a.web_sizes
        }
        if a.postgres:
            echo("… and on PostgreSQL")
            for n in a.web_sizes:
                args = ("--clusters", str(n), *sizes)
                if (pg := on_postgres(a.postgres, out, "web", *args, echo=echo)) is not None:
                    results.setdefault("web_postgresql", {})[str(n)] = pg
    results["total_s"] = round(time.perf_counter() - t0, 1)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return results


def main(argv: list[str] | None = None) -> None:
    from .report import render

    a = parse(argv)
    echo = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    echo(f"thidua bench → {a.out}  (parts: {', '.join(a.parts)})")
    command = " ".join(["python -m bench", *argv]) if argv is not None else ""
    results = run_all(a, echo, command)
    print(render(results))
