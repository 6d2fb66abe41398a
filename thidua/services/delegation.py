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


def acting_for(session: Session, substitute: Actor, principal: str) -> Actor:
    """The principal, if `substitute` holds a delegation from them now. From here on, audit
    events of this command name the substitute beside the principal."""
    who = get_actor(session, principal)
    now = utcnow()
    granted = session.exec(
        select(Delegation).where(
            Delegation.principal_id == who.id,
            Delegation.substitute_id == substitute.id,
            col(Delegation.revoked_at).is_(None),
            Delegation.starts <= now,
            Delegation.ends > now,
        )
    ).first()
    if granted is None:
        raise Forbidden(f"'{substitute.username}' không được '{principal}' ủy quyền lúc này")
    audit.acting_substitute.set(substitute)
    return who
