"""Who hears a campaign's news: its units' officers, its cluster leader, the directorate.

Each person hears only what concerns their role and unit; a recipient may carry variables of
their own (``extra``), e.g. only their unit's missing items.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from models import (
    Actor,
    Role,
    Unit,
)
from rules.stages import Stage
from thidua.services.context import CampaignView

OFFICER_STAGES = (Stage.SELF_ASSESSMENT, Stage.PEER_REVIEW, Stage.VOTE)


@dataclass(frozen=True)
class Recipient:
    actor: Actor
    role: str  # officer | leader | directorate
    unit: Unit | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # this person's own variables


def _actors(session: Session, role: Role, unit_ids: Sequence[int | None] | None) -> list[Actor]:
    stmt = select(Actor).where(Actor.role == role, col(Actor.active).is_(True))
    if unit_ids is not None:
        stmt = stmt.where(col(Actor.unit_id).in_([u for u in unit_ids if u is not None]))
    return list(session.exec(stmt.order_by(col(Actor.id))).all())


def officers(
    session: Session, view: CampaignView, units: Sequence[Unit] | None = None
) -> list[Recipient]:
    """The unit officers of `units` (default: every member unit), each with their unit."""
    units = view.members if units is None else units
    by_id = {u.id: u for u in units}
    return [
        Recipient(a, "officer", by_id[a.unit_id])
        for a in _actors(session, Role.UNIT_OFFICER, list(by_id))
    ]


def cluster_leaders(session: Session, view: CampaignView) -> list[Recipient]:
    if view.leader is None:
        return []
    return [
        Recipient(a, "leader", view.leader)
        for a in _actors(session, Role.CLUSTER_LEADER, [view.leader.id])
    ]


def directorate(session: Session) -> list[Recipient]:
    return [Recipient(a, "directorate") for a in _actors(session, Role.DIRECTORATE, None)]
