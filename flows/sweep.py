"""The deadline sweep: wake every waiting campaign that could move now.

A stage whose deadline passed, or whose approver confirmed while the run was not yet
suspended, has nobody left to resume it; this scheduled flow does.
"""

from prefect import flow, get_run_logger

from thidua.db import session_scope
from thidua.orchestration import nudge
from thidua.services.queries import ready_to_move


@flow(name="thidua-deadline-sweep")
def deadline_sweep() -> int:
    logger = get_run_logger()
    with session_scope() as session:
        ready = ready_to_move(session)
    woken = 0
    for state in ready:
        assert state.flow_run_id is not None
        if nudge(state.flow_run_id, wait_seconds=0):
            woken += 1
            logger.info("Đánh thức %s (%s)", state.name, state.stage_label)
    return woken
