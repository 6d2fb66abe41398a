"""Sending e-mails over SMTP (the standard library's ``smtplib``).

``smtplib`` speaks SMTP with STARTTLS, implicit TLS and AUTH, ships and is maintained with
CPython, and adds no dependency. The deliverer is synchronous (a short transaction, then network
calls with a timeout), so an asyncio client such as aiosmtplib would buy nothing here. A mail
server that cannot be reached fails the rest of its batch at once (one connect timeout per round,
not one per message). Without ``THIDUA_SMTP_HOST`` e-mails are not tried: they stay pending with
``last_error`` `NO_SMTP` (shown by ``thidua status``), never an exception.
"""

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr

from notifications.digest import digest_email
from notifications.jobs import OK, RELEASE, Job, Result
from notifications.mail import build_email, message_id
from thidua.settings import Settings

log = logging.getLogger(__name__)


NO_SMTP = "chưa cấu hình máy chủ thư (THIDUA_SMTP_HOST)"


def emails(jobs: list[Job], settings: Settings) -> list[tuple[list[Job], EmailMessage | str]]:
    """Each single message, and one digest per channel; a string says why it cannot be built."""
    out: list[tuple[list[Job], EmailMessage | str]] = []
    digests: dict[int, list[Job]] = {}
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
                        message_id=message_id([job.key], settings),
                        event=job.event,
                        settings=settings,
                    ),
                )
            )
        except (ValueError, TypeError, IndexError) as exc:
            out.append(([job], f"không dựng được thư: {exc}"))
    for group in digests.values():
        try:
            out.append((group, digest_email(group, settings)))
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


def send_emails(
    jobs: list[Job],
    settings: Settings,
    record: Callable[[list[Job], Result], None],
    stop_at: float,
) -> None:
    if not jobs:
        return
    sender = parseaddr(settings.smtp_from)[1]
    smtp: smtplib.SMTP | None = None
    down: str | None = None
    try:
        for group, message in emails(jobs, settings):
            if isinstance(message, str):
                record(group, Result(ok=False, error=message, permanent=True))
                continue
            if down is not None:
                record(group, Result(ok=False, error=down))
                continue
            if time.monotonic() > stop_at:
                record(group, RELEASE)
                continue
            try:
                if smtp is None:
                    smtp = smtp_connect(settings)
            except Exception as exc:  # refused, timed out, TLS, login: never the stage's problem
                down = _smtp_error(settings, exc)
                log.warning("Không gửi được thư: %s", down)
                record(group, Result(ok=False, error=down))
                continue
            try:
                smtp.send_message(message, from_addr=sender, to_addrs=[group[0].address])
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                permanent = bool(codes) and all(500 <= code < 600 for code in codes)
                record(
                    group, Result(ok=False, error=_smtp_error(settings, exc), permanent=permanent)
                )
            except smtplib.SMTPResponseException as exc:
                record(group, Result(ok=False, error=_smtp_error(settings, exc)))
            except (OSError, smtplib.SMTPException) as exc:
                down = _smtp_error(settings, exc)  # the connection broke: the rest waits
                record(group, Result(ok=False, error=down))
                smtp.close()
                smtp = None
            except Exception as exc:  # this message cannot go out (e.g. a non-ASCII address)
                record(group, Result(ok=False, error=_smtp_error(settings, exc)))
            else:
                record(group, OK)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
