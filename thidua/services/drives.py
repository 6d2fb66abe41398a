"""Emulation drives (đợt thi đua): launched by the directorate (any clusters) or a cluster
leader (its own cluster), reported on by each unit taking part, confirmed by the leader of each
cluster, recorded, and optionally crowned by a commendation list the directorate approves.

Every function here is one command's change: the caller's transaction holds it and its audit
event together (thidua.db.session_scope), so a refusal leaves nothing half-written.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from models import (
    Actor,
    Cluster,
    Drive,
    DriveConfirmation,
    DriveReport,
    DriveStatus,
    DriveTarget,
    DriveUnit,
    MemberRole,
    Membership,
    Role,
    Unit,
)
from models.org import ROLE_LABELS
from models.types import utcnow
from thidua.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    WrongStage,
    from_validation,
)
from thidua.limits import REASON, TEXT, TITLE, check_text
from thidua.localtime import local
from thidua.services import audit

MAX_TARGETS = 20


def local_today() -> date:
    return local(utcnow()).date()


def deadline(drive: Drive) -> date:
    """The last day for reports and confirmations: the drive's end plus its review days."""
    return drive.ends_on + timedelta(days=drive.review_days)


def get_drive(session: Session, drive_id: int) -> Drive:
    drive = session.get(Drive, drive_id)
    if drive is None:
        raise NotFound(f"Không có đợt thi đua #{drive_id}")
    return drive


def targets_of(drive: Drive) -> list[DriveTarget]:
    return [DriveTarget.model_validate(t) for t in drive.targets]


def who(actor: Actor) -> str:
    return f"Người dùng '{actor.username}' ({ROLE_LABELS[actor.role]})"


def led_clusters(session: Session, actor: Actor, year: int) -> set[int]:
    if actor.role != Role.CLUSTER_LEADER or actor.unit_id is None:
        return set()
    rows = session.exec(
        select(Membership.cluster_id).where(
            Membership.unit_id == actor.unit_id,
            Membership.year == year,
            Membership.role == MemberRole.LEADER,
        )
    ).all()
    return set(rows)


def _check_targets(raw: Sequence[DriveTarget | dict[str, Any]]) -> list[DriveTarget]:
    if not raw:
        raise InvalidInput("targets", "đợt thi đua cần ít nhất một chỉ tiêu")
    if len(raw) > MAX_TARGETS:
        raise InvalidInput("targets", f"nhiều nhất {MAX_TARGETS} chỉ tiêu")
    targets: list[DriveTarget] = []
    for i, item in enumerate(raw):
        data = item.model_dump() if isinstance(item, DriveTarget) else item
        try:
            targets.append(DriveTarget.model_validate(data))
        except ValidationError as exc:
            raise from_validation(exc, f"targets[{i}]") from None
        check_text(f"targets[{i}].name", targets[-1].name, max_length=TITLE)
        if any(t.code == targets[-1].code for t in targets[:-1]):
            raise InvalidInput(f"targets[{i}].code", f"mã chỉ tiêu '{targets[-1].code}' bị trùng")
    return targets


def _scope(
    session: Session, year: int, clusters: Sequence[str], units: Sequence[str]
) -> list[tuple[Unit, Cluster]]:
    """The units taking part, each with its cluster that year: every member of the clusters
    named, and the units named one by one."""
    if not clusters and not units:
        raise InvalidInput("clusters", "cần ít nhất một cụm thi đua hoặc một đơn vị tham gia")
    found: dict[int, tuple[Unit, Cluster]] = {}
    for i, code in enumerate(clusters):
        cluster = session.exec(select(Cluster).where(Cluster.code == code)).first()
        if cluster is None:
            raise InvalidInput(f"clusters[{i}]", f"không có cụm thi đua mã '{code}'")
        members = session.exec(
            select(Unit)
            .join(Membership, col(Membership.unit_id) == col(Unit.id))
            .where(Membership.cluster_id == cluster.id, Membership.year == year)
            .order_by(col(Unit.code))
        ).all()
        if not members:
            raise InvalidInput(f"clusters[{i}]", f"{cluster.name} không có đơn vị nào năm {year}")
        for unit in members:
            assert unit.id is not None
            found[unit.id] = (unit, cluster)
    for i, code in enumerate(units):
        row = session.exec(
            select(Unit, Cluster)
            .join(Membership, col(Membership.unit_id) == col(Unit.id))
            .join(Cluster, col(Cluster.id) == col(Membership.cluster_id))
            .where(Unit.code == code, Membership.year == year)
        ).first()
        if row is None:
            raise InvalidInput(
                f"units[{i}]", f"không có đơn vị mã '{code}' thuộc cụm thi đua nào năm {year}"
            )
        assert row[0].id is not None
        found[row[0].id] = row
    return sorted(found.values(), key=lambda uc: (uc[1].code, uc[0].code))


