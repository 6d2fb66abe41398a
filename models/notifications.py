"""Where people are told things: their channels, and the outbox of messages to send them.

A message is written to the outbox in the same transaction as the event that causes it, under
an idempotency key derived from that cause; a deliverer sends it later and marks it sent.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class ChannelKind(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"  # a JSON POST signed with HMAC-SHA256 (e.g. a chat bridge)


class Channel(SQLModel, table=True):
    """One way to reach a person. A person may have several; inactive ones are skipped."""

    __table_args__ = (UniqueConstraint("actor_id", "kind", "address"),)
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    kind: ChannelKind
    address: str = Field(max_length=500)  # an e-mail address, or the webhook's https URL
    # The webhook's signing secret: "env:NAME" reads the environment variable NAME; empty
    # means THIDUA_WEBHOOK_SECRET. The secret itself is never stored in the repository.
    secret_ref: str | None = None
    active: bool = True
    digest: bool = False  # e-mail only: one summary a day instead of single messages
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class OutboxStatus(StrEnum):
    PENDING = "pending"  # to send at next_attempt_at
    SENDING = "sending"  # claimed by a deliverer until lease_until
    SENT = "sent"
    FAILED = "failed"  # given up (too many attempts, or a permanent refusal)


class OutboxMessage(SQLModel, table=True):
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    # e.g. "stage_opened:<stage run>:<actor>:<channel>": the cause, so it is enqueued once
    idempotency_key: str = Field(unique=True, max_length=300)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    channel_kind: ChannelKind
    event: str = Field(index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    language: str = "vi"
    subject: str
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    payload_json: str | None = Field(default=None, sa_column=Column(Text))  # the webhook body
    digest: bool = False  # waits for the person's daily summary
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claim_token: str | None = None
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
