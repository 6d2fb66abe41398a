"""Writing the audit log. Every command writes its event in the same transaction as its change.

Events form a hash chain (models.audit.event_hash). Appenders take turns on the one-row chain
head: on PostgreSQL by locking it (SELECT … FOR UPDATE, held to the commit, so the next
appender reads the hash this one wrote); on SQLite every transaction already holds the write
lock from BEGIN IMMEDIATE (thidua/db.py). Either way ids are handed out in chain order.
"""

from contextvars import ContextVar
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Actor, AuditChainHead, AuditEvent, Campaign
from models.audit import event_hash

# Set while a substitute acts under a delegation (thidua.services.delegation.acting_for).
acting_substitute: ContextVar[Actor | None] = ContextVar("acting_substitute", default=None)
# The web names the substitute on the request's own database session instead (act_as): its
# requests run in worker threads that share no context with the code that checked who acts.
_SUBSTITUTE = "thidua.acting_substitute_id"


def act_as(session: Session, substitute_id: int | None) -> None:
    """Events written in `session` name `substitute_id` as the one who acted for their actor
    (None: nobody; this session then ignores the context variable too)."""
    session.info[_SUBSTITUTE] = substitute_id


def substitute_id_of(session: Session) -> int | None:
    if _SUBSTITUTE in session.info:
        return session.info[_SUBSTITUTE]
    substitute = acting_substitute.get()
    return substitute.id if substitute else None


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
    """Append one event. With a `key`, an event already logged under it is not logged again.

    The key is looked up only once this transaction holds the chain head (see the module's
    note): an appender that logged the same key meanwhile has committed by then, and the look-up
    sees its event. So a key never races, no savepoint is needed, and no IntegrityError is
    caught here: any that happens is a real error and fails the command with its rows.
    """
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        substitute_id=substitute_id_of(session) if actor is not None else None,
        action=action,
        campaign_id=campaign_id,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        key=key,
    )
    return event if _append(session, event) else None


def _append(session: Session, event: AuditEvent) -> bool:
    """Link `event` to the chain's head and insert it; the head moves to it. False, and nothing
    written, when an event with its key is logged already."""
    prev = session.exec(_HEAD).first()
    # After the lock: on PostgreSQL (READ COMMITTED) this statement sees every event committed
    # by the appenders that held the head before us.
    if event.key is not None and session.exec(_LOGGED, params={"key": event.key}).first():
        return False
    event.prev_hash = prev or ""
    event.hash = event_hash(
        prev_hash=event.prev_hash,
        at=event.at,
        actor_id=event.actor_id,
        substitute_id=event.substitute_id,
        action=event.action,
        campaign_id=event.campaign_id,
        entity=event.entity,
        entity_id=event.entity_id,
        before=event.before,
        after=event.after,
        key=event.key,
    )
    session.add(event)
    session.flush()
    values = {"last_event_id": event.id, "last_hash": event.hash}
    if prev is None:
        # Only a database whose migration found no head (never after 0003): the first
        # appender makes it, and a racing one fails on the primary key and retries the command.
        session.execute(insert(AuditChainHead).values(id=1, **values))
    else:
        session.execute(_MOVE_HEAD, values)
    return True


# Built once: an event is appended thousands of times in a national stage close.
_HEAD = select(AuditChainHead.last_hash).where(AuditChainHead.id == 1).with_for_update()
_LOGGED = select(AuditEvent.id).where(AuditEvent.key == bindparam("key"))
_MOVE_HEAD = update(AuditChainHead).where(col(AuditChainHead.id) == 1)


# Who a command said it was (set before the secret is checked) and who it proved to be: a
# refusal is logged under the proven actor, or with the claimed name only.
claimed_username: ContextVar[str | None] = ContextVar("claimed_username", default=None)
proven_actor_id: ContextVar[int | None] = ContextVar("proven_actor_id", default=None)


_FROM_CONTEXT: Any = object()


def record_refusal(
    engine: Engine,
    *,
    command: str,
    reason: str,
    campaign_id: int | None = None,
    actor_id: int | None = _FROM_CONTEXT,
    claimed: str | None = _FROM_CONTEXT,
    substitute_id: int | None = _FROM_CONTEXT,
) -> None:
    """Log a refused attempt in its own short transaction: the command's own transaction was
    rolled back, so that nothing it meant to write is kept — only this. The CLI leaves who
    acted to the context variables above; the web, whose requests share no context, names them
    (`actor_id`, `claimed` username)."""
    with Session(engine) as session:
        if campaign_id is not None and session.get(Campaign, campaign_id) is None:
            campaign_id = None  # an unknown campaign stays in the command line, not as a link
        if actor_id is _FROM_CONTEXT:
            actor_id = proven_actor_id.get()
        if claimed is _FROM_CONTEXT:
            claimed = claimed_username.get()
        if substitute_id is _FROM_CONTEXT:
            substitute = acting_substitute.get()
            substitute_id = substitute.id if substitute else None
        event = AuditEvent(
            actor_id=actor_id,
            substitute_id=substitute_id if actor_id is not None else None,
            action="access.refused",
            campaign_id=campaign_id,
            entity="command",
            entity_id=command[:500],
            after={
                "claimed_username": claimed,
                "authenticated": actor_id is not None,
                "reason": reason,
            },
        )
        _append(session, event)
        session.commit()
