"""A claimed outbox message as the senders see it, and what one attempt to send it came to."""

from dataclasses import dataclass
from datetime import datetime

from models import ChannelKind


@dataclass(frozen=True)
class Job:
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
class Result:
    ok: bool
    error: str | None = None
    permanent: bool = False
    attempted: bool = True  # False: not tried (no configuration, out of time): no attempt counted


OK = Result(ok=True)


RELEASE = Result(ok=False, attempted=False)
