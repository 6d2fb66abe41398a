"""The web portal over HTTP: one Uvicorn process on a SQLite database, against floors measured
in the same run.

The database: N synthetic clusters' campaigns open; the first few driven to their vote stage
(nobody has voted), the others waiting for self-assessments. Measured, taking turns so that a
slow moment of the machine falls on all alike:
- the floor: the same server answering a constant page (bench/web_app.py);
- "việc của tôi": the API's pending work (`GET /api/v1/pending`) of an officer whose unit has
  not voted, and the HTML page when the portal serves one;
- casting a ballot through the API, each by another officer;
- the CLI beside them, each command a fresh process: `thidua pending`, `thidua submit ballot`.
Then a crowd: the officers of CROWD clusters cast their ballots at once, each exactly once, and
the ballots and the voter roll are counted: nothing lost, nothing doubled.
"""

import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, func, select

from models import Ballot, StageRun, TokenScope, VoterRoll
from rules.stages import Stage
from simulation.participants import ballot_for
from thidua.db import session_scope
from thidua.sample import ADMIN, officer_username
from thidua.services import api_tokens
from thidua.services.context import get_actor, load_campaign

from .domain import drive_all, prepare, script, start
from .latency import SECRET, cli_env, thidua_bin, timed_run, with_secret
from .procs import cpu_seconds
from .web_app import FLOOR_PATH

ROOT = Path(__file__).resolve().parents[1]
UNITS = 10  # per synthetic cluster
PENDING = "/api/v1/pending"
HTML_PENDING = "/"  # "Việc của tôi", when the portal has it (probed: a page, not a redirect)


def ballot_path(campaign_id: int) -> str:
    return f"/api/v1/campaigns/{campaign_id}/ballot"


