"""Scoring and tallying at national scale, against the same aggregation in plain SQL.

1000 clusters of 10 units are created (`simulation.synthetic.load_synthetic`) and a cycle started
for them (`start_cycle`); then every campaign is put straight into an open peer-review stage
with every self-assessment and peer review in, by bulk inserts (executemany on SQLite, COPY on
PostgreSQL for the score lines): 10 000 self-assessments, 90 000 reviews, 1.8 million
peer-score rows. Then, timed:

- SQL, peer review: one statement per variant, all clusters at once — the consolidated score
  and rank of every unit from the stored review totals (what the service reads), and from the
  1.8 million peer-score lines (totals recomputed);
- service, peer review: `close_stage` for every campaign, each in its own transaction as the
  stage task runs it (consolidate, rank, store, audit, notify, open the vote); and the closer's
  computation alone (read rows, consolidate, rank), rolled back;
- the same for the vote: ten secret ballots per campaign are bulk-inserted, then one SQL
  statement counts every question of every cluster, against `close_stage` (tally, minutes
  document, audit) and the tally's computation alone.
"""

import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import (
    Ballot,
    StageRun,
)
from rules.results import BallotContent
from rules.stages import Stage
from rules.tally import tally
from thidua.db import get_engine, session_scope
from thidua.services import gaps
from thidua.services import stages as stage_service
from thidua.services.context import load_campaign
from thidua.services.progress import Verdict
from thidua.services.results import ranking_of

from .bulkload import fill_peer_review, fill_votes
from .domain import prepare, start


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


# ------------------------------------------------------------------ the same work, in SQL

_OPEN = "r.closed_at IS NULL AND r.stage = '{stage}'"

_OWN = """
own AS (
  SELECT r2.campaign_id, sa.unit_id, sa.total
  FROM selfassessment sa JOIN stagerun r2 ON r2.id = sa.stage_run_id
  WHERE r2.stage = 'SELF_ASSESSMENT' AND sa.status = 'SUBMITTED'
    AND NOT EXISTS (SELECT 1 FROM selfassessment n WHERE n.stage_run_id = sa.stage_run_id
                    AND n.unit_id = sa.unit_id AND n.version > sa.version)
)"""

_RANK = """
SELECT campaign_id, unit_id, peer_mean, n, consolidated,
       RANK() OVER (PARTITION BY campaign_id ORDER BY consolidated DESC) AS rank
FROM (
  SELECT r.campaign_id, p.unit_id, ROUND(CAST(p.peer_mean AS NUMERIC), 2) AS peer_mean, p.n,
         ROUND(CAST(COALESCE(0.3 * own.total + 0.7 * ROUND(CAST(p.peer_mean AS NUMERIC), 2),
                             ROUND(CAST(p.peer_mean AS NUMERIC), 2)) AS NUMERIC), 2)
           AS consolidated
  FROM peer p JOIN stagerun r ON r.id = p.stage_run_id
  LEFT JOIN own ON own.campaign_id = r.campaign_id AND own.unit_id = p.unit_id
) scored"""

SQL_FROM_TOTALS = f"""
WITH peer AS (
  SELECT pr.stage_run_id, pr.reviewee_unit_id AS unit_id, AVG(pr.total) AS peer_mean,
         COUNT(*) AS n
  FROM peerreview pr JOIN stagerun r ON r.id = pr.stage_run_id
  WHERE {_OPEN.format(stage="PEER_REVIEW")}
  GROUP BY pr.stage_run_id, pr.reviewee_unit_id
), {_OWN}
{_RANK}"""

SQL_FROM_SCORES = f"""
WITH totals AS (
  SELECT pr.stage_run_id, pr.reviewee_unit_id, SUM(ps.points) AS total
  FROM peerscore ps JOIN peerreview pr ON pr.id = ps.review_id
  JOIN stagerun r ON r.id = pr.stage_run_id
  WHERE {_OPEN.format(stage="PEER_REVIEW")}
  GROUP BY ps.review_id, pr.stage_run_id, pr.reviewee_unit_id
), peer AS (
  SELECT stage_run_id, reviewee_unit_id AS unit_id, AVG(total) AS peer_mean, COUNT(*) AS n
  FROM totals GROUP BY stage_run_id, reviewee_unit_id
), {_OWN}
{_RANK}"""


