"""One cluster's campaign through the five stages: the flow only orchestrates.

Every pass starts from the top (Prefect re-runs a suspended flow from the beginning when it is
resumed) and asks the database what to do next: close a stage whose inputs are in, or suspend
until people act. No process is held while people take days to act.
"""

from typing import Any

from prefect import flow, get_run_logger
from prefect.flow_runs import suspend_flow_run

from flows.forms import DirectorateForm, LeaderForm
from tasks import artifacts
from tasks.campaign import answer_wait, bind_run, next_step
from tasks.notifications import send_notifications
from tasks.stages import CLOSERS

FORMS = {"leader": LeaderForm, "directorate": DirectorateForm}


@flow(name="thidua-campaign", log_prints=True)
def campaign(campaign_id: int) -> dict[str, Any]:
    logger = get_run_logger()
    run_name = bind_run(campaign_id)
    while True:
        step = next_step(campaign_id)
        artifacts.progress(campaign_id, step.progress, run_name)
        send_notifications()  # what the last step caused; never raises, bounded by a timeout
        if step.kind == "done":
            logger.info("%s: hoàn thành cả năm giai đoạn", run_name)
            return {"campaign_id": campaign_id, "status": "completed"}
        assert step.stage is not None and step.stage_run_id is not None
        if step.kind == "close":
            assert step.verdict is not None
            CLOSERS[step.stage](campaign_id, step.stage_run_id, step.verdict)
            continue
        assert step.form is not None and step.wait_key is not None and step.wait_id is not None
        logger.info("%s: chờ giai đoạn '%s' (%s)", run_name, step.stage.label, step.wait_key)
        form = FORMS[step.form].with_initial_data(description=step.description)
        reply = suspend_flow_run(wait_for_input=form, key=step.wait_key, timeout=None)
        outcome = answer_wait(
            campaign_id, step.wait_id, step.wait_key, reply.model_dump(mode="json")
        )
        logger.info("%s: %s", run_name, outcome)
