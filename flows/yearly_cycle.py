"""The yearly cycle an admin starts: rules fixed and stored, one campaign run per cluster."""

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.deployments import run_deployment
from prefect.runtime import flow_run
from pydantic import ValidationError

from rules.config import CycleRules
from thidua.db import session_scope
from thidua.errors import from_validation
from thidua.services.context import get_actor
from thidua.services.cycles import (
    StartedCampaign,
    clusters_of_year,
    cycle_run_name,
    start_cycle,
    this_year,
)
from thidua.settings import get_settings


@task(
    name="Bắt đầu chu kỳ, cố định quy định",
    task_run_name="Bắt đầu chu kỳ {year}, cố định quy định",
    retries=2,
    retry_delay_seconds=2,
    cache_policy=NO_CACHE,
)
def open_cycle(
    year: int | None,
    movement: str,
    clusters: list[str] | None,
    admin: str,
    rules: dict[str, Any] | None,
) -> list[StartedCampaign]:
    try:
        parsed = CycleRules.model_validate(rules) if rules is not None else None
    except ValidationError as exc:
        raise from_validation(exc, "rules") from exc
    with session_scope() as session:
        actor = get_actor(session, admin)
        year = year or this_year()
        _, started = start_cycle(
            session,
            actor=actor,
            year=year,
            movement_code=movement,
            cluster_codes=clusters or clusters_of_year(session, year),
            rules=parsed,
        )
        return started


@task(
    name="Khởi động đợt bình xét của cụm",
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    cache_policy=NO_CACHE,
    task_run_name="Khởi động {started.run_name}",
)
def launch_campaign(started: StartedCampaign) -> str:
    # The idempotency key makes a retried launch return the run already created.
    run = run_deployment(
        get_settings().campaign_deployment,
        parameters={"campaign_id": started.campaign_id},
        flow_run_name=started.run_name,
        tags=list(started.tags),
        idempotency_key=started.launch_key,
        timeout=0,
        as_subflow=False,
    )
    return str(run.id)


def _cycle_run_name() -> str:
    # A scheduled run gets its name here; one started by a person is named when created.
    params = flow_run.parameters
    return cycle_run_name(params.get("year"), params.get("movement", "VANTQ"))


@flow(name="thidua-yearly-cycle", flow_run_name=_cycle_run_name)
def yearly_cycle(
    year: int | None = None,
    clusters: list[str] | None = None,
    movement: str = "VANTQ",
    admin: str = "quantri",
    rules: dict[str, Any] | None = None,
) -> list[str]:
    """Start the cycle of `year` (default: this year, in the organisation's time zone) for
    `clusters` (default: every cluster with members that year); one campaign run per cluster."""
    started = open_cycle(year, movement, clusters, admin, rules)
    return [launch_campaign(s) for s in started]
