"""The one bookkeeping task of a campaign run's pass: bind, apply the form's answer, plan.

Prefect runs a suspended flow again from the top when it is resumed, so every pass starts here.
One task run does what a pass needs before it acts: record which flow run drives the campaign,
apply what the person answered on the form of the wait the run was suspended on (read from
Prefect's stored input, then deleted: it may name an actor), and plan the next step from the
database. Folding these together keeps a campaign to about one task run per pass besides the
stage closers (which plan the step after them themselves, tasks/stages.py).
"""

import json
from typing import Any
from uuid import UUID

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from pydantic import BaseModel
from sqlmodel import col, select

from models import CampaignStatus, StageRun, Wait
from models.types import utcnow
from thidua import orchestration
from thidua.db import session_scope
from thidua.services import audit
from thidua.services.context import load_campaign
from thidua.services.waits import Step, answer, plan_step

RETRY_DELAYS: list[float] = [1, 5, 15]


class Pass(BaseModel):
    run_name: str
    answered: str | None  # what became of the answer the run was woken with, if any
    step: Step


def flow_run_id() -> UUID | None:
    ctx = FlowRunContext.get()
    return ctx.flow_run.id if ctx and ctx.flow_run else None


def _bind(campaign_id: int, run_id: UUID | None) -> str:
    """Record which flow run drives the campaign (the first one to start it)."""
    with session_scope() as session:
        view = load_campaign(session, campaign_id)
        if view.campaign.flow_run_id is None and run_id is not None:
            view.campaign.flow_run_id = run_id
            audit.record(
                session,
                actor=None,
                action="campaign.bind",
                campaign_id=view.id,
                entity="campaign",
                entity_id=view.id,
                after={"flow_run_id": str(run_id)},
                key=f"campaign.bind:{view.id}",
            )
        if view.campaign.status != CampaignStatus.COMPLETED:
            view.campaign.status = CampaignStatus.RUNNING
        view.campaign.updated_at = utcnow()
        session.add(view.campaign)
        return view.run_name


def _pending_wait(campaign_id: int) -> tuple[int, str] | None:
    with session_scope() as session:
        wait = session.exec(
            select(Wait)
            .join(StageRun, col(StageRun.id) == col(Wait.stage_run_id))
            .where(
                StageRun.campaign_id == campaign_id,
                col(StageRun.closed_at).is_(None),
                col(Wait.answered_at).is_(None),
            )
            .order_by(col(Wait.id).desc())
        ).first()
        return (wait.id, wait.key) if wait is not None and wait.id is not None else None


def _answer_pending(campaign_id: int, run_id: UUID | None) -> str | None:
    """Apply the answer to the wait this run was suspended on. A wait still open at the start
    of a pass is one the run suspended on and was woken from: by a person's answer on the form
    (stored by Prefect), or by an empty wake-up (nothing stored), which only asks the run to
    look at the database again. A run restarted after a crash before it suspended counts as
    such a wake-up: the wait is closed and a new one planned."""
    pending = _pending_wait(campaign_id)
    if pending is None:
        return None
    wait_id, key = pending
    data: dict[str, Any] = {}
    stored = f"suspended-{key}-response"
    if run_id is not None:
        raw = orchestration.read_input(run_id, stored)
        if raw is not None:
            loaded = json.loads(raw)
            data = loaded if isinstance(loaded, dict) else {}
    with session_scope() as session:
        outcome = answer(session, campaign_id, wait_id, data)
    if run_id is not None:
        orchestration.delete_input(run_id, stored)
    return outcome


@task(
    name="Nhận đợt bình xét, xử lý trả lời, xem bước tiếp theo",
    task_run_name="Đợt #{campaign_id} · nhận, xử lý trả lời, xem bước tiếp theo",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def begin_pass(campaign_id: int) -> Pass:
    """Each step is idempotent (a bound run stays bound, a wait is answered once, the plan is
    read from the database), so a retry after any failure redoes nothing."""
    run_id = flow_run_id()
    run_name = _bind(campaign_id, run_id)
    answered = _answer_pending(campaign_id, run_id)
    with session_scope() as session:
        step = plan_step(session, campaign_id)
    return Pass(run_name=run_name, answered=answered, step=step)


def plan(campaign_id: int) -> Step:
    """The next step, as `begin_pass` plans it (for the stage closers, inside their task)."""
    with session_scope() as session:
        return plan_step(session, campaign_id)