def sql_tally(dialect: str) -> str:
    if dialect == "postgresql":
        field = "b.content->>'{q}'"
        titles = "json_each_text(b.content->'titles') AS j"
        key, value = "j.key", "j.value"
    else:
        field = "json_extract(b.content, '$.{q}')"
        titles = "json_each(b.content, '$.titles') AS j"
        key, value = "j.key", "CAST(j.value AS TEXT)"
    parts = [
        f"SELECT b.stage_run_id, '{q}' AS question, {field.format(q=q)} AS answer, "
        f"COUNT(*) AS votes FROM ballot b JOIN stagerun r ON r.id = b.stage_run_id "
        f"WHERE {_OPEN.format(stage='VOTE')} GROUP BY 1, 2, 3"
        for q in ("acclaim", "leader", "deputy")
    ]
    parts.append(
        f"SELECT b.stage_run_id, 'title:' || {key}, {value}, COUNT(*) FROM ballot b "
        f"JOIN stagerun r ON r.id = b.stage_run_id, {titles} "
        f"WHERE {_OPEN.format(stage='VOTE')} GROUP BY 1, 2, 3"
    )
    return "\nUNION ALL\n".join(parts)


def _sql(engine: Engine, statement: str, repeat: int = 3) -> tuple[float, list[Any]]:
    """Median of `repeat` runs, every row fetched into Python."""
    times, rows = [], []
    for _ in range(repeat):
        with engine.connect() as conn:
            t = time.perf_counter()
            rows = list(conn.execute(text(statement)).fetchall())
            times.append(time.perf_counter() - t)
    return statistics.median(times), rows


def _same_scores(sql_rows: list[Any], campaign_id: int) -> bool:
    """The SQL's consolidated scores of one campaign are the service's (to the cent; floats
    against exact decimals)."""
    from_sql = {int(r[1]): float(r[4]) for r in sql_rows if int(r[0]) == campaign_id}
    with session_scope() as s:
        view = load_campaign(s, campaign_id)
        ranking = ranking_of(s, campaign_id) or []
    ids = {u.code: u.id for u in view.members}
    return len(ranking) == len(from_sql) > 0 and all(
        abs(from_sql[ids[r.unit]] - float(r.consolidated)) <= 0.011 for r in ranking
    )


# ------------------------------------------------------------------ the services


def _campaign_runs(stage: Stage) -> list[tuple[int, int]]:
    with session_scope() as s:
        return [
            (c, r)
            for c, r in s.exec(
                select(StageRun.campaign_id, StageRun.id).where(  # type: ignore[call-overload]
                    StageRun.stage == stage,
                    StageRun.closed_at.is_(None),  # type: ignore[union-attr]
                )
            ).all()
        ]


def service_compute(stage: Stage) -> float:
    """The closer's computation for every campaign (rows read, results computed), rolled back.
    Peer review: the rankings of every open review at once, read in batches of columns
    (`gaps.open_reviews`, `gaps.rankings`: what each close runs for its own review)."""
    if stage == Stage.PEER_REVIEW:
        t = time.perf_counter()
        with Session(get_engine()) as s:
            reviews = gaps.open_reviews(s)
            assert reviews
            gaps.rankings(s, reviews)
            s.rollback()
        return time.perf_counter() - t
    pairs = _campaign_runs(stage)
    t = time.perf_counter()
    for campaign_id, run_id in pairs:
        with Session(get_engine()) as s:
            view = load_campaign(s, campaign_id)
            ranking = ranking_of(s, campaign_id)
            assert ranking is not None
            ballots = [
                BallotContent.model_validate(b.content)
                for b in s.exec(select(Ballot).where(Ballot.stage_run_id == run_id)).all()  # type: ignore[call-overload]
            ]
            tally(view.rules, ballots, ranking)
            s.rollback()
    return time.perf_counter() - t


