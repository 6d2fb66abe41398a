"""Delegation: a person names a substitute for a period; the substitute's actions are recorded
under both names (the audit event's actor is the principal, its substitute the one who acted)."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from models import Actor, Delegation
from models.types import utcnow
from thidua.errors import Forbidden, InvalidInput
from thidua.services import audit
from thidua.services.context import get_actor

LONGEST = timedelta(days=90)


def delegate(
    session: Session, *, principal: Actor, substitute: str, starts: datetime, ends: datetime
) -> Delegation:
    sub = get_actor(session, substitute)
    if sub.id == principal.id:
        raise InvalidInput("to", "không thể ủy quyền cho chính mình")
    if starts.tzinfo is None or ends.tzinfo is None:
        raise InvalidInput("from", "thời điểm phải có múi giờ (ví dụ 2019-11-20T08:00+07:00)")
    if not starts < ends <= starts + LONGEST:
        raise InvalidInput("until", "phải sau thời điểm bắt đầu và không quá 90 ngày")
    assert principal.id is not None and sub.id is not None
    row = Delegation(
        principal_id=principal.id,
        substitute_id=sub.id,
        starts=starts,
        ends=ends,
        granted_by=principal.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="delegation.grant",
        entity="delegation",
        entity_id=row.id,
        after={"substitute": sub.username, "starts": starts.isoformat(), "ends": ends.isoformat()},
    )
    return row


def live_grant(session: Session, *, substitute: Actor, principal: Actor) -> Delegation:
    """The delegation from `principal` that lets `substitute` act now; Forbidden without one."""
    now = utcnow()
    granted = session.exec(
        select(Delegation).where(
            Delegation.principal_id == principal.id,
            Delegation.substitute_id == substitute.id,
            col(Delegation.revoked_at).is_(None),
            Delegation.starts <= now,
            Delegation.ends > now,
        )
    ).first()
    if granted is None:
        raise Forbidden(
            f"'{substitute.username}' không được '{principal.username}' ủy quyền lúc này"
        )
    return granted


def acting_for(session: Session, substitute: Actor, principal: str) -> Actor:
    """The principal, if `substitute` holds a delegation from them now. From here on, audit
    events of this command name the substitute beside the principal."""
    who = get_actor(session, principal)
    live_grant(session, substitute=substitute, principal=who)
    audit.acting_substitute.set(substitute)
    return who


def revoke(session: Session, *, principal: Actor, delegation_id: int) -> Delegation:
    """The principal ends a delegation they granted (from now on, whatever its dates)."""
    row = session.get(Delegation, delegation_id)
    if row is None or row.principal_id != principal.id:
        raise InvalidInput(
            "delegation", f"'{principal.username}' không có ủy quyền số {delegation_id}"
        )
    if row.revoked_at is not None or row.ends <= utcnow():
        raise InvalidInput("delegation", f"ủy quyền số {delegation_id} đã hết hoặc đã thu hồi")
    row.revoked_at = utcnow()
    session.add(row)
    substitute = session.get(Actor, row.substitute_id)
    audit.record(
        session,
        actor=principal,
        action="delegation.revoke",
        entity="delegation",
        entity_id=row.id,
        before={"revoked_at": None},
        after={
            "substitute": substitute.username if substitute else None,
            "revoked_at": row.revoked_at.isoformat(),
        },
    )
    return row


def current(session: Session, *, actor: Actor) -> tuple[list[Delegation], list[Delegation]]:
    """The delegations not yet ended nor revoked that `actor` granted, and those granted to
    them (each sorted by start)."""
    now = utcnow()
    alive = select(Delegation).where(col(Delegation.revoked_at).is_(None), Delegation.ends > now)
    order = (col(Delegation.starts), col(Delegation.id))
    given = session.exec(alive.where(Delegation.principal_id == actor.id).order_by(*order)).all()
    held = session.exec(alive.where(Delegation.substitute_id == actor.id).order_by(*order)).all()
    return list(given), list(held)
