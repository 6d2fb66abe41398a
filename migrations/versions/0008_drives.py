"""Emulation drives (đợt thi đua): scope, reports, confirmations, recorded results.

Revision ID: 0008_drives
Revises: 0007_rules_drafts
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0008_drives"
down_revision: str | Sequence[str] | None = "0007_rules_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = sa.Enum("OPEN", "RECORDED", "CLOSED", name="drivestatus")


def _child(name: str, *columns: sa.Column, unique: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["drive_id"], ["drive.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(*unique),
    )
    op.create_index(op.f(f"ix_{name}_drive_id"), name, ["drive_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "drive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("review_days", sa.Integer(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("launched_by", sa.Integer(), nullable=False),
        sa.Column("launched_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("waits", sa.Integer(), nullable=False),
        sa.Column("recorded_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("commendation_approved_by", sa.Integer(), nullable=True),
        sa.Column("commendation_approved_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["commendation_approved_by"], ["actor.id"]),
        sa.ForeignKeyConstraint(["launched_by"], ["actor.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_drive_year"), "drive", ["year"], unique=False)
    unit = sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False)
    _child(
        "driveunit",
        unit.copy(),
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("cluster.id"), nullable=False),
        unique=("drive_id", "unit_id"),
    )
    _child(
        "drivereport",
        unit.copy(),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("actor.id"), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=10000), nullable=False),
        sa.Column("reported_at", models.types.UTCDateTime(), nullable=True),
        unique=("drive_id", "unit_id"),
    )
    _child(
        "driveconfirmation",
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("cluster.id"), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("actor.id"), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("confirmed_at", models.types.UTCDateTime(), nullable=True),
        unique=("drive_id", "cluster_id"),
    )
    _child(
        "driveresult",
        unit.copy(),
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("cluster.id"), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("proposed", sa.Boolean(), nullable=False),
        sa.Column("commended", sa.Boolean(), nullable=False),
        unique=("drive_id", "unit_id"),
    )


def downgrade() -> None:
    for name in ("driveresult", "driveconfirmation", "drivereport", "driveunit"):
        op.drop_index(op.f(f"ix_{name}_drive_id"), table_name=name)
        op.drop_table(name)
    op.drop_index(op.f("ix_drive_year"), table_name="drive")
    op.drop_table("drive")
    STATUS.drop(op.get_bind(), checkfirst=True)
