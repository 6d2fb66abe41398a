"""Fifty people act at the same moment, each in their own thread and session: ballots (some units
voting twice at once), a stage closing while ballots arrive, confirmations and directorate
decisions raced against each other. What must hold afterwards: one ballot per voter, a voter
roll that matches the ballots, a tally that matches a recount, one decision where one is
allowed, and no action lost or applied twice.

On PostgreSQL (READ COMMITTED, many writers at once) and on SQLite (one writer at a time).
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from models import (
    AuditEvent,
    Ballot,
    Decision,
    DecisionKind,
    SelfAssessment,
    StageRun,
    Unit,
    VoterRoll,
)
from rules.config import CycleRules, StageDeadline
from rules.defaults import default_rules, example_scores
from rules.results import BallotContent
from rules.stages import Stage
from rules.tally import tally
from simulation.participants import Script, act, ballot_for
from simulation.synthetic import drive_in_process, load_synthetic
from thidua.db import create_schema, session_scope
from thidua.errors import Conflict, ThiduaError
from thidua.sample import ADMIN, DIRECTORATE, MOVEMENT, commander_username, officer_username
from thidua.services import audit_log, decisions, submissions
from thidua.services.context import get_actor, load_campaign
from thidua.services.cycles import start_cycle
from thidua.services.inputs import SelfAssessmentInput
from thidua.services.progress import Verdict
from thidua.services.results import ranking_of
from thidua.services.stages import close_stage
from thidua.settings import get_settings

from ..postgres import temporary_database

pytestmark = pytest.mark.slow

YEAR = 2027
SCRIPT = Script(seed=7, late_unit=None, returned_unit=None)


@pytest.fixture(params=["postgresql", "sqlite"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    def use(url: str) -> None:
        monkeypatch.setenv("THIDUA_DATABASE_URL", url)
        get_settings.cache_clear()

    if request.param == "sqlite":
        use(f"sqlite:///{tmp_path / 'race.db'}")
        yield request.param
    else:
        with temporary_database("thidua_race") as url:
            use(url)
            yield request.param
    get_settings.cache_clear()


def rules() -> CycleRules:
    base = default_rules()
    long = {s: StageDeadline(duration=timedelta(days=30)) for s in Stage}
    # Nobody chairs a race: the lot breaks any quota tie.
    vote = base.vote.model_copy(update={"final_tie_break": "lot"})
    return base.model_copy(update={"deadlines": long, "lot_seed": "race", "vote": vote})


@dataclass
class Outcome:
    label: str
    result: str  # "ok", or the ThiduaError's class name
    error: BaseException | None = None  # anything that is not a ThiduaError: a bug


def race(actions: list[tuple[str, Callable[[], object]]]) -> list[Outcome]:
    """Run every action in its own thread and session, all released at the same moment."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Outcome | None] = [None] * len(actions)

    def work(i: int, label: str, fn: Callable[[], object]) -> None:
        barrier.wait()
        try:
            fn()
            outcomes[i] = Outcome(label, "ok")
        except ThiduaError as exc:
            outcomes[i] = Outcome(label, type(exc).__name__)
        except BaseException as exc:
            outcomes[i] = Outcome(label, "error", exc)

    threads = [
        threading.Thread(target=work, args=(i, label, fn)) for i, (label, fn) in enumerate(actions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(o is not None for o in outcomes), "an action did not finish"
    return [o for o in outcomes if o is not None]


def cast(cid: int, unit: str) -> Callable[[], object]:
    def run() -> None:
        with session_scope() as s:
            view = load_campaign(s, cid)
            submissions.cast_ballot(
                s,
                actor=get_actor(s, officer_username(unit)),
                campaign_id=cid,
                ballot=ballot_for(s, view, unit, SCRIPT),
            )

    return run


def confirm(cid: int, stage: Stage) -> Callable[[], object]:
    def run() -> None:
        with session_scope() as s:
            view = load_campaign(s, cid)
            assert view.leader is not None
            decisions.confirm_stage(
                s,
                actor=get_actor(s, commander_username(view.leader.code)),
                campaign_id=cid,
                stage=stage,
            )

    return run


def close_now(cid: int, stage_run_id: int) -> Callable[[], object]:
    """The system closes the stage run (its deadline passed), as the stage task does."""

    def run() -> None:
        with session_scope() as s:
            stage_run = s.get(StageRun, stage_run_id)
            assert stage_run is not None
            if not close_stage(s, load_campaign(s, cid), stage_run, Verdict.DEADLINE):
                raise Conflict("đã đóng")

    return run


def decide(cid: int, outcome: decisions.Outcome, unit: str = "") -> Callable[[], object]:
    def run() -> None:
        with session_scope() as s:
            decisions.decide(
                s,
                actor=get_actor(s, DIRECTORATE[0]),
                campaign_id=cid,
                outcome=outcome,
                reason="Bình xét lại" if outcome != decisions.Outcome.APPROVE else "",
                return_to=Stage.VOTE if outcome == decisions.Outcome.RETURN else None,
                amendments={unit: None} if outcome == decisions.Outcome.AMEND else None,
            )

    return run


def self_assess(cid: int, unit: str) -> Callable[[], object]:
    def run() -> None:
        with session_scope() as s:
            view = load_campaign(s, cid)
            submissions.submit_self_assessment(
                s,
                actor=get_actor(s, officer_username(unit)),
                campaign_id=cid,
                data=SelfAssessmentInput(
                    scores=example_scores(view.rules.scheme, 0.9), achievements="Hoàn thành tốt"
                ),
            )

    return run


def count(model: type, stage_run_id: int) -> int:
    with session_scope() as s:
        return s.exec(
            select(func.count()).select_from(model).where(model.stage_run_id == stage_run_id)  # type: ignore[attr-defined]
        ).one()


def audit_count(cid: int, action: str, entity_id: int | None = None) -> int:
    stmt = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.campaign_id == cid, AuditEvent.action == action)
    )
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == str(entity_id))
    with session_scope() as s:
        return s.exec(stmt).one()


