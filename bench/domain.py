"""The domain path, and floor (a): a whole cycle done by thidua's services alone, no Prefect.

What each campaign's flow run does, in-process and in the same transactions: `plan_step`, a
stage closed by `close_stage`, or a wait that the simulated participants act on (`act`, until
they have nothing left to do: the leader confirms once all is in) and that is then answered
(`answer`, as the form's answer is applied). The directorate approves with a one-time code on
the form, as in `thidua demo`. Campaigns take turns, one step each per round, as campaigns
waiting at once do.
"""

from typing import Any

from sqlmodel import select

from flows.forms import DirectorateAction
from models import Actor, Channel, ChannelKind, StageRun, Wait
from rules.stages import Stage
from simulation.demo import APPROVAL_REASON
from simulation.participants import Script, act
from simulation.synthetic import load_synthetic
from thidua.db import create_schema, get_engine, session_scope
from thidua.sample import ADMIN, DIRECTORATE, MAIL_DOMAIN, MOVEMENT
from thidua.services.auth import issue_action_code
from thidua.services.context import get_actor, load_campaign
from thidua.services.cycles import start_cycle
from thidua.services.form_decisions import FormDecision
from thidua.services.stages import close_stage
from thidua.services.waits import answer, plan_step

from .scheme import bench_rules

YEAR = 2027
SEED = 2027


def script() -> Script:
    """Everyone acts in time; nobody is returned (the figures measure work, not deadlines)."""
    return Script(seed=SEED, late_unit=None, returned_unit=None)


def prepare(clusters: int) -> list[str]:
    """Schema and the synthetic organisation (not measured), everyone with an e-mail address as
    in the sample, so that notifications are written to the outbox as they would be."""
    create_schema()
    with session_scope() as s:
        codes = load_synthetic(s, clusters=clusters, year=YEAR, seed=SEED)
    with get_engine().begin() as conn:
        reachable = set(conn.execute(select(Channel.actor_id)).scalars())  # type: ignore[call-overload]
        rows = [
            {"actor_id": i, "kind": ChannelKind.EMAIL, "address": f"{name}@{MAIL_DOMAIN}"}
            for i, name in conn.execute(select(Actor.id, Actor.username))  # type: ignore[call-overload]
            if i not in reachable
        ]
        if rows:
            conn.execute(Channel.__table__.insert(), rows)  # type: ignore[attr-defined]
    return codes


def start(codes: list[str]) -> list[int]:
    with session_scope() as s:
        _, started = start_cycle(
            s,
            actor=get_actor(s, ADMIN[0]),
            year=YEAR,
            movement_code=MOVEMENT[0],
            cluster_codes=codes,
            rules=bench_rules(),
        )
    return [c.campaign_id for c in started]


def step(campaign_id: int, who: Script, until: Stage | None = None) -> bool:
    """One pass of the campaign's flow: True once the campaign is done (or stage `until` is
    open and waits for people, who have not acted yet)."""
    with session_scope() as s:
        planned = plan_step(s, campaign_id)
    if planned.kind == "done" or (planned.kind == "wait" and planned.stage == until):
        return True
    if planned.kind == "close":
        assert planned.verdict is not None
        with session_scope() as s:
            run = s.get(StageRun, planned.stage_run_id)
            assert run is not None
            close_stage(s, load_campaign(s, campaign_id), run, planned.verdict)
        return False
    assert planned.wait_id is not None
    data: dict[str, Any] = {}
    if planned.stage == Stage.APPROVAL:
        with session_scope() as s:
            code, _ = issue_action_code(
                s,
                actor=get_actor(s, DIRECTORATE[0]),
                campaign_id=campaign_id,
                decision=FormDecision(action="approve", reason=APPROVAL_REASON),
            )
        data = {
            "actor": DIRECTORATE[0],
            "code": code,
            "action": DirectorateAction.APPROVE.value,
            "reason": APPROVAL_REASON,
        }
    else:
        while True:  # the participants, then the leader who confirms once all is in
            with session_scope() as s:
                if not act(s, campaign_id, who):
                    break
    with session_scope() as s:
        answer(s, campaign_id, planned.wait_id, data)
    return False


def drive_all(
    campaign_ids: list[int], who: Script, until: Stage | None = None, max_rounds: int = 30
) -> None:
    todo = list(campaign_ids)
    for _ in range(max_rounds):
        todo = [c for c in todo if not step(c, who, until)]
        if not todo:
            return
    raise RuntimeError(f"{len(todo)} campaigns did not finish")


def closed_stage_runs() -> int:
    with session_scope() as s:
        return len(s.exec(select(StageRun.id).where(StageRun.closed_at.is_not(None))).all())  # type: ignore[union-attr]


def waits_per_campaign() -> dict[int, int]:
    with session_scope() as s:
        rows = s.exec(
            select(StageRun.campaign_id).join(Wait, Wait.stage_run_id == StageRun.id)  # type: ignore[arg-type]
        ).all()
    out: dict[int, int] = {}
    for cid in rows:
        out[cid] = out.get(cid, 0) + 1
    return out


def engine() -> Any:
    return get_engine()
