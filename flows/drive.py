"""A drive's short review (sơ kết): it starts at the drive's end, waits (suspended, no process
held) for the units' reports until the review's deadline and for each cluster leader's
confirmation, records the results, then waits for the directorate's approval of the
commendation list when leaders proposed one. People act with `thidua drive …`, which wakes the
run; every pass starts from the top and asks the database what is next."""

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from prefect.runtime import flow_run

from tasks.campaign import RETRY_DELAYS, flow_run_id
from thidua import orchestration
from thidua.db import session_scope
from thidua.services.drive_review import DriveStep, bind, plan, record_results


@task(
    name="Xem bước tiếp theo của đợt thi đua",
    task_run_name="Đợt thi đua #{drive_id} · xem bước tiếp theo",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def next_step(drive_id: int) -> DriveStep:
    with session_scope() as session:
        bind(session, drive_id, flow_run_id())
        return plan(session, drive_id)


@task(
    name="Ghi nhận kết quả đợt thi đua",
    task_run_name="Đợt thi đua #{drive_id} · ghi nhận kết quả",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def record(drive_id: int) -> bool:
    # Idempotent: a retry after the commit finds the results recorded and records nothing.
    with session_scope() as session:
        return record_results(session, drive_id)


def _drive_run_name() -> str:
    # The name the run was created with at launch (thidua.drive_runs.run_name), also when it
    # is started by hand from the UI.
    from models import Drive
    from thidua.drive_runs import run_name

    drive_id = flow_run.parameters.get("drive_id")
    with session_scope() as session:
        drive = session.get(Drive, drive_id) if isinstance(drive_id, int) else None
        return run_name(drive) if drive is not None else f"Sơ kết đợt thi đua #{drive_id}"


@flow(name="thidua-drive", flow_run_name=_drive_run_name, log_prints=True)
def drive_review(drive_id: int) -> dict[str, Any]:
    logger = get_run_logger()
    run_id = flow_run_id()
    ctx = FlowRunContext.get()
    tags = list(ctx.flow_run.tags) if ctx and ctx.flow_run else []
    while True:
        step = next_step(drive_id)
        if run_id is not None:
            tags = orchestration.set_stage_tag(run_id, tags, step.phase)
        if step.kind == "done":
            logger.info("Đợt thi đua #%s: %s", drive_id, step.says)
            return {"drive_id": drive_id, "status": "closed"}
        if step.kind == "record":
            record(drive_id)
            continue
        logger.info("Đợt thi đua #%s: %s (%s)", drive_id, step.says, step.key)
        # A fresh key each time: this suspends and ends the process; the resumed run starts
        # again from the top.
        suspend_flow_run(key=step.key, timeout=None)