def launch(
    session: Session,
    *,
    actor: Actor,
    name: str,
    theme: str,
    starts_on: date,
    ends_on: date,
    targets: Sequence[DriveTarget | dict[str, Any]],
    clusters: Sequence[str] = (),
    units: Sequence[str] = (),
    review_days: int = 10,
) -> Drive:
    if actor.role not in (Role.DIRECTORATE, Role.CLUSTER_LEADER):
        raise Forbidden(
            f"{who(actor)} không có quyền phát động đợt thi đua; cần vai trò Ban Giám đốc "
            "hoặc Chỉ huy đơn vị Cụm trưởng"
        )
    if not name.strip():
        raise InvalidInput("name", "tên đợt thi đua không được để trống")
    check_text("name", name, max_length=TITLE)
    check_text("theme", theme, max_length=REASON, multiline=True)
    if ends_on < starts_on:
        raise InvalidInput(
            "ends_on", f"ngày kết thúc {ends_on:%d/%m/%Y} trước ngày bắt đầu {starts_on:%d/%m/%Y}"
        )
    if ends_on.year != starts_on.year:
        raise InvalidInput("ends_on", "một đợt thi đua phải bắt đầu và kết thúc trong cùng một năm")
    if not 1 <= review_days <= 60:
        raise InvalidInput("review_days", "thời hạn sơ kết phải từ 1 đến 60 ngày")
    checked = _check_targets(targets)
    year = starts_on.year
    scope = _scope(session, year, clusters, units)
    if actor.role == Role.CLUSTER_LEADER:
        led = led_clusters(session, actor, year)
        for _, cluster in scope:
            if cluster.id not in led:
                raise Forbidden(
                    f"{who(actor)} không thuộc đơn vị Cụm trưởng {cluster.name} năm {year}, "
                    "không được phát động đợt thi đua cho cụm này"
                )
    assert actor.id is not None
    drive = Drive(
        name=name.strip(),
        theme=theme.strip(),
        year=year,
        starts_on=starts_on,
        ends_on=ends_on,
        review_days=review_days,
        targets=[t.model_dump() for t in checked],
        launched_by=actor.id,
    )
    session.add(drive)
    session.flush()
    assert drive.id is not None
    for unit, cluster in scope:
        assert unit.id is not None and cluster.id is not None
        session.add(DriveUnit(drive_id=drive.id, unit_id=unit.id, cluster_id=cluster.id))
    audit.record(
        session,
        actor=actor,
        action="drive.launch",
        entity="drive",
        entity_id=drive.id,
        after={
            "name": drive.name,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "units": [u.code for u, _ in scope],
            "targets": [t.code for t in checked],
        },
    )
    return drive


def scope_of(session: Session, drive_id: int) -> list[tuple[Unit, Cluster]]:
    return [
        (u, c)
        for u, c in session.exec(
            select(Unit, Cluster)
            .join(DriveUnit, col(DriveUnit.unit_id) == col(Unit.id))
            .join(Cluster, col(Cluster.id) == col(DriveUnit.cluster_id))
            .where(DriveUnit.drive_id == drive_id)
            .order_by(col(Cluster.code), col(Unit.code))
        ).all()
    ]


def _confirmed(session: Session, drive_id: int, cluster_id: int) -> bool:
    return (
        session.exec(
            select(DriveConfirmation).where(
                DriveConfirmation.drive_id == drive_id, DriveConfirmation.cluster_id == cluster_id
            )
        ).first()
        is not None
    )


def _require_open(drive: Drive) -> None:
    if drive.status != DriveStatus.OPEN:
        raise WrongStage(f"Đợt thi đua '{drive.name}' đã ghi kết quả; không nhận thêm báo cáo")


def report(
    session: Session,
    *,
    actor: Actor,
    drive_id: int,
    scores: dict[str, float],
    note: str = "",
    today: date | None = None,
) -> DriveReport:
    """A unit's officer reports its own results against the drive's targets, once."""
    drive = get_drive(session, drive_id)
    if actor.role != Role.UNIT_OFFICER:
        raise Forbidden(
            f"{who(actor)} không có quyền báo cáo kết quả đợt thi đua; cần vai trò "
            f"{ROLE_LABELS[Role.UNIT_OFFICER]}"
        )
    _require_open(drive)
    mine = [(u, c) for u, c in scope_of(session, drive_id) if u.id == actor.unit_id]
    if not mine:
        raise Forbidden(f"{who(actor)} không thuộc đơn vị tham gia đợt thi đua '{drive.name}'")
    unit, cluster = mine[0]
    today = today or local_today()
    if today < drive.starts_on:
        raise WrongStage(f"Đợt thi đua '{drive.name}' bắt đầu ngày {drive.starts_on:%d/%m/%Y}")
    if today > deadline(drive):
        raise WrongStage(
            f"Đã quá hạn báo cáo đợt thi đua '{drive.name}' (hạn {deadline(drive):%d/%m/%Y})"
        )
    assert cluster.id is not None and unit.id is not None and actor.id is not None
    if _confirmed(session, drive_id, cluster.id):
        raise WrongStage(f"Cụm trưởng {cluster.name} đã xác nhận kết quả đợt thi đua")
    checked: dict[str, float] = {}
    for target in targets_of(drive):
        field = f"scores.{target.code}"
        if target.code not in scores:
            raise InvalidInput(field, f"thiếu điểm chỉ tiêu '{target.name}'")
        value = scores[target.code]
        if not 0 <= value <= target.maximum:
            raise InvalidInput(field, f"điểm {value:g} ngoài khoảng 0–{target.maximum:g}")
        checked[target.code] = float(value)
    for code in scores:
        if code not in checked:
            raise InvalidInput(f"scores.{code}", "đợt thi đua không có chỉ tiêu mã này")
    check_text("note", note, max_length=TEXT, multiline=True)
    existing = session.exec(
        select(DriveReport).where(DriveReport.drive_id == drive_id, DriveReport.unit_id == unit.id)
    ).first()
    if existing is not None:
        raise Conflict(f"{unit.name} đã báo cáo kết quả đợt thi đua '{drive.name}'")
    row = DriveReport(
        drive_id=drive_id,
        unit_id=unit.id,
        actor_id=actor.id,
        scores=checked,
        total=round(sum(checked.values()), 2),
        note=note.strip(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="drive.report",
        entity="drivereport",
        entity_id=row.id,
        after={"drive": drive_id, "unit": unit.code, "scores": checked, "total": row.total},
    )
    return row
