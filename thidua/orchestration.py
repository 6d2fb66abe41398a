"""Talking to the Prefect API: waking waiting campaign runs, starting cycles, UI links."""

import time
from collections.abc import Callable
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.flow_runs import resume_flow_run

from models import Campaign
from notifications.reminders import due_reminders
from thidua.db import session_scope
from thidua.links import ui_url
from thidua.services.deadlines import escalate_due
from thidua.services.drive_review import REPORTING
from thidua.services.form_choices import WAKE_UP
from thidua.services.queries import ready_to_move
from thidua.services.ties import sweep_ties
from thidua.settings import get_settings

__all__ = [
    "delete_input",
    "nudge",
    "read_input",
    "read_run",
    "set_stage_tag",
    "sweep_once",
    "ui_url",
]


def read_run(flow_run_id: UUID) -> FlowRun | None:
    with get_client(sync_client=True) as client:
        try:
            return client.read_flow_run(flow_run_id)
        except ObjectNotFound:
            return None


def nudge(flow_run_id: UUID, *, wait_seconds: float | None = None) -> bool:
    """Wake a waiting campaign run so it looks at the database again.

    The answer decides nothing (WAKE_UP): the decision is already recorded. A run that is still
    busy (not yet suspended) is given a moment, since it will suspend once it finds nothing to
    do; the deadline sweep catches any it missed. True if the run was resumed.
    """
    deadline = time.monotonic() + (
        get_settings().nudge_wait_seconds if wait_seconds is None else wait_seconds
    )
    while True:
        run = read_run(flow_run_id)
        if run is None or run.state is None or run.state.is_final():
            return False
        if run.state.is_paused():
            try:
                resume_flow_run(flow_run_id, run_input=dict(WAKE_UP))
                return True
            except RuntimeError:
                pass  # resumed by someone else in between: that is as good
            return False
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


def read_input(flow_run_id: UUID, key: str) -> str | None:
    """A form's stored answer (JSON text), or None when the run was woken without one."""
    with get_client(sync_client=True) as client:
        try:
            return client.read_flow_run_input(flow_run_id, key)
        except ObjectNotFound:
            return None
        except PrefectHTTPStatusError as exc:
            if exc.response.status_code != 404:
                raise
            return None


def delete_input(flow_run_id: UUID, key: str) -> None:
    """Forget a form's stored answer once the flow has read it: it may name an actor."""
    with get_client(sync_client=True) as client:
        try:
            client.delete_flow_run_input(flow_run_id, key)
        except PrefectHTTPStatusError as exc:
            # A run woken without a stored answer has nothing to delete.
            if exc.response.status_code != 404:
                raise


STAGE_TAG = "giai-đoạn:"


def set_stage_tag(flow_run_id: UUID, tags: list[str], stage_value: str) -> list[str]:
    """The run's tags with the stage's; written only when they change (`tags`: the run's tags
    as this process knows them). Returns the tags now on the run."""
    tag = f"{STAGE_TAG}{stage_value}"
    if tag in tags:
        return tags
    new = [*(t for t in tags if not t.startswith(STAGE_TAG)), tag]
    with get_client(sync_client=True) as client:
        client.update_flow_run(flow_run_id, tags=new)
    return new


def sweep_once(log: Callable[[str], None] = lambda _msg: None) -> int:
    """Wake every waiting campaign that may move now (deadline passed, confirmed, decided)."""
    with session_scope() as session:
        due_reminders(session)  # reminders and overdue notices, once per stage run
        for campaign_id in escalate_due(session):
            log(f"Chuyển lên Ban Giám đốc: đợt bình xét #{campaign_id} quá hạn chưa được xác nhận")
        went_up = []
        for campaign_id in sweep_ties(session):
            log(
                f"Chuyển lên Ban Giám đốc: đợt bình xét #{campaign_id} quá hạn bỏ phiếu, chủ tọa "
                "chưa quyết định đơn vị bằng phiếu, bằng điểm"
            )
            campaign = session.get(Campaign, campaign_id)
            if campaign is not None and campaign.flow_run_id is not None:
                went_up.append(campaign.flow_run_id)
        ready = ready_to_move(session)
    for flow_run_id in went_up:
        # Its form said the chair decides: written anew, it says the directorate may now.
        nudge(flow_run_id, wait_seconds=0)
    from thidua.drive_runs import schedule_review, unscheduled, wake_overdue

    for drive_id in unscheduled():
        # Launched while Prefect was unreachable: its review run is created now. One that
        # cannot be (no drive deployment yet) must not keep the campaigns below from waking.
        try:
            schedule_review(drive_id)
        except Exception as exc:
            log(f"Chưa lên lịch được sơ kết đợt thi đua #{drive_id}: {type(exc).__name__}")
            continue
        log(f"Lên lịch sơ kết đợt thi đua #{drive_id}")
    for drive_id in wake_overdue(f"{STAGE_TAG}{REPORTING}"):
        log(f"Đánh thức sơ kết đợt thi đua #{drive_id}: đã quá hạn báo cáo")
    woken = 0
    for state in ready:
        assert state.flow_run_id is not None
        if nudge(state.flow_run_id, wait_seconds=0):
            woken += 1
            log(f"Đánh thức {state.name} ({state.stage_label})")
    return woken
