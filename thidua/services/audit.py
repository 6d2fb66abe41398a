"""Writing the audit log. Every command writes its event in the same transaction as its change.

Events form a hash chain (models.audit.event_hash). Appenders take turns on the one-row chain
head: on PostgreSQL by locking it (SELECT … FOR UPDATE, held to the commit, so the next
appender reads the hash this one wrote); on SQLite every transaction already holds the write
lock from BEGIN IMMEDIATE (thidua/db.py). Either way ids are handed out in chain order.
"""

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Actor, AuditChainHead, AuditEvent, Campaign
from models.audit import event_hash
from models.types import utcnow

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
    row = _row(session, actor, action, campaign_id, entity, entity_id, before, after, key)
    ids = _append(session, [row])
    if not ids:
        return None
    return AuditEvent(id=ids[0], **row)


def record_each(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    campaign_id: int | None,
    entity: str,
    items: Sequence[tuple[object, dict[str, Any]]],
) -> None:
    """One event per (entity_id, after) of `items`, in their order: the same events as as many
    `record` calls, appended with one look at the chain head and one insert."""
    rows = [
        _row(session, actor, action, campaign_id, entity, entity_id, None, after, None)
        for entity_id, after in items
    ]
    if rows:
        _append(session, rows)


def _row(
    session: Session,
    actor: Actor | None,
    action: str,
    campaign_id: int | None,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    key: str | None,
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor_id": actor.id if actor else None,
        "substitute_id": substitute_id_of(session) if actor is not None else None,
        "action": action,
        "campaign_id": campaign_id,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
        "key": key,
    }


def _append(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Link the events to the chain's head, in order, and insert them; the head moves to the
    last. Returns their ids; an event whose key is logged already is left out (not written).

    Plain statements, not ORM objects: the ORM's flush of one event cost more than the rest of
    its append. The caller's pending rows are flushed first (by the head's read), so an error
    of theirs is raised as theirs."""
    prev = session.exec(_HEAD).first()
    # After the lock: on PostgreSQL (READ COMMITTED) this statement sees every event committed
    # by the appenders that held the head before us.
    rows = [
        r
        for r in rows
        if r["key"] is None or not session.exec(_LOGGED, params={"key": r["key"]}).first()
    ]
    if not rows:
        return []
    last = prev or ""
    for r in rows:
        r["prev_hash"] = last
        r["hash"] = last = event_hash(**r)
    connection = session.connection()
    ids = list(connection.execute(_INSERT, rows).scalars())
    values = {"last_event_id": ids[-1], "last_hash": last}
    if prev is None:
        # Only a database whose migration found no head (never after 0003): the first
        # appender makes it, and a racing one fails on the primary key and retries the command.
        connection.execute(insert(AuditChainHead).values(id=1, **values))
    else:
        connection.execute(_MOVE_HEAD, values)
    return ids


# Built once: an event is appended thousands of times in a national stage close.
_HEAD = select(AuditChainHead.last_hash).where(AuditChainHead.id == 1).with_for_update()
_LOGGED = select(AuditEvent.id).where(AuditEvent.key == bindparam("key"))
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
# Ids in the order of the rows, whatever the database returns them in (several at once).
_INSERT = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
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
        row = {
            "at": utcnow(),
            "actor_id": actor_id,
            "substitute_id": substitute_id if actor_id is not None else None,
            "action": "access.refused",
            "campaign_id": campaign_id,
            "entity": "command",
            "entity_id": command[:500],
            "before": None,
            "after": {
                "claimed_username": claimed,
                "authenticated": actor_id is not None,
                "reason": reason,
            },
            "key": None,
        }
        _append(session, [row])
        session.commit()