def open_run(cid: int, stage: Stage) -> StageRun:
    with session_scope() as s:
        run = s.exec(
            select(StageRun)
            .where(StageRun.campaign_id == cid, StageRun.stage == stage)
            .order_by(col(StageRun.attempt).desc())
        ).first()
        assert run is not None
        return run


def test_fifty_concurrent_actions_leave_consistent_records(database: str) -> None:
    create_schema()
    with session_scope() as s:
        codes = load_synthetic(s, clusters=5, year=YEAR, seed=11)
    with session_scope() as s:
        _, started = start_cycle(
            s,
            actor=get_actor(s, ADMIN[0]),
            year=YEAR,
            movement_code=MOVEMENT[0],
            cluster_codes=codes,
            rules=rules(),
        )
    vote_a, vote_b, approval, peer, selfa = (c.campaign_id for c in started)
    drive_in_process(vote_a, SCRIPT, until=Stage.VOTE)
    drive_in_process(vote_b, SCRIPT, until=Stage.VOTE)
    drive_in_process(approval, SCRIPT, until=Stage.APPROVAL)
    drive_in_process(peer, SCRIPT, until=Stage.PEER_REVIEW)
    drive_in_process(selfa, SCRIPT, until=Stage.SELF_ASSESSMENT)
    with session_scope() as s:
        act(s, peer, SCRIPT)  # every review in: the leader may confirm
        members = {
            cid: list(load_campaign(s, cid).member_codes)
            for cid in (vote_a, vote_b, approval, selfa)
        }

    actions: list[tuple[str, Callable[[], object]]] = []
    # A: ten units vote, five of them twice at the same moment; the leader confirms meanwhile.
    actions += [(f"A ballot {u}", cast(vote_a, u)) for u in members[vote_a]]
    actions += [(f"A ballot {u} again", cast(vote_a, u)) for u in members[vote_a][:5]]
    actions += [("A confirm", confirm(vote_a, Stage.VOTE)) for _ in range(3)]
    # B: ten units vote, four twice, while the stage is closed (twice) by its deadline.
    actions += [(f"B ballot {u}", cast(vote_b, u)) for u in members[vote_b]]
    actions += [(f"B ballot {u} again", cast(vote_b, u)) for u in members[vote_b][:4]]
    vote_b_run = open_run(vote_b, Stage.VOTE).id
    assert vote_b_run is not None
    actions += [("B close", close_now(vote_b, vote_b_run)) for _ in range(2)]
    # C: the directorate decides six times at once, three ways.
    actions += [("C approve", decide(approval, decisions.Outcome.APPROVE)) for _ in range(3)]
    actions += [("C return", decide(approval, decisions.Outcome.RETURN)) for _ in range(2)]
    actions += [("C amend", decide(approval, decisions.Outcome.AMEND, members[approval][0]))]
    # D: the leader confirms the peer review six times at once.
    actions += [("D confirm", confirm(peer, Stage.PEER_REVIEW)) for _ in range(6)]
    # E: two units send the same self-assessment twice at once.
    actions += [(f"E self {u}", self_assess(selfa, u)) for u in members[selfa][:2] * 2]
    assert len(actions) == 50

    outcomes = race(actions)
    errors = [(o.label, repr(o.error)) for o in outcomes if o.error is not None]
    assert errors == []
    by_label: dict[str, Counter[str]] = {}
    for o in outcomes:
        by_label.setdefault(o.label, Counter())[o.result] += 1

    # A: one ballot per voter; each duplicate pair gave one "ok" and one Conflict.
    run_a = open_run(vote_a, Stage.VOTE)
    assert run_a.id is not None
    for u in members[vote_a][:5]:
        pair = by_label[f"A ballot {u}"] + by_label[f"A ballot {u} again"]
        assert pair == Counter({"ok": 1, "Conflict": 1}), (u, pair)
    assert count(Ballot, run_a.id) == count(VoterRoll, run_a.id) == 10
    assert audit_count(vote_a, "ballot.cast") == 10
    confirms_a = count_decisions(run_a.id, DecisionKind.CONFIRM)
    assert confirms_a == audit_count(vote_a, "stage.confirm", run_a.id) <= 1
    assert (run_a.confirmed_by is not None) == (confirms_a == 1)
    assert set(by_label["A confirm"]) <= {"ok", "NotReady"}

    # B: the stage closed once; every ballot either counted or refused, never lost.
    run_b = open_run(vote_b, Stage.VOTE)
    assert run_b.id is not None and run_b.closed_at is not None
    assert audit_count(vote_b, "stage.close") == 3  # self-assessment, peer review, this vote
    assert by_label["B close"] == Counter({"ok": 1, "Conflict": 1})
    ballots_b, roll_b = count(Ballot, run_b.id), count(VoterRoll, run_b.id)
    cast_ok = sum(
        c["ok"] for label, c in by_label.items() if label.startswith("B ballot") and "ok" in c
    )
    assert ballots_b == roll_b == cast_ok == audit_count(vote_b, "ballot.cast")
    result: dict[str, Any] = run_b.result_json or {}
    assert result["vote"]["ballots_cast"] == ballots_b
    assert sorted(result["voted"]) == sorted(voters_of(run_b.id))
    # A recount from the stored ballots gives the stored result.
    with session_scope() as s:
        view = load_campaign(s, vote_b)
        stored = [
            BallotContent.model_validate(b.content)
            for b in s.exec(select(Ballot).where(Ballot.stage_run_id == run_b.id)).all()
        ]
        ranking = ranking_of(s, vote_b)
        assert ranking is not None
        recount = tally(view.rules, stored, ranking).model_dump(mode="json")
    assert recount == result["vote"]
    for label, c in by_label.items():
        if label.startswith("B ballot"):
            assert set(c) <= {"ok", "Conflict", "WrongStage"}, (label, c)

    # C: exactly one decision stands; the others were refused.
    run_c = open_run(approval, Stage.APPROVAL)
    assert run_c.id is not None
    with session_scope() as s:
        kinds = s.exec(select(Decision.kind).where(Decision.stage_run_id == run_c.id)).all()
    assert len(kinds) == 1
    c_results = by_label["C approve"] + by_label["C return"] + by_label["C amend"]
    assert c_results == Counter({"ok": 1, "Conflict": 5})
    directorate_events = sum(
        audit_count(approval, f"directorate.{k}") for k in ("approve", "amend", "return_stage")
    )
    assert directorate_events == 1

    # D: one confirmation recorded, however many times it was pressed.
    run_d = open_run(peer, Stage.PEER_REVIEW)
    assert run_d.id is not None and run_d.confirmed_by is not None
    assert count_decisions(run_d.id, DecisionKind.CONFIRM) == 1
    assert audit_count(peer, "stage.confirm", run_d.id) == 1
    assert by_label["D confirm"] == Counter({"ok": 6})

    # E: one version per unit; the second, identical sending was a no-op or a conflict.
    run_e = open_run(selfa, Stage.SELF_ASSESSMENT)
    assert run_e.id is not None
    with session_scope() as s:
        versions = Counter(
            s.exec(
                select(SelfAssessment.unit_id).where(SelfAssessment.stage_run_id == run_e.id)
            ).all()
        )
    assert sorted(versions.values()) == [1, 1]
    assert audit_count(selfa, "self_assessment.submit") == 2
    for u in members[selfa][:2]:
        assert by_label[f"E self {u}"]["ok"] >= 1
        assert set(by_label[f"E self {u}"]) <= {"ok", "Conflict"}
    # Fifty processes appended at once, and the audit log is still one unbroken chain.
    with session_scope() as s:
        chain = audit_log.verify(s)
    assert chain.ok, chain.problem


def count_decisions(stage_run_id: int, kind: DecisionKind) -> int:
    with session_scope() as s:
        return s.exec(
            select(func.count())
            .select_from(Decision)
            .where(Decision.stage_run_id == stage_run_id, Decision.kind == kind)
        ).one()


def voters_of(stage_run_id: int) -> list[str]:
    with session_scope() as s:
        return list(
            s.exec(
                select(Unit.code)
                .join(VoterRoll, col(VoterRoll.unit_id) == col(Unit.id))
                .where(VoterRoll.stage_run_id == stage_run_id)
            ).all()
        )
