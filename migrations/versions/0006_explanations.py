"""Explanations (giải trình): a unit's answer to a flagged gap between its self-score and its
peers', one per unit and peer-review run.

Revision ID: 0006_explanations
Revises: 0005_org

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0006_explanations"
down_revision: str | None = "0005_org"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "explanation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_run_id", "unit_id"),
    )
    with op.batch_alter_table("explanation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_explanation_stage_run_id"), ["stage_run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("explanation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_explanation_stage_run_id"))

    op.drop_table("explanation")
