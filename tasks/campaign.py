"""Tasks that keep a campaign run in step with the database: bind, plan, answer a form."""

from typing import Any
from uuid import UUID

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext

from models import CampaignStatus
from models.types import utcnow
from thidua import orchestration
from thidua.db import session_scope
from thidua.services import audit
from thidua.services.context import load_campaign
from thidua.services.waits import Step, answer, plan_step

RETRY_DELAYS: list[float] = [1, 5, 15]


def _flow_run_id() -> UUID | None:
    ctx = FlowRunContext.get()
    return ctx.flow_run.id if ctx and ctx.flow_run else None


@task(
    name="Nhận đợt bình xét",
    task_run_name="Nhận đợt bình xét #{campaign_id}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def bind_run(campaign_id: int) -> str:
    """Record which flow run drives the campaign (the first one to start it)."""
    flow_run_id = _flow_run_id()
    with session_scope() as session:
        view = load_campaign(session, campaign_id)
        if view.campaign.flow_run_id is None and flow_run_id is not None:
            view.campaign.flow_run_id = flow_run_id
            audit.record(
                session,
                actor=None,
                action="campaign.bind",
                campaign_id=view.id,
                entity="campaign",
                entity_id=view.id,
                after={"flow_run_id": str(flow_run_id)},
                key=f"campaign.bind:{view.id}",
            )
        if view.campaign.status != CampaignStatus.COMPLETED:
            view.campaign.status = CampaignStatus.RUNNING
        view.campaign.updated_at = utcnow()
        session.add(view.campaign)
        return view.run_name


@task(
    name="Xem bước tiếp theo",
    task_run_name="Xem bước tiếp theo · đợt #{campaign_id}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def next_step(campaign_id: int) -> Step:
    with session_scope() as session:
        step = plan_step(session, campaign_id)
    flow_run_id = _flow_run_id()
    if flow_run_id is not None and step.stage is not None:
        orchestration.set_stage_tag(flow_run_id, f"{step.stage.number}-{step.stage.value}")
    return step


@task(
    name="Xử lý trả lời trên biểu mẫu",
    task_run_name="Xử lý trả lời trên biểu mẫu {wait_key}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def answer_wait(campaign_id: int, wait_id: int, wait_key: str, data: dict[str, Any]) -> str:
    with session_scope() as session:
        outcome = answer(session, campaign_id, wait_id, data)
    flow_run_id = _flow_run_id()
    if flow_run_id is not None:
        orchestration.delete_input(flow_run_id, f"suspended-{wait_key}-response")
    return outcome
