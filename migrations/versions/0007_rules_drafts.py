"""Next year's rules: units' proposals, and the rules approved for a year with their dry-run.

Revision ID: 0007_rules_drafts
Revises: 0006_explanations
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0007_rules_drafts"
down_revision: str | Sequence[str] | None = "0006_explanations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rulesproposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actor.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_rulesproposal_campaign_id"), "rulesproposal", ["campaign_id"], unique=False
    )
    op.create_index(op.f("ix_rulesproposal_unit_id"), "rulesproposal", ["unit_id"], unique=False)
    op.create_table(
        "rulesapproval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rules_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("against_year", sa.Integer(), nullable=True),
        sa.Column("dry_run", sa.JSON(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=False),
        sa.Column("approved_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approved_by"], ["actor.id"]),
        sa.ForeignKeyConstraint(["movement_id"], ["movement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "movement_id", "version"),
    )
    op.create_index(op.f("ix_rulesapproval_year"), "rulesapproval", ["year"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rulesapproval_year"), table_name="rulesapproval")
    op.drop_table("rulesapproval")
    op.drop_index(op.f("ix_rulesproposal_unit_id"), table_name="rulesproposal")
    op.drop_index(op.f("ix_rulesproposal_campaign_id"), table_name="rulesproposal")
    op.drop_table("rulesproposal")
