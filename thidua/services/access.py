"""Who may do what: deny by default, and say exactly why when refusing."""

from models import Actor, Role, Unit
from models.org import ROLE_LABELS
from thidua.errors import Forbidden
from thidua.services.context import CampaignView


def _who(actor: Actor) -> str:
    return f"Người dùng '{actor.username}' ({ROLE_LABELS[actor.role]})"


def require_role(actor: Actor, role: Role, action: str) -> None:
    if actor.role != role:
        raise Forbidden(f"{_who(actor)} không có quyền {action}; cần vai trò {ROLE_LABELS[role]}")


def require_officer_of(actor: Actor, unit: Unit, action: str) -> None:
    require_role(actor, Role.UNIT_OFFICER, action)
    if actor.unit_id != unit.id:
        raise Forbidden(
            f"{_who(actor)} không thuộc {unit.name}, không được {action} thay đơn vị này"
        )


def require_cluster_leader(actor: Actor, view: CampaignView, action: str) -> None:
    require_role(actor, Role.CLUSTER_LEADER, action)
    if view.leader is None or actor.unit_id != view.leader.id:
        leader = view.leader.name if view.leader else "chưa có"
        raise Forbidden(
            f"{_who(actor)} không thuộc đơn vị Cụm trưởng {view.cluster.name} năm {view.year} "
            f"({leader}), không được {action}"
        )


def require_member_officer(actor: Actor, view: CampaignView, action: str) -> Unit:
    """The unit an officer acts for, which must be a member of the campaign's cluster."""
    require_role(actor, Role.UNIT_OFFICER, action)
    for unit in view.members:
        if unit.id == actor.unit_id:
            return unit
    raise Forbidden(f"{_who(actor)} không thuộc đơn vị thành viên của {view.cluster.name}")


# Who reads a campaign's status, results and documents (the web portal): the directorate, the
# council and admins every campaign; an officer or a unit's commander the campaigns of the
# cluster their unit belongs to that year (as queries.campaign_ids(readable_by=…) lists them).
READ_ALL = (Role.DIRECTORATE, Role.COUNCIL, Role.ADMIN)


def require_reader_of(actor: Actor, view: CampaignView) -> None:
    if actor.role in READ_ALL:
        return
    if actor.unit_id is not None and any(u.id == actor.unit_id for u in view.members):
        return
    raise Forbidden(
        f"{_who(actor)} không thuộc đơn vị thành viên của {view.cluster.name} năm {view.year}, "
        f"không được xem đợt bình xét này"
    )
