"""How fast people get answers, each command a fresh process as a person runs it, against
floors measured in the same run: `python -c "import typer"` for help, and
`python -c "import thidua.db"` (Python and the database layer) for commands that read or write.

The database: 10 synthetic clusters, every campaign in its open vote stage (nobody has voted).
Each ballot is cast by a different unit officer (one ballot per voter); `pending` and `status`
are asked by an officer whose unit has not voted. The commands take turns, so that a slow
moment of the machine falls on all of them alike. `scale` measures `pending` for one officer
with N clusters' campaigns open, to compare 1000 with 10.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rules.stages import Stage
from simulation.participants import ballot_for
from thidua.db import session_scope
from thidua.sample import officer_username
from thidua.services.auth import set_secret
from thidua.services.context import get_actor, load_campaign

from .domain import drive_all, prepare, script, start

SECRET = "bi-mat-benchmark"
KINDS = ("typer_floor", "typer_help_floor", "help", "import_floor", "pending", "status", "ballot")
HELP_RUNS = 3  # per command, for `thidua <command> --help`
ROOT = Path(__file__).resolve().parents[1]


def thidua_bin() -> str:
    candidate = Path(sys.executable).with_name("thidua")
    return str(candidate) if candidate.exists() else "thidua"


def summary(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else 0
    return {
        "runs": len(ordered),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95 or ordered[-1], 3),
        "min_s": round(ordered[0], 3),
        "max_s": round(ordered[-1], 3),
    }


def timed_run(args: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-500:]}")
    return elapsed


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # nothing to wake: a ballot does not resume a run
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def with_secret(usernames: list[str]) -> None:
    with session_scope() as s:
        for name in usernames:
            set_secret(s, get_actor(s, name), SECRET)


def pending_runs(actor: str, runs: int) -> dict[str, Any]:
    """`thidua pending --actor X` on whatever database is configured (the secret set first)."""
    with_secret([actor])
    env = cli_env(THIDUA_SECRET=SECRET)
    return summary(
        [timed_run([thidua_bin(), "pending", "--actor", actor], env) for _ in range(runs)]
    )


def measure(runs: int, home: Path) -> dict[str, Any]:
    ids = start(prepare(10))
    drive_all(ids, script(), until=Stage.VOTE)
    voters: list[tuple[int, str]] = []
    with session_scope() as s:
        for cid in ids:
            view = load_campaign(s, cid)
            voters += [(cid, u.code) for u in view.members]
        asker = officer_username(voters[-1][1])
        jobs = []
        for n, (cid, unit) in enumerate(voters[:runs]):
            path = home / f"ballot-{n}.json"
            ballot = ballot_for(s, load_campaign(s, cid), unit, script())
            path.write_text(json.dumps(ballot.model_dump(mode="json"), ensure_ascii=False))
            jobs.append((cid, officer_username(unit), path))
        assert len(jobs) == runs, "not enough voters for that many runs"
    with_secret([asker, *(who for _, who, _ in jobs)])
    env = cli_env(THIDUA_SECRET=SECRET)
    thidua = thidua_bin()
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    for cid, voter, path in jobs:
        samples["typer_floor"].append(timed_run([sys.executable, "-c", "import typer"], env))
        samples["typer_help_floor"].append(
            timed_run([sys.executable, "-m", "bench.typer_floor", "--help"], env)
        )
        samples["help"].append(timed_run([thidua, "--help"], env))
        samples["import_floor"].append(timed_run([sys.executable, "-c", "import thidua.db"], env))
        samples["pending"].append(timed_run([thidua, "pending", "--actor", asker], env))
        samples["status"].append(timed_run([thidua, "status", "--actor", asker], env))
        samples["ballot"].append(timed_run([thidua, *_ballot(cid, voter, path)], env))
    return {
        "open_campaigns": len(ids),
        **{k: summary(v) for k, v in samples.items()},
        "help_each": help_each(env),
    }


def help_each(env: dict[str, str]) -> dict[str, Any]:
    """`thidua <command> --help` for every command, each beside its own typer floor."""
    from thidua.cli.command_index import COMMANDS

    out: dict[str, Any] = {}
    for name, *_ in COMMANDS:
        floor, took = [], []
        for _ in range(HELP_RUNS):
            floor.append(timed_run([sys.executable, "-c", "import typer"], env))
            took.append(timed_run([thidua_bin(), name, "--help"], env))
        out[name] = {
            "median_s": round(statistics.median(took), 3),
            "floor_median_s": round(statistics.median(floor), 3),
        }
    return out


def scale(clusters: int, runs: int) -> dict[str, Any]:
    """`thidua pending` for one officer with every campaign of `clusters` clusters open."""
    from simulation.synthetic import unit_code

    ids = start(prepare(clusters))
    return {"open_campaigns": len(ids), **pending_runs(officer_username(unit_code(1, 0)), runs)}


def _ballot(campaign: int, actor: str, path: Path) -> list[str]:
    args = ["submit", "ballot", "--campaign", str(campaign), "--actor", actor]
    return [*args, "--file", str(path)]
