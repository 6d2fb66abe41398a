"""Waking a campaign's waiting Prefect run after a decision was recorded (CLI and web).

The decision is already in the database; waking only makes the run look now instead of at the
next deadline sweep. It never fails the caller: every way it can go is an outcome to report.
"""

from enum import StrEnum
from uuid import UUID


class WakeOutcome(StrEnum):
    RESUMED = "resumed"  # the run was waiting and goes on now
    NOT_WAITING = "not_waiting"  # the run is busy or finished: the sweep moves it later
    NO_RUN = "no_run"  # the campaign has no Prefect run (yet)
    NO_PREFECT = "no_prefect"  # PREFECT_API_URL is not set
    UNREACHABLE = "unreachable"  # Prefect is down or refused


_LATER = "bộ quét thời hạn (deadline sweep) sẽ tự chuyển tiếp đợt bình xét."
MESSAGES: dict[WakeOutcome, str] = {
    WakeOutcome.RESUMED: "Lượt chạy đã tiếp tục",
    WakeOutcome.NOT_WAITING: f"Lượt chạy chưa ở trạng thái chờ; {_LATER}",
    WakeOutcome.NO_RUN: "Đợt bình xét chưa gắn với lượt chạy Prefect; quyết định đã được ghi nhận.",
    WakeOutcome.NO_PREFECT: f"Chưa đặt PREFECT_API_URL nên chưa đánh thức lượt chạy; {_LATER}",
    WakeOutcome.UNREACHABLE: f"Không liên lạc được Prefect; {_LATER}",
}


def can_wake(flow_run_id: UUID | None) -> WakeOutcome | None:
    """Why waking is pointless before trying (no run, no Prefect), or None to go ahead."""
    if flow_run_id is None:
        return WakeOutcome.NO_RUN
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return WakeOutcome.NO_PREFECT
    return None


def wake(flow_run_id: UUID | None, *, wait_seconds: float | None = None) -> WakeOutcome:
    """Resume the campaign's run if it waits. A busy run is given up to `wait_seconds`
    (settings.nudge_wait_seconds by default) to suspend, so call this outside a request's
    critical path (the web runs it as a background task)."""
    skip = can_wake(flow_run_id)
    if skip is not None:
        return skip
    assert flow_run_id is not None
    from thidua.orchestration import nudge

    try:
        resumed = nudge(flow_run_id, wait_seconds=wait_seconds)
    except Exception:  # Prefect down or refusing: the decision is recorded anyway
        return WakeOutcome.UNREACHABLE
    return WakeOutcome.RESUMED if resumed else WakeOutcome.NOT_WAITING