def summary_ms(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[18] if len(ordered) > 1 else 0
    return {
        "runs": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round((p95 or ordered[-1]) * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One Uvicorn process serving bench.web_app on the configured database."""

    def __init__(self, home: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = cli_env()
        self.log = (home / "uvicorn.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.web_app:app",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--no-access-log"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def __enter__(self) -> "Server":
        deadline = time.monotonic() + 120  # a busy machine: generous, and polled
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited {self.proc.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.base + FLOOR_PATH, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("uvicorn did not answer within 120 s")

    def cpu_s(self) -> float:
        return cpu_seconds(self.proc.pid)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _tokens(usernames: list[str]) -> dict[str, str]:
    """An `act` token for each officer, issued by the admin as `thidua token issue` does."""
    out = {}
    with session_scope() as s:
        admin = get_actor(s, ADMIN[0])
        for name in usernames:
            _, out[name] = api_tokens.issue(
                s, by=admin, system=f"Cổng thử tải ({name})", actor=get_actor(s, name),
                scope=TokenScope.ACT,
            )  # fmt: skip
    return out


def build(clusters: int, voters: int, crowd: int) -> dict[str, Any]:
    """The database: every campaign open, enough of them in their vote stage for `voters`
    sequential ballots (+ the asker) and the `crowd` clusters; ballots ready as JSON."""
    ids = start(prepare(clusters))
    voting = min(len(ids), crowd + -(-(voters + 1) // UNITS))
    drive_all(ids[:voting], script(), until=Stage.VOTE)
    t = time.perf_counter()
    drive_all(ids[voting:], script(), until=Stage.SELF_ASSESSMENT)
    opened_s = time.perf_counter() - t
    jobs: list[dict[str, Any]] = []
    with session_scope() as s:
        for cid in ids[:voting]:
            view = load_campaign(s, cid)
            for unit in view.members:
                ballot = ballot_for(s, view, unit.code, script())
                jobs.append(
                    {"campaign": cid, "who": officer_username(unit.code),
                     "ballot": ballot.model_dump(mode="json")}
                )  # fmt: skip
    crowd_jobs, rest = jobs[: crowd * UNITS], jobs[crowd * UNITS :]
    if len(rest) < voters + 1:
        raise RuntimeError(f"{len(rest)} voters left for {voters} ballots and an asker")
    return {
        "campaigns": ids,
        "voting": ids[:voting],
        "crowd": crowd_jobs,
        "sequential": rest[:voters],
        "asker": rest[-1],
        "open_stage_s": round(opened_s, 1),
    }


def _check(answer: httpx.Response, what: str) -> None:
    if answer.status_code >= 300:
        raise RuntimeError(f"{what}: HTTP {answer.status_code} {answer.text[:500]}")


def _timed(client: httpx.Client, method: str, path: str, what: str, **kw: Any) -> float:
    t = time.perf_counter()
    answer = client.request(method, path, **kw)
    took = time.perf_counter() - t
    _check(answer, what)
    return took


def sequential(server: Server, plan: dict[str, Any], html: dict[str, str] | None) -> dict[str, Any]:
    asker = plan["asker"]["who"]
    tokens = _tokens([asker, *(j["who"] for j in plan["sequential"])])
    samples: dict[str, list[float]] = {"floor": [], "pending_api": [], "ballot_api": []}
    if html is not None:
        samples["pending_html"] = []
    bearer = {"Authorization": f"Bearer {tokens[asker]}"}
    page = httpx.Client(base_url=server.base, timeout=60, cookies=html or {})
    with httpx.Client(base_url=server.base, timeout=60) as client, page:
        client.get(FLOOR_PATH)  # connections are opened before the first figure
        page.get(FLOOR_PATH)
        for job in plan["sequential"]:
            samples["floor"].append(_timed(client, "GET", FLOOR_PATH, "floor"))
            samples["pending_api"].append(
                _timed(client, "GET", PENDING, "pending", headers=bearer)
            )
            if html is not None:
                samples["pending_html"].append(
                    _timed(page, "GET", HTML_PENDING, "việc của tôi")
                )
            samples["ballot_api"].append(
                _timed(
                    client, "POST", ballot_path(job["campaign"]), "ballot",
                    headers={"Authorization": f"Bearer {tokens[job['who']]}"},
                    json=job["ballot"],
                )
            )
    return {k: summary_ms(v) for k, v in samples.items()}


def cli(plan: dict[str, Any], home: Path) -> dict[str, Any]:
    """The same two things as commands, each a fresh process, on the same database."""
    asker = plan["asker"]["who"]
    spare = plan["cli"]
    with_secret([asker, *(j["who"] for j in spare)])
    env = cli_env(THIDUA_SECRET=SECRET)
    thidua = thidua_bin()
    pending, ballot = [], []
    for n, job in enumerate(spare):
        pending.append(timed_run([thidua, "pending", "--actor", asker], env))
        path = home / f"ballot-{n}.json"
        path.write_text(json.dumps(job["ballot"], ensure_ascii=False), encoding="utf-8")
        args = ["submit", "ballot", "--campaign", str(job["campaign"]), "--actor", job["who"]]
        ballot.append(timed_run([thidua, *args, "--file", str(path)], env))
    return {"pending_cli": summary_ms(pending), "ballot_cli": summary_ms(ballot)}


def crowd(server: Server, jobs: list[dict[str, Any]]) -> dict[str, Any]:
    """Every officer of the crowd's clusters casts at once, each exactly once; then count."""
    tokens = _tokens([j["who"] for j in jobs])
    gate = threading.Barrier(len(jobs))
    took: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def cast(job: dict[str, Any]) -> None:
        with httpx.Client(base_url=server.base, timeout=120) as client:
            client.get(FLOOR_PATH)  # connected before the gate opens
            gate.wait()
            t = time.perf_counter()
            answer = client.post(
                ballot_path(job["campaign"]),
                headers={"Authorization": f"Bearer {tokens[job['who']]}"},
                json=job["ballot"],
            )
            with lock:
                took.append(time.perf_counter() - t)
                statuses.append(answer.status_code)

    threads = [threading.Thread(target=cast, args=(j,)) for j in jobs]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    campaigns = sorted({j["campaign"] for j in jobs})
    with session_scope() as s:
        runs = select(StageRun.id).where(
            col(StageRun.campaign_id).in_(campaigns), StageRun.stage == Stage.VOTE
        )
        ballots = s.exec(select(func.count()).where(col(Ballot.stage_run_id).in_(runs))).one()
        roll = s.exec(select(func.count()).where(col(VoterRoll.stage_run_id).in_(runs))).one()
    expected = len(jobs)
    return {
        "officers": expected,
        "clusters": len(campaigns),
        "accepted": sum(1 for c in statuses if c < 300),
        "refused": sum(1 for c in statuses if 400 <= c < 500),
        "errors": sum(1 for c in statuses if c >= 500),
        "wall_s": round(wall, 2),
        **summary_ms(took),
        "ballots": ballots,
        "voter_roll": roll,
        "lost": max(0, expected - ballots),
        "doubled": max(0, ballots - expected) + max(0, roll - expected),
    }


def measure(
    clusters: int, runs: int, cli_runs: int, crowd_clusters: int, home: Path
) -> dict[str, Any]:
    t = time.perf_counter()
    plan = build(clusters, runs + cli_runs, crowd_clusters)
    plan["cli"] = plan["sequential"][runs:]
    plan["sequential"] = plan["sequential"][:runs]
    setup = time.perf_counter() - t
    with Server(home) as server:
        cpu0 = server.cpu_s()
        html = html_session(server, plan["asker"]["who"])
        http = sequential(server, plan, html)
        crowd_result = crowd(server, plan["crowd"])
        server_cpu = server.cpu_s() - cpu0
    return {
        "open_campaigns": len(plan["campaigns"]),
        "vote_campaigns": len(plan["voting"]),
        "setup_s": round(setup, 1),
        "open_stage_s": plan["open_stage_s"],
        **http,
        "html_pending": html is not None,
        **cli(plan, home),
        "crowd": crowd_result,
        "server_cpu_s": round(server_cpu, 2),
    }


def html_session(server: Server, username: str) -> dict[str, str] | None:
    """Cookies of a session signed in through the sign-in form, for the HTML "việc của tôi";
    None when the portal has no such page (the API's pending is measured alone then)."""
    import re

    from thidua.services.auth import set_secret

    with session_scope() as s:
        set_secret(s, get_actor(s, username), SECRET)
    with httpx.Client(base_url=server.base, timeout=60, follow_redirects=False) as client:
        form = client.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if form.status_code != 200 or token is None:
            return None
        fields = {"username": username, "secret": SECRET, "next": "/", "csrf_token": token[1]}
        if client.post("/signin", data=fields).status_code != 303:
            return None
        if client.get(HTML_PENDING).status_code != 200:
            return None
        return dict(client.cookies)