def per_campaign_compute() -> float:
    """The peer-review closer's computation campaign by campaign, each in its own session with
    the campaign loaded first, as one campaign's close does it; rolled back."""
    pairs = _campaign_runs(Stage.PEER_REVIEW)
    t = time.perf_counter()
    for campaign_id, run_id in pairs:
        with Session(get_engine()) as s:
            view = load_campaign(s, campaign_id)
            run = s.get(StageRun, run_id)
            assert run is not None
            stage_service._close_peer_review(s, view, run)
            s.rollback()
    return time.perf_counter() - t


def service_close(stage: Stage) -> tuple[float, int, float]:
    """`close_stage` for every campaign, one transaction each, as the stage task runs it.
    Returns wall seconds, campaigns closed and this process's CPU seconds (on a machine shared
    with other work, the CPU time is the steadier figure)."""
    pairs = _campaign_runs(stage)
    t, cpu = time.perf_counter(), time.process_time()
    for campaign_id, run_id in pairs:
        with session_scope() as s:
            run = s.get(StageRun, run_id)
            assert run is not None
            stage_service.close_stage(s, load_campaign(s, campaign_id), run, Verdict.CONFIRMED)
    return time.perf_counter() - t, len(pairs), time.process_time() - cpu


def run(clusters: int, pending: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Generate, then time SQL and the services; `pending` is timed on the 1000 open campaigns
    (every review in, the leader's confirmation given) before they are closed."""
    engine = get_engine()
    out: dict[str, Any] = {"clusters": clusters, "backend": engine.dialect.name}
    gen: dict[str, float] = {}
    gen["organisation_s"], codes = _timed(lambda: prepare(clusters))
    gen["start_cycle_s"], _ = _timed(lambda: start(codes))
    gen["bulk_peer_review_s"], out["rows_generated"] = _timed(lambda: fill_peer_review(engine))
    out["generate"] = {k: round(v, 2) for k, v in gen.items()}

    peer: dict[str, Any] = {}
    peer["sql_from_totals_s"], rows = _sql(engine, SQL_FROM_TOTALS)
    peer["sql_from_scores_s"], rows2 = _sql(engine, SQL_FROM_SCORES)
    assert len(rows) == len(rows2) == clusters * 10, (len(rows), len(rows2))
    if pending is not None:
        out["pending_at_scale"] = pending()
    peer["service_compute_s"] = service_compute(Stage.PEER_REVIEW)
    peer["per_campaign_compute_s"] = per_campaign_compute()
    peer["service_close_s"], closed, cpu = service_close(Stage.PEER_REVIEW)
    assert closed == clusters
    peer["close_ms_per_campaign"] = 1000 * peer["service_close_s"] / closed
    peer["close_cpu_ms_per_campaign"] = 1000 * cpu / closed
    out["peer_review"] = {k: round(v, 3) for k, v in peer.items()}
    out["peer_review"]["sql_matches_service"] = _same_scores(rows, int(rows[0][0]))

    t, votes = _timed(lambda: fill_votes(engine))
    out["generate"]["bulk_votes_s"] = round(t, 2)
    out["rows_generated"].update(votes)
    vote: dict[str, Any] = {}
    vote["sql_tally_s"], _ = _sql(engine, sql_tally(engine.dialect.name))
    vote["service_compute_s"] = service_compute(Stage.VOTE)
    vote["service_close_s"], closed, cpu = service_close(Stage.VOTE)
    assert closed == clusters
    vote["close_ms_per_campaign"] = 1000 * vote["service_close_s"] / closed
    vote["close_cpu_ms_per_campaign"] = 1000 * cpu / closed
    out["vote"] = {k: round(v, 3) for k, v in vote.items()}
    return out
