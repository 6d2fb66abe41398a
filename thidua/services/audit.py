"""Writing the audit log. Every command writes its event in the same transaction as its change."""

from contextvars import ContextVar
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import Actor, AuditEvent

# Set while a substitute acts under a delegation (thidua.services.delegation.acting_for).
acting_substitute: ContextVar[Actor | None] = ContextVar("acting_substitute", default=None)


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    campaign_id: int | None = None,
    entity: str = "",
    entity_id: object = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    key: str | None = None,
) -> AuditEvent | None:
    """Append one event. With a `key`, an event already logged under it is not logged again."""
    if key is not None:
        existing = session.exec(select(AuditEvent).where(AuditEvent.key == key)).first()
        if existing is not None:
            return None
    substitute = acting_substitute.get() if actor is not None else None
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        substitute_id=substitute.id if substitute else None,
        action=action,
        campaign_id=campaign_id,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        key=key,
    )
    if key is None:
        session.add(event)
        return event
    # The caller's own rows are flushed first, outside the savepoint: an error of theirs must
    # fail the command, never be taken for a duplicate event and swallowed with it.
    session.flush()
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        # A concurrent retry logged the same key first: that event stands for both.
        return None
    return event
