"""Sealed action codes: a keyed hash instead of SHA-256, the decision a code is bound to, and
a count of wrong tries.

Revision ID: 0002_sealed_action_codes
Revises: 0001

Unused codes cannot be re-keyed (only their plain hash is known) nor bound to a decision after
the fact, so they are dropped: a person asks for a new one. Used codes stay as a record, with
placeholders that match no code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_sealed_action_codes"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM actioncode WHERE used_at IS NULL")
    op.drop_index(op.f("ix_actioncode_code_sha256"), table_name="actioncode")
    with op.batch_alter_table("actioncode") as batch:
        batch.drop_column("code_sha256")
        batch.add_column(
            sa.Column(
                "code_hmac", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
        batch.add_column(sa.Column("decision", sa.Text(), nullable=False, server_default="{}"))
        batch.add_column(
            sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0")
        )
    # The defaults only filled the rows kept; new rows always get real values from the model.
    with op.batch_alter_table("actioncode") as batch:
        for name in ("code_hmac", "decision", "failed_attempts"):
            batch.alter_column(name, server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM actioncode WHERE used_at IS NULL")
    with op.batch_alter_table("actioncode") as batch:
        batch.add_column(
            sa.Column("code_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    # Unique placeholders: the old schema wants one distinct hash per row.
    op.execute("UPDATE actioncode SET code_sha256 = 'void-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table("actioncode") as batch:
        batch.alter_column(
            "code_sha256", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False
        )
        batch.drop_column("failed_attempts")
        batch.drop_column("decision")
        batch.drop_column("code_hmac")
    op.create_index(op.f("ix_actioncode_code_sha256"), "actioncode", ["code_sha256"], unique=True)
