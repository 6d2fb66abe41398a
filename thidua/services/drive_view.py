"""What a drive shows: its scope, targets, reports, confirmations and recorded results (for
`thidua drive show` and the year-end documents)."""

from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from documents.context import DriveLine, DriveResultLine, UnitRef
from models import (
    Actor,
    Cluster,
    Drive,
    DriveConfirmation,
    DriveReport,
    DriveResult,
    DriveUnit,
    Unit,
)
from thidua.localtime import iso
from thidua.services.drives import deadline, get_drive, scope_of, targets_of

STATUS_LABELS = {
    "open": "đang diễn ra / sơ kết",
    "recorded": "đã ghi kết quả, chờ phê duyệt giấy khen",
    "closed": "đã kết thúc",
}


def drive_view(session: Session, drive_id: int) -> dict[str, Any]:
    drive = get_drive(session, drive_id)
    launcher = session.get(Actor, drive.launched_by)
    reports = {
        r.unit_id: r
        for r in session.exec(select(DriveReport).where(DriveReport.drive_id == drive_id)).all()
    }
    results = {
        r.unit_id: r
        for r in session.exec(select(DriveResult).where(DriveResult.drive_id == drive_id)).all()
    }
    confirmed = {
        c.cluster_id: c
        for c in session.exec(
            select(DriveConfirmation).where(DriveConfirmation.drive_id == drive_id)
        ).all()
    }
    units = []
    for unit, cluster in scope_of(session, drive_id):
        report, result = reports.get(unit.id or 0), results.get(unit.id or 0)
        units.append(
            {
                "unit": unit.code,
                "name": unit.name,
                "cluster": cluster.code,
                "scores": report.scores if report else None,
                "total": report.total if report else None,
                "reported_at": iso(report.reported_at) if report else None,
                "points": result.points if result else None,
                "rank": result.rank if result else None,
                "proposed": result.proposed if result else None,
                "commended": result.commended if result else None,
            }
        )
    clusters = {}
    for _, cluster in scope_of(session, drive_id):
        c = confirmed.get(cluster.id or 0)
        clusters[cluster.code] = {
            "name": cluster.name,
            "confirmed_at": iso(c.confirmed_at) if c else None,
            "proposed": c.proposed if c else None,
        }
    return {
        "id": drive.id,
        "name": drive.name,
        "theme": drive.theme,
        "year": drive.year,
        "starts_on": drive.starts_on.isoformat(),
        "ends_on": drive.ends_on.isoformat(),
        "review_deadline": deadline(drive).isoformat(),
        "status": drive.status.value,
        "launched_by": launcher.username if launcher else None,
        "targets": [t.model_dump() for t in targets_of(drive)],
        "clusters": clusters,
        "units": units,
        "recorded_at": iso(drive.recorded_at),
        "commendation_approved_at": iso(drive.commendation_approved_at),
        "flow_run_id": str(drive.flow_run_id) if drive.flow_run_id else None,
    }


def drives_of_year(session: Session, *, year: int, cluster_id: int) -> tuple[DriveLine, ...]:
    """The year's drives the cluster took part in, each with its units' recorded results (none
    while a drive is not yet recorded), in date order: what the year-end minutes list."""
    # IN, not a DISTINCT join: PostgreSQL has no equality for the JSON column of targets.
    taking_part = select(DriveUnit.drive_id).where(DriveUnit.cluster_id == cluster_id)
    drives = session.exec(
        select(Drive)
        .where(Drive.year == year, col(Drive.id).in_(taking_part))
        .order_by(col(Drive.starts_on), col(Drive.id))
    ).all()
    lines = []
    for drive in drives:
        rows = session.exec(
            select(DriveResult, Unit)
            .join(Unit, col(Unit.id) == col(DriveResult.unit_id))
            .where(DriveResult.drive_id == drive.id, DriveResult.cluster_id == cluster_id)
            .order_by(col(DriveResult.rank), col(Unit.code))
        ).all()
        lines.append(
            DriveLine(
                name=drive.name,
                starts_on=drive.starts_on,
                ends_on=drive.ends_on,
                recorded=drive.recorded_at is not None,
                results=tuple(
                    DriveResultLine(
                        unit=UnitRef(code=u.code, name=u.name),
                        points=Decimal(str(r.points)),
                        maximum=Decimal(str(r.maximum)),
                        rank=r.rank,
                        commended=r.commended,
                    )
                    for r, u in rows
                ),
            )
        )
    return tuple(lines)


def cluster_by_code(session: Session, code: str) -> Cluster | None:
    return session.exec(select(Cluster).where(Cluster.code == code)).first()
