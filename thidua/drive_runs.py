"""A drive's review run on Prefect: scheduled for the drive's end when it is launched, woken
when people act. Imports Prefect: the CLI imports this only inside its commands."""

import time as clock
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

from prefect import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import resume_flow_run
from sqlmodel import Session, col, select

from models import Drive, DriveStatus
from thidua.db import session_scope
from thidua.localtime import zone
from thidua.services.drive_review import clusters_of
from thidua.services.drives import deadline, local_today
from thidua.settings import get_settings


def run_name(drive: Drive) -> str:
    return f"Sơ kết · {drive.name} · {drive.year}"


def run_tags(session: Session, drive: Drive) -> list[str]:
    return [
        "thidua",
        "đợt-thi-đua",
        f"đợt:{drive.name}",
        f"năm:{drive.year}",
        *(f"cụm:{c.code}" for c in clusters_of(session, drive.id or 0)),
    ]


def review_starts(drive: Drive) -> datetime:
    """Midnight, local time, at the end of the drive's last day: its review (sơ kết) begins."""
    end = datetime.combine(drive.ends_on + timedelta(days=1), time(0), tzinfo=zone())
    return end.astimezone(UTC)


def schedule_review(drive_id: int) -> UUID:
    """Create the drive's review run, scheduled for the drive's end (at once if past); the
    idempotency key makes a second call return the run already created."""
    with session_scope() as session:
        drive = session.get(Drive, drive_id)
        assert drive is not None and drive.id is not None
        launched = drive.launched_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
        name, tags, at = run_name(drive), run_tags(session, drive), review_starts(drive)
    run = run_deployment(
        get_settings().drive_deployment,
        parameters={"drive_id": drive_id},
        flow_run_name=name,
        tags=tags,
        scheduled_time=at,
        idempotency_key=f"thidua-drive-{drive_id}-{launched}",
        timeout=0,
        as_subflow=False,
    )
    with session_scope() as session:
        drive = session.get(Drive, drive_id)
        assert drive is not None
        if drive.flow_run_id is None:
            drive.flow_run_id = run.id
            session.add(drive)
    return run.id


def wake(flow_run_id: UUID, *, wait_seconds: float | None = None) -> bool:
    """Resume the drive's run so it looks at the database again. A run still busy (not yet
    suspended) is given a moment, as a campaign's is (orchestration.nudge; the deadline sweep
    imports this module, so it cannot be imported here). True if it was resumed."""
    deadline = clock.monotonic() + (
        get_settings().nudge_wait_seconds if wait_seconds is None else wait_seconds
    )
    while True:
        with get_client(sync_client=True) as client:
            try:
                run = client.read_flow_run(flow_run_id)
            except ObjectNotFound:
                return False
        if run.state is None or run.state.is_final():
            return False
        if run.state.is_paused():
            try:
                resume_flow_run(flow_run_id)  # the drive's waits take no input
            except RuntimeError:
                return False  # resumed by someone else in between: as good
            return True
        if clock.monotonic() >= deadline:
            return False
        clock.sleep(0.5)


def unscheduled() -> list[int]:
    """Drives still under way whose review run was never created (Prefect was down at launch)."""
    with session_scope() as session:
        return list(
            session.exec(
                select(Drive.id).where(
                    col(Drive.flow_run_id).is_(None), Drive.status != DriveStatus.CLOSED
                )
            ).all()
        )


def wake_overdue(waiting_tag: str) -> list[int]:
    """Wake the review runs that still wait for reports (their phase tag is `waiting_tag`)
    although the report deadline has passed: the run plans again, moves to the leaders'
    confirmation and its tag says so. A run woken once carries the next tag and is left alone.
    Returns the drives woken."""
    today = local_today()
    with session_scope() as session:
        drives = session.exec(
            select(Drive).where(
                Drive.status == DriveStatus.OPEN, col(Drive.flow_run_id).is_not(None)
            )
        ).all()
        late = [(d.id, d.flow_run_id) for d in drives if today > deadline(d)]
    woken = []
    for drive_id, run_id in late:
        assert drive_id is not None and run_id is not None
        with get_client(sync_client=True) as client:
            try:
                run = client.read_flow_run(run_id)
            except ObjectNotFound:
                continue
        paused = run.state is not None and run.state.is_paused()
        if paused and waiting_tag in run.tags and wake(run_id, wait_seconds=0):
            woken.append(drive_id)
    return woken
