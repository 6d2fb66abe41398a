"""Signed webhooks over HTTP (``httpx``, installed with Prefect, with an injectable transport).

Webhook requests are JSON POSTs signed like this (see `sign` and `verify`)::

    X-Thidua-Timestamp: <unix seconds>
    X-Thidua-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

A host that cannot be reached fails the rest of its batch at once; HTTP 410 is final.
"""

import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable

import httpx

from notifications.jobs import OK, RELEASE, Job, Result
from thidua.settings import Settings

log = logging.getLogger(__name__)


NO_SECRET = "chưa cấu hình khoá ký webhook (THIDUA_WEBHOOK_SECRET hoặc secret_ref của kênh)"


TIMESTAMP_HEADER = "X-Thidua-Timestamp"


SIGNATURE_HEADER = "X-Thidua-Signature"


DELIVERY_HEADER = "X-Thidua-Delivery"


EVENT_HEADER = "X-Thidua-Event"


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


def send_webhooks(
    jobs: list[Job],
    settings: Settings,
    transport: httpx.BaseTransport | None,
    record: Callable[[list[Job], Result], None],
    stop_at: float,
) -> None:
    if not jobs:
        return
    down: dict[str, str] = {}  # host -> why it could not be reached this round
    timeout = httpx.Timeout(settings.notify_timeout_seconds)
    with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False) as client:
        for job in jobs:
            if time.monotonic() > stop_at:
                record([job], RELEASE)
                continue
            secret = webhook_secret(job.secret_ref, settings)
            if secret is None:
                record([job], Result(ok=False, error=NO_SECRET, attempted=False))
                continue
            try:
                url = httpx.URL(job.address)
            except httpx.InvalidURL as exc:
                record([job], Result(ok=False, error=f"URL webhook sai: {exc}", permanent=True))
                continue
            if url.host in down:
                record([job], Result(ok=False, error=down[url.host]))
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
                record([job], Result(ok=False, error=error))
                continue
            if response.is_success:
                record([job], OK)
            else:
                error = f"webhook {url.host}: HTTP {response.status_code} {response.text[:200]}"
                record([job], Result(ok=False, error=error, permanent=response.status_code == 410))
