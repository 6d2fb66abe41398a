"""The directorate appoints a cluster's leader and deputy for a year (`thidua org appoint`).

Used where the vote elected no one and last year's were carried over, or where a leader can
no longer serve. Refused once the cluster's cycle of that year has started: its people act
under the leader they started with.
"""

from sqlmodel import Session, col, select

from models import Actor, Campaign, Cluster, Cycle, MemberRole, Membership, Role, Unit
from thidua.errors import Conflict, InvalidInput, NotFound
from thidua.services import audit
from thidua.services.access import require_role


def appoint(
    session: Session,
    *,
    actor: Actor,
    year: int,
    cluster_code: str,
    leader: str | None,
    deputy: str | None,
    reason: str,
) -> dict[str, str | None]:
    require_role(actor, Role.DIRECTORATE, "chỉ định Cụm trưởng, Cụm phó")
    if leader is None and deputy is None:
        raise InvalidInput("leader", "phải nêu --leader, --deputy hoặc cả hai")
    if leader is not None and leader == deputy:
        raise InvalidInput("deputy", "Cụm phó phải là đơn vị khác Cụm trưởng")
    if not reason.strip():
        raise InvalidInput("reason", "phải nêu lý do chỉ định")
    cluster = session.exec(select(Cluster).where(Cluster.code == cluster_code)).first()
    if cluster is None:
        raise NotFound(f"Không có cụm thi đua mã '{cluster_code}'")
    started = session.exec(
        select(Campaign.id)
        .join(Cycle, col(Cycle.id) == col(Campaign.cycle_id))
        .where(Campaign.cluster_id == cluster.id, Cycle.year == year)
    ).first()
    if started is not None:
        raise Conflict(
            f"{cluster.name} đã bắt đầu chu kỳ năm {year} (đợt #{started}): không đổi Cụm trưởng, "
            "Cụm phó giữa chừng"
        )
    rows = session.exec(
        select(Membership, Unit)
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .where(Membership.cluster_id == cluster.id, Membership.year == year)
        .with_for_update()
    ).all()
    if not rows:
        raise NotFound(f"{cluster.name} không có đơn vị thành viên năm {year}")
    by_code = {u.code: m for m, u in rows}

    def current(role: MemberRole) -> Membership | None:
        return next((m for m, _ in rows if m.role == role), None)

    def code_of(m: Membership | None) -> str | None:
        return next((u.code for mm, u in rows if mm is m), None) if m else None

    before = {
        "leader": code_of(current(MemberRole.LEADER)),
        "deputy": code_of(current(MemberRole.DEPUTY)),
        "carried_over": sorted(u.code for m, u in rows if m.carried_over),
    }
    for field, code in (("leader", leader), ("deputy", deputy)):
        if code is not None and code not in by_code:
            raise InvalidInput(
                field, f"đơn vị '{code}' không phải thành viên {cluster.name} năm {year}"
            )
    for role, code in ((MemberRole.LEADER, leader), (MemberRole.DEPUTY, deputy)):
        if code is None:
            continue
        old = current(role)
        if old is not None:
            old.role, old.carried_over = MemberRole.MEMBER, False
        chosen = by_code[code]
        chosen.role, chosen.carried_over = role, False
    after: dict[str, str | None] = {
        "leader": code_of(current(MemberRole.LEADER)),
        "deputy": code_of(current(MemberRole.DEPUTY)),
    }
    audit.record(
        session,
        actor=actor,
        action="org.appoint",
        entity="cluster",
        entity_id=f"{cluster.code}:{year}",
        before=before,
        after={**after, "reason": reason.strip()},
    )
    return after
