"""Tokens with which other systems (a provincial portal, the national emulation database) use
the HTTP API. Each is bound to one actor account and acts as that account, through the same
services and checks as a person (thidua/services/api_tokens.py)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class TokenScope(StrEnum):
    READ = "read"  # reads only: pending work, campaigns, status, results, documents, audit
    ACT = "act"  # reads, and the actions the bound account's role may take


class ApiTokenBase(SQLModel):
    system: str = Field(min_length=1, max_length=200)  # who holds it: "Cổng thông tin CATP"
    scope: str = Field(max_length=8)  # a TokenScope: plain text, no database enum type to keep
    # The bound account's role when issued: a token whose account changed role stops working,
    # so it never acts for a role the admin did not issue it for.
    role: str = Field(max_length=32)
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ApiToken(ApiTokenBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="actor.id", index=True)
    # SHA-256 of the token: shown once when issued, never stored. A random 256-bit token needs
    # no salt or slow hash, and an index on the hash finds it without comparing secrets.
    token_sha256: str = Field(max_length=64, unique=True)
    issued_by: int = Field(foreign_key="actor.id")
    issued_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_by: int | None = Field(default=None, foreign_key="actor.id")


class ApiTokenPublic(ApiTokenBase):
    """What a listing shows: never the token, nor its hash."""

    id: int
    username: str
    issued_by: str
    issued_at: datetime
    revoked_at: datetime | None
    state: str  # "còn hiệu lực" | "đã thu hồi" | "hết hạn" | "tài khoản đổi vai trò" | …
