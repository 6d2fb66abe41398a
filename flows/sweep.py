"""The deadline sweep: wake every waiting campaign that could move now.

A stage whose deadline passed, or whose approver confirmed while the run was not yet
suspended, has nobody left to resume it; this scheduled flow does.
"""

from prefect import flow, get_run_logger

from notifications.delivery import has_work
from tasks.notifications import deliver_outbox
from thidua.orchestration import sweep_once


@flow(name="thidua-deadline-sweep")
def deadline_sweep() -> int:
    woken = sweep_once(get_run_logger().info)
    if has_work():  # reminders just enqueued, and messages whose retry is due
        deliver_outbox()
    return woken
