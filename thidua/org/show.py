"""`thidua org show`: the organisation of one year, and what still stops its cycle."""

from typing import Any

from sqlmodel import Session, col, select

from models import Actor, Cluster, MemberRole, Membership, Movement, Role, Unit
from models.org import ROLE_LABELS
from thidua.services.cycles import this_year

MIN_MEMBERS = 3  # start_cycle refuses a cluster with fewer


def default_year(session: Session) -> int:
    """The latest year with memberships (next year's, once a vote has set them up)."""
    year = session.exec(select(Membership.year).order_by(col(Membership.year).desc())).first()
    return year if year is not None else this_year()


def _person(a: Actor) -> dict[str, Any]:
    return {
        "username": a.username,
        "full_name": a.full_name,
        "rank": a.rank,
        "position": a.position,
        "role": a.role.value,
        "role_label": ROLE_LABELS[a.role],
        "has_secret": a.secret_hash is not None,
    }


def org_view(session: Session, year: int) -> dict[str, Any]:
    people = session.exec(
        select(Actor).where(col(Actor.active).is_(True)).order_by(col(Actor.username))
    ).all()
    by_unit: dict[int | None, list[Actor]] = {}
    for a in people:
        by_unit.setdefault(a.unit_id, []).append(a)
    blockers: list[str] = []
    clusters = []
    rows = session.exec(
        select(Membership, Unit, Cluster)
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .join(Cluster, col(Cluster.id) == col(Membership.cluster_id))
        .where(Membership.year == year)
        .order_by(col(Cluster.code), col(Membership.id))
    ).all()
    grouped: dict[str, tuple[Cluster, list[tuple[Membership, Unit]]]] = {}
    for m, u, c in rows:
        grouped.setdefault(c.code, (c, []))[1].append((m, u))
    order = {MemberRole.LEADER: 0, MemberRole.DEPUTY: 1, MemberRole.MEMBER: 2}
    for code, (cluster, members) in grouped.items():
        members.sort(key=lambda mu: order[mu[0].role])
        units = []
        for m, u in members:
            staff = by_unit.get(u.id, [])
            roles = {a.role for a in staff}
            if Role.UNIT_OFFICER not in roles:
                blockers.append(f"{cluster.name}: đơn vị {u.code} ({u.name}) chưa có cán bộ đơn vị")
            if m.role == MemberRole.LEADER and Role.CLUSTER_LEADER not in roles:
                blockers.append(
                    f"{cluster.name}: đơn vị Cụm trưởng {u.code} chưa có người vai trò "
                    "cluster_leader"
                )
            units.append(
                {
                    "code": u.code,
                    "name": u.name,
                    "role": m.role.value,
                    "carried_over": m.carried_over,
                    "people": [_person(a) for a in staff],
                }
            )
        if not any(m.role == MemberRole.LEADER for m, _ in members):
            blockers.append(f"{cluster.name} ({code}) chưa có đơn vị Cụm trưởng năm {year}")
        if len(members) < MIN_MEMBERS:
            blockers.append(f"{cluster.name} ({code}) có dưới {MIN_MEMBERS} đơn vị năm {year}")
        clusters.append({"code": code, "name": cluster.name, "body": cluster.body, "units": units})
    movements = [
        {"code": m.code, "name": m.name}
        for m in session.exec(select(Movement).order_by(col(Movement.id))).all()
    ]
    if not movements:
        blockers.append("chưa có phong trào thi đua nào")
    if not clusters:
        blockers.append(f"chưa có cụm nào có đơn vị thành viên năm {year}")
    for role in (Role.ADMIN, Role.DIRECTORATE):
        if not any(a.role == role for a in people):
            blockers.append(f"chưa có người dùng vai trò {ROLE_LABELS[role]}")
    if missing := [a.username for a in people if a.secret_hash is None]:
        blockers.append(
            f"{len(missing)} người dùng chưa có mã bí mật (thidua actor secret --all-missing): "
            + ", ".join(missing)
        )
    return {
        "year": year,
        "movements": movements,
        "clusters": clusters,
        "others": [_person(a) for a in by_unit.get(None, [])],
        "blockers": blockers,
    }
