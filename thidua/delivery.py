"""Sending the outbox: e-mail over SMTP and signed webhooks over HTTP.

Libraries:

- E-mail: the standard library's ``smtplib`` and ``email.message.EmailMessage``. They speak
  SMTP with STARTTLS, implicit TLS and AUTH, encode Vietnamese subjects and names (RFC 2047)
  and bodies (UTF-8) correctly, ship and are maintained with CPython, and add no dependency.
  The deliverer is synchronous (a short transaction, then network calls with a timeout), so an
  asyncio client such as aiosmtplib would buy nothing here.
- Webhooks: ``httpx`` (installed with Prefect already), with an injectable transport.

One round (`deliver_pending`):

1. Claim: one short transaction marks due messages ``sending`` with this round's token and a
   lease. It is a conditional UPDATE (only rows still pending, or whose lease ran out), so two
   deliverers — threads, processes or machines — never claim the same message; a claim whose
   deliverer died is taken over when its lease ends.
2. Send, outside any transaction, every call bounded by ``settings.notify_timeout_seconds``. A
   mail server or webhook host that cannot be reached fails the rest of its batch at once (one
   connect timeout per round, not one per message); the round stops at its time budget and
   gives back what it did not try.
3. Record each result in its own short transaction, only while the claim is still ours: sent;
   or attempts + 1, ``last_error`` and ``next_attempt_at`` with exponential backoff (``failed``
   after ``notify_max_attempts`` or at once when the server refuses the recipient for good).

Exactly once: the outbox holds one message per cause (thidua/services/notify.py). Between a
send and its record, delivery is at least once (a crash there resends after the lease), so
every e-mail carries a Message-ID and every webhook an ``X-Thidua-Delivery`` header derived
from the message's idempotency key: a receiver drops the rare duplicate by it.

Without ``THIDUA_SMTP_HOST`` e-mails are not tried: they stay pending with ``last_error``
`NO_SMTP` (shown by ``thidua status``), never an exception.

Webhook requests are JSON POSTs signed like this (see `sign` and `verify`)::

    X-Thidua-Timestamp: <unix seconds>
    X-Thidua-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
"""

import hashlib
import hmac
import logging
import os
import smtplib
import ssl
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

import httpx
from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from models import Actor, Channel, ChannelKind, OutboxMessage, OutboxStatus
from models.types import utcnow
from thidua.db import session_scope
from thidua.settings import Settings, get_settings
from thidua.templating import render

log = logging.getLogger(__name__)

NO_SMTP = "chưa cấu hình máy chủ thư (THIDUA_SMTP_HOST)"
NO_SECRET = "chưa cấu hình khoá ký webhook (THIDUA_WEBHOOK_SECRET hoặc secret_ref của kênh)"
TIMESTAMP_HEADER = "X-Thidua-Timestamp"
SIGNATURE_HEADER = "X-Thidua-Signature"
DELIVERY_HEADER = "X-Thidua-Delivery"
EVENT_HEADER = "X-Thidua-Event"

SessionFactory = Callable[[], AbstractContextManager[Session]]


