"""A drive's short review (sơ kết): the cluster leader confirms its units' reports, the results
are recorded once every cluster has confirmed, and the directorate approves the commendation
list (giấy khen) the leaders proposed. Also what the drive's Prefect run waits for next."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlmodel import Session, col, select

from models import (
    Actor,
    Cluster,
    Drive,
    DriveConfirmation,
    DriveReport,
    DriveResult,
    DriveStatus,
    Role,
    Unit,
)
from models.org import ROLE_LABELS
from models.types import utcnow
from thidua.errors import Conflict, Forbidden, InvalidInput, NotReady, WrongStage
from thidua.services import audit
from thidua.services.drives import (
    deadline,
    get_drive,
    led_clusters,
    local_today,
    scope_of,
    targets_of,
    who,
)


def _reports(session: Session, drive_id: int) -> dict[int, DriveReport]:
    rows = session.exec(select(DriveReport).where(DriveReport.drive_id == drive_id)).all()
    return {r.unit_id: r for r in rows}


def _confirmations(session: Session, drive_id: int) -> dict[int, DriveConfirmation]:
    rows = session.exec(
        select(DriveConfirmation).where(DriveConfirmation.drive_id == drive_id)
    ).all()
    return {c.cluster_id: c for c in rows}


def confirm(
    session: Session,
    *,
    actor: Actor,
    drive_id: int,
    cluster_code: str,
    propose: Sequence[str] = (),
    today: date | None = None,
) -> DriveConfirmation:
    """The cluster leader confirms its units' reports (all in, or the deadline passed), with the
    units it proposes for a commendation."""
    drive = get_drive(session, drive_id)
    if actor.role != Role.CLUSTER_LEADER:
        raise Forbidden(
            f"{who(actor)} không có quyền xác nhận kết quả đợt thi đua; cần vai trò "
            f"{ROLE_LABELS[Role.CLUSTER_LEADER]}"
        )
    scope = [(u, c) for u, c in scope_of(session, drive_id) if c.code == cluster_code]
    if not scope:
        raise InvalidInput("cluster", f"cụm '{cluster_code}' không tham gia đợt thi đua này")
    cluster = scope[0][1]
    assert cluster.id is not None and actor.id is not None
    if cluster.id not in led_clusters(session, actor, drive.year):
        raise Forbidden(
            f"{who(actor)} không thuộc đơn vị Cụm trưởng {cluster.name} năm {drive.year}, "
            "không được xác nhận kết quả đợt thi đua của cụm"
        )
    if drive.status != DriveStatus.OPEN:
        raise WrongStage(f"Kết quả đợt thi đua '{drive.name}' đã được ghi nhận")
    if cluster.id in _confirmations(session, drive_id):
        raise Conflict(f"{cluster.name} đã xác nhận kết quả đợt thi đua '{drive.name}'")
    reports = _reports(session, drive_id)
    missing = [u.name for u, _ in scope if u.id not in reports]
    if missing and (today or local_today()) <= deadline(drive):
        raise NotReady(
            f"Chưa báo cáo: {', '.join(missing)}; xác nhận khi đủ báo cáo hoặc sau hạn "
            f"{deadline(drive):%d/%m/%Y}"
        )
    codes = {u.code: u for u, _ in scope}
    proposed: list[str] = []
    for i, code in enumerate(propose):
        unit = codes.get(code)
        if unit is None:
            raise InvalidInput(f"commend[{i}]", f"'{code}' không phải đơn vị tham gia của cụm")
        if unit.id not in reports:
            raise InvalidInput(f"commend[{i}]", f"{unit.name} chưa báo cáo kết quả")
        if code not in proposed:
            proposed.append(code)
    row = DriveConfirmation(
        drive_id=drive_id, cluster_id=cluster.id, actor_id=actor.id, proposed=proposed
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="drive.confirm",
        entity="driveconfirmation",
        entity_id=row.id,
        after={"drive": drive_id, "cluster": cluster.code, "missing": missing, "commend": proposed},
    )
    return row


def record_results(session: Session, drive_id: int) -> bool:
    """Record every unit's result once every cluster has confirmed (idempotent: False when
    not yet confirmed or already recorded)."""
    drive = get_drive(session, drive_id)
    if drive.status != DriveStatus.OPEN:
        return False
    scope = scope_of(session, drive_id)
    confirmations = _confirmations(session, drive_id)
    if any(c.id not in confirmations for _, c in scope):
        return False
    reports = _reports(session, drive_id)
    maximum = sum(t.maximum for t in targets_of(drive))
    by_cluster: dict[int, list[tuple[Unit, float]]] = {}
    for unit, cluster in scope:
        assert cluster.id is not None
        report = reports.get(unit.id or 0)
        by_cluster.setdefault(cluster.id, []).append((unit, report.total if report else 0.0))
    recorded = []
    for cluster_id, rows in by_cluster.items():
        proposed = set(confirmations[cluster_id].proposed)
        for unit, points in rows:
            assert unit.id is not None
            # Competition ranking: equal points share a rank, the next rank skips.
            rank = 1 + sum(1 for _, p in rows if p > points)
            session.add(
                DriveResult(
                    drive_id=drive_id,
                    unit_id=unit.id,
                    cluster_id=cluster_id,
                    points=points,
                    maximum=maximum,
                    rank=rank,
                    reported=unit.id in reports,
                    proposed=unit.code in proposed,
                )
            )
            recorded.append({"unit": unit.code, "points": points, "rank": rank})
    any_proposed = any(c.proposed for c in confirmations.values())
    drive.status = DriveStatus.RECORDED if any_proposed else DriveStatus.CLOSED
    drive.recorded_at = utcnow()
    session.add(drive)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="drive.record",
        entity="drive",
        entity_id=drive_id,
        after={"results": recorded, "status": drive.status.value},
        key=f"drive.record:{drive_id}",
    )
    return True


def commend(
    session: Session, *, actor: Actor, drive_id: int, units: Sequence[str] | None = None
) -> list[str]:
    """The directorate approves the commendation list: the units the leaders proposed, or
    those of them given in `units`. Returns the approved unit codes."""
    drive = get_drive(session, drive_id)
    if actor.role != Role.DIRECTORATE:
        raise Forbidden(
            f"{who(actor)} không có quyền phê duyệt danh sách giấy khen; cần vai trò "
            f"{ROLE_LABELS[Role.DIRECTORATE]}"
        )
    if drive.status == DriveStatus.OPEN:
        raise WrongStage(f"Kết quả đợt thi đua '{drive.name}' chưa được ghi nhận")
    if drive.status == DriveStatus.CLOSED:
        raise Conflict(
            f"Đợt thi đua '{drive.name}' đã kết thúc (danh sách giấy khen đã phê duyệt "
            "hoặc không có đề nghị)"
        )
    rows = session.exec(
        select(DriveResult, Unit)
        .join(Unit, col(Unit.id) == col(DriveResult.unit_id))
        .where(DriveResult.drive_id == drive_id)
    ).all()
    proposed = {u.code: r for r, u in rows if r.proposed}
    chosen = list(proposed) if units is None else list(dict.fromkeys(units))
    for i, code in enumerate(chosen):
        if code not in proposed:
            raise InvalidInput(
                f"unit[{i}]", f"'{code}' không có trong danh sách Cụm trưởng đề nghị"
            )
    for code in chosen:
        proposed[code].commended = True
        session.add(proposed[code])
    drive.status = DriveStatus.CLOSED
    drive.commendation_approved_by = actor.id
    drive.commendation_approved_at = utcnow()
    session.add(drive)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="drive.commend",
        entity="drive",
        entity_id=drive_id,
        after={"commended": sorted(chosen), "proposed": sorted(proposed)},
    )
    return sorted(chosen)


REPORTING = "báo-cáo"  # the phase that waits for the units' reports until the deadline


@dataclass(frozen=True)
class DriveStep:
    """What the drive's review run does next: `record` the results, wait (`key` is fresh for
    each suspension) or stop (`done`). `phase` is its tag in the Prefect UI."""

    kind: str  # "record" | "wait" | "done"
    phase: str
    says: str
    key: str | None = None


def plan(session: Session, drive_id: int, *, today: date | None = None) -> DriveStep:
    drive = get_drive(session, drive_id)
    if drive.status == DriveStatus.CLOSED:
        return DriveStep("done", "đã-kết-thúc", "đã ghi kết quả, kết thúc đợt thi đua")
    if drive.status == DriveStatus.RECORDED:
        phase, says = "giấy-khen", "chờ Ban Giám đốc phê duyệt danh sách giấy khen"
    else:
        scope = scope_of(session, drive_id)
        confirmed = _confirmations(session, drive_id)
        if all(c.id in confirmed for _, c in scope):
            return DriveStep("record", "ghi-kết-quả", "ghi nhận kết quả")
        reports = _reports(session, drive_id)
        all_in = all(u.id in reports for u, _ in scope)
        if all_in or (today or local_today()) > deadline(drive):
            phase, says = "xác-nhận", "chờ Cụm trưởng xác nhận kết quả"
        else:
            phase = REPORTING
            says = f"chờ các đơn vị báo cáo (hạn {deadline(drive):%d/%m/%Y})"
    drive.waits += 1
    session.add(drive)
    return DriveStep("wait", phase, says, key=f"d{drive_id}-{phase}-w{drive.waits}")


def bind(session: Session, drive_id: int, run_id: UUID | None) -> Drive:
    drive = get_drive(session, drive_id)
    if run_id is not None and drive.flow_run_id != run_id:
        drive.flow_run_id = run_id
        session.add(drive)
        audit.record(
            session,
            actor=None,
            action="drive.bind",
            entity="drive",
            entity_id=drive_id,
            after={"flow_run_id": str(run_id)},
            key=f"drive.bind:{drive_id}:{run_id}",
        )
    return drive


def clusters_of(session: Session, drive_id: int) -> list[Cluster]:
    seen: dict[str, Cluster] = {}
    for _, c in scope_of(session, drive_id):
        seen.setdefault(c.code, c)
    return list(seen.values())
