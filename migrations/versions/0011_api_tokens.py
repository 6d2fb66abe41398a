"""API tokens: per-system tokens for the HTTP API, bound to an actor, kept as a hash.

Revision ID: 0011_api_tokens
Revises: 0010_ballot_receipts

Self-contained (one new table, no enum type, nothing read from other revisions): re-chaining it
after another revision is a change of `down_revision` alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0011_api_tokens"
down_revision: str | Sequence[str] | None = "0010_ballot_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "apitoken",
        sa.Column("system", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actor.id"]),
        sa.ForeignKeyConstraint(["issued_by"], ["actor.id"]),
        sa.ForeignKeyConstraint(["revoked_by"], ["actor.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index(op.f("ix_apitoken_actor_id"), "apitoken", ["actor_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_apitoken_actor_id"), table_name="apitoken")
    op.drop_table("apitoken")
