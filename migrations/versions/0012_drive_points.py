"""Points of the year-end scheme's lines that come from the year's drives, fixed per campaign.

Revision ID: 0012_drive_points
Revises: 0011_api_tokens
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0012_drive_points"
down_revision: str | Sequence[str] | None = "0011_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drivepoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("explanation", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("drives", sa.JSON(), nullable=False),
        sa.Column("fixed_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "unit_id", "item_code"),
    )
    op.create_index(
        op.f("ix_drivepoints_campaign_id"), "drivepoints", ["campaign_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_drivepoints_campaign_id"), table_name="drivepoints")
    op.drop_table("drivepoints")
