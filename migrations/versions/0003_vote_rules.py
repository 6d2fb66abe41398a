"""The vote as the law has it: written ballots of absent members on the voter roll, and the
chair's decision of a quota tie.

Revision ID: 0003_vote_rules
Revises: 0002_sealed_action_codes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_vote_rules"
down_revision: str | Sequence[str] | None = "0002_sealed_action_codes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("CONFIRM", "RETURN_UNIT", "APPROVE", "AMEND", "RETURN_STAGE")


def upgrade() -> None:
    with op.batch_alter_table("voterroll") as batch:
        batch.add_column(
            sa.Column("written", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("voterroll") as batch:
        batch.alter_column("written", server_default=None)
    if op.get_bind().dialect.name == "postgresql":
        # A new enum value cannot be used in the transaction that adds it; nothing here uses it.
        op.execute("ALTER TYPE decisionkind ADD VALUE IF NOT EXISTS 'CHAIR_TIE'")


def downgrade() -> None:
    op.execute("DELETE FROM decision WHERE kind = 'CHAIR_TIE'")
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL cannot drop one value of an enum: the type is made again without it.
        op.execute("ALTER TYPE decisionkind RENAME TO decisionkind_old")
        sa.Enum(*OLD_KINDS, name="decisionkind").create(op.get_bind())
        op.execute(
            "ALTER TABLE decision ALTER COLUMN kind TYPE decisionkind "
            "USING kind::text::decisionkind"
        )
        op.execute("DROP TYPE decisionkind_old")
    with op.batch_alter_table("voterroll") as batch:
        batch.drop_column("written")
