"""How fast people get answers: `thidua pending` and `thidua submit ballot`, each a fresh
process as a person runs it, against the floor of starting Python and importing the database
layer (`python -c "import thidua.db"`).

`lean_pending` and `lean_ballot` run the same command code with Prefect kept out of the import
path (bench/lean_cli.py): what lazy imports in thidua/cli would give.

The database: 10 synthetic clusters, every campaign in its open vote stage (nobody has voted).
Each ballot is cast by a different unit officer (one ballot per voter); `pending` is asked by
an officer whose unit has not voted. The three commands take turns, so that a slow moment of
the machine falls on all three alike.
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
KINDS = ("import_floor", "pending", "ballot", "lean_pending", "lean_ballot")
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
        for n, (cid, unit) in enumerate(voters[: 2 * runs]):
            path = home / f"ballot-{n}.json"
            ballot = ballot_for(s, load_campaign(s, cid), unit, script())
            path.write_text(json.dumps(ballot.model_dump(mode="json"), ensure_ascii=False))
            jobs.append((cid, officer_username(unit), path))
        assert len(jobs) == 2 * runs, "not enough voters for that many runs"
    with_secret([asker, *(who for _, who, _ in jobs)])
    env = cli_env(THIDUA_SECRET=SECRET)
    lean = [sys.executable, "-m", "bench.lean_cli"]
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    for (cid, voter, path), (cid2, voter2, path2) in zip(jobs[:runs], jobs[runs:], strict=True):
        samples["import_floor"].append(timed_run([sys.executable, "-c", "import thidua.db"], env))
        samples["pending"].append(timed_run([thidua_bin(), "pending", "--actor", asker], env))
        samples["ballot"].append(timed_run([thidua_bin(), *_ballot(cid, voter, path)], env))
        samples["lean_pending"].append(timed_run([*lean, "pending", "--actor", asker], env))
        samples["lean_ballot"].append(timed_run([*lean, *_ballot(cid2, voter2, path2)], env))
    return {"open_campaigns": len(ids), **{k: summary(v) for k, v in samples.items()}}


def _ballot(campaign: int, actor: str, path: Path) -> list[str]:
    args = ["submit", "ballot", "--campaign", str(campaign), "--actor", actor]
    return [*args, "--file", str(path)]
