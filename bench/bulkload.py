"""Bulk loading for the scoring benchmark: every campaign straight into an open stage with its
submissions in (executemany on SQLite, COPY on PostgreSQL for the score lines)."""

import random
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, text, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import select

from models import (
    Actor,
    Ballot,
    Campaign,
    CampaignStatus,
    MemberRole,
    Membership,
    PeerReview,
    PeerScore,
    Role,
    SelfAssessment,
    SelfScore,
    StageRun,
    SubmissionStatus,
    VoterRoll,
)
from models.types import utcnow
from rules.results import BallotContent
from rules.stages import Stage
from thidua.db import session_scope
from thidua.services.context import load_campaign, open_stage_run
from thidua.services.results import ranking_of

from .domain import YEAR
from .scheme import bench_rules

SHA = "0" * 64


def _next_id(conn: Connection, model: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one()) + 1


def _sheet_maker(rng: random.Random) -> Callable[[float], tuple[list[tuple[str, float]], float]]:
    """Score sheets of the 20-criterion scheme at about `quality` of each maximum."""
    criteria = [
        (c.code, float(c.max_points), float(c.step or Decimal("0.01")))
        for c in bench_rules().scheme.criteria
    ]

    def sheet(quality: float) -> tuple[list[tuple[str, float]], float]:
        lines = []
        for code, top, step in criteria:
            q = min(max(quality + rng.uniform(-0.03, 0.03), 0.0), 1.0)
            lines.append((code, round(int(q * top / step) * step, 2)))
        return lines, round(sum(p for _, p in lines), 2)

    return sheet


