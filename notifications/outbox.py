"""Writing messages to the outbox, in the caller's transaction, once per cause.

A message exists exactly when the event that causes it was committed (a rolled-back stage leaves
no message). Its idempotency key is derived from the cause, ``<event>:<cause>:<actor>:<channel>``
(the cause is the stage run, or the returned self-assessment), and a key already taken is
skipped, so a retried stage task or a resumed campaign never enqueues twice. Nothing here touches
the network: notifications/delivery.py sends what is written.
"""

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from sqlmodel import Session, col, select

from models import (
    Channel,
    ChannelKind,
    OutboxMessage,
    OutboxStatus,
    StageRun,
)
from models.types import utcnow
from notifications.digest import next_digest_at
from notifications.recipients import Recipient
from notifications.render import Rendered, language_of, local_naive, render_message, utc_offset
from thidua.links import ui_url
from thidua.services.context import CampaignView
from thidua.settings import get_settings

log = logging.getLogger(__name__)


def _campaign_context(view: CampaignView, run: StageRun | None) -> dict[str, Any]:
    flow_run_id = view.campaign.flow_run_id
    due = run.due_at if run is not None else None
    return {
        "campaign": {
            "id": view.id,
            "name": view.run_name,
            "year": view.year,
            "cluster": view.cluster.name,
            "movement": view.movement.name,
        },
        "stage": (
            {"number": run.stage.number, "key": run.stage.value, "attempt": run.attempt}
            if run is not None
            else None
        ),
        "due": local_naive(due) if due else None,
        "due_at_utc": due.astimezone(UTC).isoformat() if due else None,
        "tz": utc_offset(due or utcnow()),
        "link": ui_url(flow_run_id) if flow_run_id else "",
    }


def enqueue(
    session: Session,
    *,
    event: str,
    view: CampaignView,
    recipients: Sequence[Recipient],
    cause: str,
    context: Mapping[str, Any] | None = None,
    run: StageRun | None = None,
) -> int:
    """Write one message per recipient and active channel, unless its key is already taken.

    Runs in the caller's transaction. A template that fails to render stores the message as
    failed with the error (shown by `thidua status`); it never fails the event. Returns the
    number of messages written.
    """
    settings = get_settings()
    if not settings.notifications_enabled or not recipients:
        return 0
    seen: set[int] = set()
    people: list[Recipient] = []
    for r in recipients:
        assert r.actor.id is not None
        if r.actor.active and r.actor.id not in seen:
            seen.add(r.actor.id)
            people.append(r)
    channels: dict[int, list[Channel]] = {}
    for ch in session.exec(
        select(Channel)
        .where(col(Channel.actor_id).in_(seen), col(Channel.active).is_(True))
        .order_by(col(Channel.id))
    ).all():
        channels.setdefault(ch.actor_id, []).append(ch)
    planned = [
        (r, ch, f"{event}:{cause}:{r.actor.id}:{ch.id}")
        for r in people
        for ch in channels.get(r.actor.id or 0, [])
    ]
    if not planned:
        return 0
    taken = set(
        session.exec(
            select(OutboxMessage.idempotency_key).where(
                col(OutboxMessage.idempotency_key).in_([k for _, _, k in planned])
            )
        ).all()
    )
    base = {**_campaign_context(view, run), **(context or {}), "event": event}
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for r, ch, key in planned:
        if key in taken:
            continue
        assert r.actor.id is not None and ch.id is not None
        lang = language_of(r.actor)
        ctx = {
            **base,
            **r.extra,
            "lang": lang,
            "key": key,
            "recipient": {
                "full_name": r.actor.full_name,
                "username": r.actor.username,
                "role": r.role,
            },
            "unit": {"code": r.unit.code, "name": r.unit.name} if r.unit else None,
        }
        status, error = OutboxStatus.PENDING, None
        try:
            msg = render_message(event, lang, ctx, webhook=ch.kind == ChannelKind.WEBHOOK)
        except Exception as exc:
            log.exception("Không dựng được thông báo %s (%s)", key, lang)
            msg = Rendered(
                subject=f"[thidua] {event}", body_text="", body_html="", payload_json=None
            )
            status, error = OutboxStatus.FAILED, f"lỗi mẫu thông báo: {exc}"[:500]
        digest = ch.digest and ch.kind == ChannelKind.EMAIL
        rows.append(
            dict(
                idempotency_key=key,
                actor_id=r.actor.id,
                channel_id=ch.id,
                channel_kind=ch.kind,
                event=event,
                campaign_id=view.id,
                language=lang,
                subject=msg.subject,
                body_text=msg.body_text,
                body_html=msg.body_html or None,
                payload_json=msg.payload_json,
                digest=digest,
                status=status,
                last_error=error,
                next_attempt_at=next_digest_at(now) if digest else now,
                created_at=now,
            )
        )
    return _insert(session, rows)


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert the messages, skipping any whose key a concurrent retry took meanwhile; returns
    how many were written.

    One statement that skips a taken key itself (INSERT … ON CONFLICT (idempotency_key) DO
    NOTHING, on SQLite and PostgreSQL alike): no savepoint, no ORM object per message, and no
    IntegrityError to catch, so any other error of these rows fails the command.
    """
    if not rows:
        return 0
    # The caller's rows go first: their errors are theirs, raised here.
    session.flush()
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    # Only the dialect in use is imported (PostgreSQL's alone costs a short command ~0.1 s).
    statement: Any
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        statement = postgresql_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    statement = statement.on_conflict_do_nothing(
        index_elements=[table.c.idempotency_key]
    ).returning(table.c.id)
    defaults = {"attempts": 0, "body_html": None, "payload_json": None}
    written = session.connection().execute(statement, [{**defaults, **row} for row in rows])
    return len(written.all())