# ---------------------------------------------------------------- signing


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the HMAC-SHA256 of ``timestamp.body``."""
    mac = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_seconds: float = 300,
    now: float | None = None,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance_seconds and hmac.compare_digest(
        sign(secret, timestamp, body), signature
    )


def webhook_secret(secret_ref: str | None, settings: Settings) -> bytes | None:
    """A channel's secret: ``env:NAME`` reads $NAME, another value is the secret itself; none
    falls back to THIDUA_WEBHOOK_SECRET."""
    if secret_ref:
        if secret_ref.startswith("env:"):
            value = os.environ.get(secret_ref.removeprefix("env:"), "")
            return value.encode() if value else None
        return secret_ref.encode()
    if settings.webhook_secret is not None and settings.webhook_secret.get_secret_value():
        return settings.webhook_secret.get_secret_value().encode()
    return None


# ---------------------------------------------------------------- what one round did


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


@dataclass(frozen=True)
class _Job:
    id: int
    key: str
    event: str
    kind: ChannelKind
    channel_id: int
    address: str
    secret_ref: str | None
    usable: str | None  # why the message cannot go out at all, or None
    full_name: str
    username: str
    language: str
    subject: str
    body_text: str
    body_html: str | None
    payload_json: str | None
    digest: bool
    created_at: datetime


@dataclass(frozen=True)
class _Result:
    ok: bool
    error: str | None = None
    permanent: bool = False
    attempted: bool = True  # False: not tried (no configuration, out of time): no attempt counted


_OK = _Result(ok=True)
_RELEASE = _Result(ok=False, attempted=False)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min, … at most 6 hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(hours=6))


# ---------------------------------------------------------------- the round


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

    def record(group: list[_Job], result: _Result) -> None:
        with session_factory() as session:
            _record(session, token, [j.id for j in group], result, now, settings, report)

    usable = []
    for job in jobs:
        if job.usable:
            record([job], _Result(ok=False, error=job.usable, permanent=True))
        else:
            usable.append(job)
    _send_emails([j for j in usable if j.kind == ChannelKind.EMAIL], settings, record, stop_at)
    _send_webhooks(
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
) -> list[_Job]:
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
            _Job(
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
    result: _Result,
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


# ---------------------------------------------------------------- e-mail


def _message_id(keys: list[str], settings: Settings) -> str:
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "thidua.localhost"
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_email(
    *,
    subject: str,
    text: str,
    html: str | None,
    to_name: str,
    to_address: str,
    message_id: str,
    event: str,
    settings: Settings,
) -> EmailMessage:
    """One UTF-8 e-mail, plain text with an HTML alternative."""
    msg = EmailMessage()
    if subject.isascii():
        msg["Subject"] = subject
    else:
        # email.policy's folder drops the space where it folds between two encoded words
        # ("kết thúc" arrives as "kếtthúc"; seen on CPython 3.11): the legacy Header folds right.
        msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode("\n"))
    msg["From"] = settings.smtp_from
    msg["To"] = Address(display_name=to_name, addr_spec=to_address)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    msg["X-Thidua-Event"] = event
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def _digest_email(group: list[_Job], settings: Settings) -> EmailMessage:
    first = group[0]
    lang = first.language if first.language in ("vi", "en") else "vi"
    now = utcnow()
    local = now.astimezone(settings.tz)
    context: dict[str, Any] = {
        "lang": lang,
        "recipient": {"full_name": first.full_name, "username": first.username, "role": ""},
        "day": local.replace(tzinfo=None),
        "link": "",
        "messages": [
            {
                "subject": j.subject,
                "body_text": j.body_text,
                "created": j.created_at.astimezone(settings.tz).replace(tzinfo=None),
            }
            for j in group
        ],
    }
    folder = f"messages/digest/{lang}/"
    subject = " ".join(render(folder + "subject.txt.j2", **context).split())
    context["subject"] = subject
    return build_email(
        subject=subject,
        text=render(folder + "body.txt.j2", **context),
        html=render(folder + "body.html.j2", **context),
        to_name=first.full_name,
        to_address=first.address,
        message_id=_message_id([j.key for j in group], settings),
        event="digest",
        settings=settings,
    )


def _emails(jobs: list[_Job], settings: Settings) -> list[tuple[list[_Job], EmailMessage | str]]:
    """Each single message, and one digest per channel; a string says why it cannot be built."""
    out: list[tuple[list[_Job], EmailMessage | str]] = []
    digests: dict[int, list[_Job]] = {}
    for job in jobs:
        if job.digest:
            digests.setdefault(job.channel_id, []).append(job)
            continue
        try:
            out.append(
                (
                    [job],
                    build_email(
                        subject=job.subject,
                        text=job.body_text,
                        html=job.body_html,
                        to_name=job.full_name,
                        to_address=job.address,
                        message_id=_message_id([job.key], settings),
                        event=job.event,
                        settings=settings,
                    ),
                )
            )
        except (ValueError, TypeError, IndexError) as exc:
            out.append(([job], f"không dựng được thư: {exc}"))
    for group in digests.values():
        try:
            out.append((group, _digest_email(group, settings)))
        except Exception as exc:
            out.append((group, f"không dựng được thư tổng hợp: {exc}"))
    return out


def smtp_connect(settings: Settings) -> smtplib.SMTP:
    """A logged-in SMTP connection as settings say (none | starttls | ssl), with the timeout."""
    security = settings.smtp_security
    port = settings.smtp_port or {"none": 25, "starttls": 587, "ssl": 465}[security]
    timeout = settings.notify_timeout_seconds
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _smtp_error(settings: Settings, exc: BaseException) -> str:
    where = f"{settings.smtp_host}:{settings.smtp_port or settings.smtp_security}"
    hint = ""
    if isinstance(exc, UnicodeEncodeError):
        hint = " (smtplib chỉ nhận tên đăng nhập, mật khẩu và địa chỉ ASCII)"
    return f"máy chủ thư {where}: {type(exc).__name__}: {exc}{hint}"


def _send_emails(
    jobs: list[_Job],
    settings: Settings,
    record: Callable[[list[_Job], _Result], None],
    stop_at: float,
) -> None:
    if not jobs:
        return
    sender = parseaddr(settings.smtp_from)[1]
    smtp: smtplib.SMTP | None = None
    down: str | None = None
    try:
        for group, message in _emails(jobs, settings):
            if isinstance(message, str):
                record(group, _Result(ok=False, error=message, permanent=True))
                continue
            if down is not None:
                record(group, _Result(ok=False, error=down))
                continue
            if time.monotonic() > stop_at:
                record(group, _RELEASE)
                continue
            try:
                if smtp is None:
                    smtp = smtp_connect(settings)
            except Exception as exc:  # refused, timed out, TLS, login: never the stage's problem
                down = _smtp_error(settings, exc)
                log.warning("Không gửi được thư: %s", down)
                record(group, _Result(ok=False, error=down))
                continue
            try:
                smtp.send_message(message, from_addr=sender, to_addrs=[group[0].address])
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                permanent = bool(codes) and all(500 <= code < 600 for code in codes)
                record(
                    group, _Result(ok=False, error=_smtp_error(settings, exc), permanent=permanent)
                )
            except smtplib.SMTPResponseException as exc:
                record(group, _Result(ok=False, error=_smtp_error(settings, exc)))
            except (OSError, smtplib.SMTPException) as exc:
                down = _smtp_error(settings, exc)  # the connection broke: the rest waits
                record(group, _Result(ok=False, error=down))
                smtp.close()
                smtp = None
            except Exception as exc:  # this message cannot go out (e.g. a non-ASCII address)
                record(group, _Result(ok=False, error=_smtp_error(settings, exc)))
            else:
                record(group, _OK)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


# ---------------------------------------------------------------- webhooks


def _send_webhooks(
    jobs: list[_Job],
    settings: Settings,
    transport: httpx.BaseTransport | None,
    record: Callable[[list[_Job], _Result], None],
    stop_at: float,
) -> None:
    if not jobs:
        return
    down: dict[str, str] = {}  # host -> why it could not be reached this round
    timeout = httpx.Timeout(settings.notify_timeout_seconds)
    with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False) as client:
        for job in jobs:
            if time.monotonic() > stop_at:
                record([job], _RELEASE)
                continue
            secret = webhook_secret(job.secret_ref, settings)
            if secret is None:
                record([job], _Result(ok=False, error=NO_SECRET, attempted=False))
                continue
            try:
                url = httpx.URL(job.address)
            except httpx.InvalidURL as exc:
                record([job], _Result(ok=False, error=f"URL webhook sai: {exc}", permanent=True))
                continue
            if url.host in down:
                record([job], _Result(ok=False, error=down[url.host]))
                continue
            body = (job.payload_json or "{}").encode("utf-8")
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "thidua",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(secret, timestamp, body),
                DELIVERY_HEADER: job.key,
                EVENT_HEADER: job.event,
            }
            try:
                response = client.post(url, content=body, headers=headers)
            except Exception as exc:  # httpx.HTTPError mostly; never the stage's problem
                error = f"webhook {url.host}: {type(exc).__name__}: {exc}"
                if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                    down[url.host] = error
                log.warning("Không gửi được webhook: %s", error)
                record([job], _Result(ok=False, error=error))
                continue
            if response.is_success:
                record([job], _OK)
            else:
                error = f"webhook {url.host}: HTTP {response.status_code} {response.text[:200]}"
                record([job], _Result(ok=False, error=error, permanent=response.status_code == 410))