def _copy_rows(conn: Connection, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """Bulk-load score lines: COPY on PostgreSQL, executemany on SQLite."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cur = raw.cursor()
    if conn.dialect.name == "postgresql":
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
    else:
        marks = ",".join("?" * len(columns.split(",")))
        cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    cur.close()


def _fix_sequences(conn: Connection, tables: list[str]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for t in tables:
        conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
        )


def fill_peer_review(engine: Engine, seed: int = 7) -> dict[str, int]:
    """Every campaign into an open, confirmed peer-review stage with all its inputs in."""
    rng = random.Random(seed)
    sheet = _sheet_maker(rng)
    now = utcnow()
    due = now.replace(year=now.year + 1)
    counts = {"selfassessment": 0, "selfscore": 0, "peerreview": 0, "peerscore": 0}
    with engine.begin() as conn:
        campaigns = conn.execute(select(Campaign.id, Campaign.cluster_id)).all()
        members: dict[int, list[int]] = {}
        leaders: dict[int, int] = {}
        for cluster_id, unit_id, role in conn.execute(
            select(Membership.cluster_id, Membership.unit_id, Membership.role).where(
                Membership.year == YEAR
            )
        ):
            members.setdefault(cluster_id, []).append(unit_id)
            if role == MemberRole.LEADER:
                leaders[cluster_id] = unit_id
        officer = dict(
            conn.execute(
                select(Actor.unit_id, Actor.id).where(Actor.role == Role.UNIT_OFFICER)
            ).all()
        )
        commander = dict(
            conn.execute(
                select(Actor.unit_id, Actor.id).where(Actor.role == Role.CLUSTER_LEADER)
            ).all()
        )
        run_id, sa_id, ss_id = (_next_id(conn, m) for m in (StageRun, SelfAssessment, SelfScore))
        pr_id, ps_id = _next_id(conn, PeerReview), _next_id(conn, PeerScore)
        runs, sas, reviews = [], [], []
        selfscores: list[tuple[Any, ...]] = []
        peerscores: list[tuple[Any, ...]] = []
        for campaign_id, cluster_id in campaigns:
            units = members[cluster_id]
            quality = {u: rng.uniform(0.80, 0.97) for u in units}
            sa_run, pr_run = run_id, run_id + 1
            run_id += 2
            runs.append(
                dict(
                    id=sa_run,
                    campaign_id=campaign_id,
                    stage=Stage.SELF_ASSESSMENT,
                    attempt=1,
                    opened_at=now,
                    due_at=due,
                    on_deadline="close",
                    confirmed_by=commander[leaders[cluster_id]],
                    closed_at=now,
                    close_reason="confirmed",
                    result_json={"submitted": [], "missing": []},
                )
            )
            runs.append(
                dict(
                    id=pr_run,
                    campaign_id=campaign_id,
                    stage=Stage.PEER_REVIEW,
                    attempt=1,
                    opened_at=now,
                    due_at=due,
                    on_deadline="close",
                    confirmed_by=commander[leaders[cluster_id]],
                    closed_at=None,
                    close_reason=None,
                    result_json=None,
                )
            )
            for u in units:
                lines, total = sheet(min(quality[u] + 0.02, 1.0))
                sas.append(
                    dict(
                        id=sa_id,
                        stage_run_id=sa_run,
                        unit_id=u,
                        version=1,
                        status=SubmissionStatus.SUBMITTED,
                        total=total,
                        achievements="",
                        shortcomings="",
                        evidence=[],
                        content_sha256=SHA,
                        submitted_by=officer[u],
                        submitted_at=now,
                    )
                )
                selfscores += [(ss_id + i, sa_id, c, p) for i, (c, p) in enumerate(lines)]
                ss_id += len(lines)
                sa_id += 1
                for v in units:
                    if v == u:
                        continue
                    lines, total = sheet(quality[v] - rng.uniform(0.0, 0.05))
                    reviews.append(
                        dict(
                            id=pr_id,
                            stage_run_id=pr_run,
                            reviewer_unit_id=u,
                            reviewee_unit_id=v,
                            total=total,
                            comment="",
                            content_sha256=SHA,
                            submitted_by=officer[u],
                            submitted_at=now,
                        )
                    )
                    peerscores += [(ps_id + i, pr_id, c, p) for i, (c, p) in enumerate(lines)]
                    ps_id += len(lines)
                    pr_id += 1
        conn.execute(StageRun.__table__.insert(), runs)  # type: ignore[attr-defined]
        conn.execute(SelfAssessment.__table__.insert(), sas)  # type: ignore[attr-defined]
        _copy_rows(conn, "selfscore", "id, assessment_id, item_code, points", selfscores)
        conn.execute(PeerReview.__table__.insert(), reviews)  # type: ignore[attr-defined]
        _copy_rows(conn, "peerscore", "id, review_id, item_code, points", peerscores)
        conn.execute(
            update(Campaign).values(
                stage=Stage.PEER_REVIEW, status=CampaignStatus.WAITING, updated_at=now
            )
        )
        _fix_sequences(conn, ["stagerun", "selfassessment", "selfscore", "peerreview", "peerscore"])
        counts = {
            "stagerun": len(runs),
            "selfassessment": len(sas),
            "selfscore": len(selfscores),
            "peerreview": len(reviews),
            "peerscore": len(peerscores),
        }
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return counts


def fill_votes(engine: Engine, seed: int = 11) -> dict[str, int]:
    """Ten secret ballots per campaign (and the voter roll) in every open vote stage."""
    rng = random.Random(seed)
    ballots: list[dict[str, Any]] = []
    roll: list[dict[str, Any]] = []
    with session_scope() as s:
        for campaign_id in s.exec(select(Campaign.id)).all():
            view = load_campaign(s, campaign_id)
            run = open_stage_run(s, view)
            ranking = ranking_of(s, campaign_id) or []
            assert run is not None and run.stage == Stage.VOTE
            codes = [r.unit for r in ranking]
            for unit in view.members:
                others = [c for c in codes if c != unit.code]
                content = BallotContent(
                    acclaim=codes[0] if codes[0] != unit.code else None,
                    leader=others[0],
                    deputy=others[1],
                    titles={r.unit: rng.random() > 0.05 for r in ranking if r.proposed_title},
                )
                ballots.append(
                    dict(
                        id=uuid.uuid4().hex,
                        stage_run_id=run.id,
                        content=content.model_dump(mode="json"),
                    )
                )
                roll.append(dict(stage_run_id=run.id, unit_id=unit.id))
    rng.shuffle(ballots)
    with engine.begin() as conn:
        conn.execute(Ballot.__table__.insert(), ballots)  # type: ignore[attr-defined]
        conn.execute(VoterRoll.__table__.insert(), roll)  # type: ignore[attr-defined]
    return {"ballot": len(ballots), "voterroll": len(roll)}
