"""The web portal: sign-in sessions, failed sign-in attempts, one-time form nonces.

Revision ID: 0009_web
Revises: 0008_drives
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0009_web"
down_revision: str | Sequence[str] | None = "0008_drives"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signinattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", models.types.UTCDateTime(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signinattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signinattempt_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_signinattempt_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signinattempt_username"), ["username"], unique=False)

    op.create_table(
        "websession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("secret_mark", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("last_seen_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("flash", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_websession_actor_id"), ["actor_id"], unique=False)

    op.create_table(
        "formnonce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["websession.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce_hash"),
    )
    with op.batch_alter_table("formnonce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_formnonce_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("formnonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_formnonce_session_id"))

    op.drop_table("formnonce")
    with op.batch_alter_table("websession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_websession_actor_id"))

    op.drop_table("websession")
    with op.batch_alter_table("signinattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signinattempt_username"))
        batch_op.drop_index(batch_op.f("ix_signinattempt_at"))
        batch_op.drop_index(batch_op.f("ix_signinattempt_address"))

    op.drop_table("signinattempt")
