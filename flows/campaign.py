"""One cluster's campaign through the five stages: the flow only orchestrates.

Every pass starts from the top (Prefect re-runs a suspended flow from the beginning when it is
resumed) and asks the database what to do next: close a stage whose inputs are in, or suspend
until people act. No process is held while people take days to act. A pass costs one
bookkeeping task run (`begin_pass`: bind, apply the answer it was woken with, plan) and one task
run per stage it closes; the stage tag is written only when the stage changes, and the progress
artifact is updated in place.
"""

from typing import Any

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput

from flows.forms import DirectorateForm, LeaderForm, with_situation
from tasks.artifacts import ProgressArtifact
from tasks.campaign import begin_pass, flow_run_id
from tasks.notifications import send_notifications
from tasks.stages import CLOSERS
from thidua import orchestration

FORMS: dict[str, type[RunInput]] = {"leader": LeaderForm, "directorate": DirectorateForm}


@flow(name="thidua-campaign", log_prints=True)
def campaign(campaign_id: int) -> dict[str, Any]:
    logger = get_run_logger()
    start = begin_pass(campaign_id)
    run_name, step = start.run_name, start.step
    if start.answered:
        logger.info("%s: %s", run_name, start.answered)
    run_id = flow_run_id()
    ctx = FlowRunContext.get()
    tags = list(ctx.flow_run.tags) if ctx and ctx.flow_run else []
    bar = ProgressArtifact(campaign_id, run_id, run_name)
    while True:
        bar.show(step.progress)
        send_notifications()  # what the last step caused; never raises, bounded by a timeout
        if step.kind == "done":
            logger.info("%s: hoàn thành cả năm giai đoạn", run_name)
            return {"campaign_id": campaign_id, "status": "completed"}
        assert step.stage is not None and step.stage_run_id is not None
        if run_id is not None:
            tags = orchestration.set_stage_tag(
                run_id, tags, f"{step.stage.number}-{step.stage.value}"
            )
        if step.kind == "close":
            assert step.verdict is not None
            step = CLOSERS[step.stage](campaign_id, step.stage_run_id, step.verdict)
            continue
        assert step.form is not None and step.wait_key is not None
        logger.info("%s: chờ giai đoạn '%s' (%s)", run_name, step.stage.label, step.wait_key)
        form = with_situation(FORMS[step.form], heading=step.heading, situation=step.situation)
        # A fresh key: this suspends and ends the process; the pass after the resume applies
        # the answer in `begin_pass`. It returns only if this key was resumed already.
        suspend_flow_run(wait_for_input=form, key=step.wait_key, timeout=None)
        again = begin_pass(campaign_id)
        if again.answered:
            logger.info("%s: %s", run_name, again.answered)
        step = again.step
