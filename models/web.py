"""The web portal's own records: sign-in sessions, sign-in attempts and one-time form nonces.

All three live in the database, not in a process, so several web processes behind a proxy
share them. Tokens and nonces are kept only as hashes: a copied database signs nobody in.
"""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class WebSession(SQLModel, table=True):
    """One signed-in browser. The cookie holds a random token; only its sha256 is here."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    # The start of the actor's secret hash at sign-in: a secret revoked or issued anew ends
    # every session begun with the old one.
    secret_mark: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # A one-shot message for the next page (after a redirect), shown once then cleared.
    flash: str | None = Field(default=None, sa_column=Column(Text()))


class SignInAttempt(SQLModel, table=True):
    """A failed sign-in, counted per username and per client address within a window."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    username: str = Field(index=True, max_length=200)
    address: str = Field(index=True, max_length=64)


class FormNonce(SQLModel, table=True):
    """A one-time token put in an action form: the form can be posted once, by this session."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="websession.id", index=True, ondelete="CASCADE")
    nonce_hash: str = Field(unique=True, max_length=64)
    purpose: str = Field(max_length=200)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
