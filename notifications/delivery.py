"""Sending the outbox: the delivery round, its leases and its retries.

One round (`deliver_pending`):

1. Claim: one short transaction marks due messages ``sending`` with this round's token and a
   lease. It is a conditional UPDATE (only rows still pending, or whose lease ran out), so two
   deliverers — threads, processes or machines — never claim the same message; a claim whose
   deliverer died is taken over when its lease ends.
2. Send, outside any transaction, every call bounded by ``settings.notify_timeout_seconds``
   (notifications/smtp.py, notifications/webhooks.py); the round stops at its time budget and
   gives back what it did not try.
3. Record each result in its own short transaction, only while the claim is still ours: sent;
   or attempts + 1, ``last_error`` and ``next_attempt_at`` with exponential backoff (``failed``
   after ``notify_max_attempts`` or at once when the server refuses the recipient for good).

Exactly once: the outbox holds one message per cause (notifications/outbox.py). Between a send
and its record, delivery is at least once (a crash there resends after the lease), so every
e-mail carries a Message-ID and every webhook an ``X-Thidua-Delivery`` header derived from the
message's idempotency key: a receiver drops the rare duplicate by it.
"""

import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from models import Actor, Channel, ChannelKind, OutboxMessage, OutboxStatus
from models.types import utcnow
from notifications.jobs import Job, Result
from notifications.smtp import NO_SMTP, send_emails
from notifications.webhooks import send_webhooks
from thidua.db import session_scope
from thidua.settings import Settings, get_settings

SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed this time, tried again later
    failed: int = 0  # given up
    not_tried: int = 0  # no configuration (SMTP, webhook secret) or out of time
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "not_tried": self.not_tried,
            "errors": sorted(set(self.errors)),
        }


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min, … at most 6 hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(hours=6))


def deliver_pending(
    session_factory: SessionFactory = session_scope,
    *,
    settings: Settings | None = None,
    transport: httpx.BaseTransport | None = None,
    now: datetime | None = None,
    limit: int = 100,
    budget_seconds: float = 30.0,
) -> DeliveryReport:
    """Send what is due at `now`. Raises only if the database fails, never for a channel."""
    settings = settings or get_settings()
    now = now or utcnow()
    token = uuid.uuid4().hex
    stop_at = time.monotonic() + budget_seconds
    lease = timedelta(seconds=budget_seconds + 4 * settings.notify_timeout_seconds + 60)
    with session_factory() as session:
        if not settings.smtp_host:
            _note_unconfigured(session)
        jobs = _claim(session, token, now, lease, limit, email=bool(settings.smtp_host))
    report = DeliveryReport(claimed=len(jobs))

    def record(group: list[Job], result: Result) -> None:
        with session_factory() as session:
            _record(session, token, [j.id for j in group], result, now, settings, report)

    usable = []
    for job in jobs:
        if job.usable:
            record([job], Result(ok=False, error=job.usable, permanent=True))
        else:
            usable.append(job)
    send_emails([j for j in usable if j.kind == ChannelKind.EMAIL], settings, record, stop_at)
    send_webhooks(
        [j for j in usable if j.kind == ChannelKind.WEBHOOK], settings, transport, record, stop_at
    )
    return report


def has_work(
    session_factory: SessionFactory = session_scope,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether a round would claim anything now: a cheap look before starting one. Without
    SMTP it also notes why the e-mails wait, as a round would."""
    settings = settings or get_settings()
    kinds = [ChannelKind.WEBHOOK, *([ChannelKind.EMAIL] if settings.smtp_host else [])]
    with session_factory() as session:
        if not settings.smtp_host:
            _note_unconfigured(session)
        due = session.exec(
            select(OutboxMessage.id)
            .where(_due(now or utcnow()), col(OutboxMessage.channel_kind).in_(kinds))
            .limit(1)
        ).first()
    return due is not None


def _due(now: datetime) -> Any:
    return or_(
        and_(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.next_attempt_at) <= now,
        ),
        and_(
            col(OutboxMessage.status) == OutboxStatus.SENDING,
            col(OutboxMessage.lease_until) < now,
        ),
    )


def _note_unconfigured(session: Session) -> None:
    session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.channel_kind) == ChannelKind.EMAIL,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            or_(col(OutboxMessage.last_error).is_(None), col(OutboxMessage.last_error) != NO_SMTP),
        )
        .values(last_error=NO_SMTP)
    )


def _claim(
    session: Session, token: str, now: datetime, lease: timedelta, limit: int, *, email: bool
) -> list[Job]:
    kinds = [ChannelKind.WEBHOOK, *([ChannelKind.EMAIL] if email else [])]
    ids = session.exec(
        select(OutboxMessage.id)
        .where(_due(now), col(OutboxMessage.channel_kind).in_(kinds))
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
    ).all()
    if not ids:
        return []
    # Conditional: a row another deliverer claimed in between no longer matches `_due`.
    session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), _due(now))
        .values(status=OutboxStatus.SENDING, claim_token=token, lease_until=now + lease)
    )
    rows = session.exec(
        select(OutboxMessage, Channel, Actor)
        .join(Channel, col(Channel.id) == col(OutboxMessage.channel_id))
        .join(Actor, col(Actor.id) == col(OutboxMessage.actor_id))
        .where(OutboxMessage.claim_token == token)
        .order_by(col(OutboxMessage.id))
    ).all()
    jobs = []
    for msg, channel, actor in rows:
        assert msg.id is not None
        usable = None
        if not channel.active:
            usable = "kênh nhận thông báo đã tắt"
        elif not actor.active:
            usable = "người nhận không còn hoạt động"
        jobs.append(
            Job(
                id=msg.id,
                key=msg.idempotency_key,
                event=msg.event,
                kind=msg.channel_kind,
                channel_id=msg.channel_id,
                address=channel.address,
                secret_ref=channel.secret_ref,
                usable=usable,
                full_name=actor.full_name,
                username=actor.username,
                language=msg.language,
                subject=msg.subject,
                body_text=msg.body_text,
                body_html=msg.body_html,
                payload_json=msg.payload_json,
                digest=msg.digest,
                created_at=msg.created_at,
            )
        )
    return jobs


def _record(
    session: Session,
    token: str,
    ids: list[int],
    result: Result,
    now: datetime,
    settings: Settings,
    report: DeliveryReport,
) -> None:
    rows = session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            OutboxMessage.claim_token == token,
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .with_for_update()
    ).all()
    for row in rows:
        row.claim_token = None
        row.lease_until = None
        if result.ok:
            row.status = OutboxStatus.SENT
            row.sent_at = utcnow()
            row.attempts += 1
            row.last_error = None
            report.sent += 1
        elif not result.attempted:
            row.status = OutboxStatus.PENDING
            if result.error:
                row.last_error = result.error
            report.not_tried += 1
        else:
            row.attempts += 1
            row.last_error = (result.error or "lỗi không rõ")[:1000]
            if result.permanent or row.attempts >= settings.notify_max_attempts:
                row.status = OutboxStatus.FAILED
                report.failed += 1
            else:
                row.status = OutboxStatus.PENDING
                row.next_attempt_at = now + backoff(row.attempts)
                report.retrying += 1
        session.add(row)
    if result.error:
        report.errors.append(result.error)
