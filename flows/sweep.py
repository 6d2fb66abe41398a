"""The deadline sweep: wake every waiting campaign that could move now.

A stage whose deadline passed, or whose approver confirmed while the run was not yet
suspended, has nobody left to resume it; this scheduled flow does.
"""

from prefect import flow, get_run_logger

from models.types import utcnow
from notifications.delivery import has_work
from tasks.notifications import deliver_outbox
from thidua.orchestration import sweep_once
from thidua.templating import gio, ngay


def _sweep_run_name() -> str:
    return f"Quét hạn lúc {gio(utcnow())} ngày {ngay(utcnow())}"


@flow(name="thidua-deadline-sweep", flow_run_name=_sweep_run_name)
def deadline_sweep() -> int:
    woken = sweep_once(get_run_logger().info)
    if has_work():  # reminders just enqueued, and messages whose retry is due
        deliver_outbox()
    return woken
