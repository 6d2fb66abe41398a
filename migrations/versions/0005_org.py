"""The organisation as the admin's own: retired units and people, rank and position, carried
over leaders, the source of imported titles, and nominations waiting for missing records.

Revision ID: 0005_org
Revises: 0004_audit_chain
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_org"
down_revision: str | Sequence[str] | None = "0004_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("retired_from", sa.Integer(), nullable=True))
    with op.batch_alter_table("actor") as batch:
        batch.add_column(
            sa.Column("rank", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch.add_column(
            sa.Column("position", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.add_column(sa.Column("retired_from", sa.Integer(), nullable=True))
    with op.batch_alter_table("membership") as batch:
        batch.add_column(
            sa.Column("carried_over", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("membership") as batch:
        batch.alter_column("carried_over", server_default=None)
    with op.batch_alter_table("titlehistory") as batch:
        batch.add_column(
            sa.Column("decision_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
    with op.batch_alter_table("nomination") as batch:
        batch.add_column(sa.Column("unrecorded_years", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("record_check", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN: a batch would copy the tables, and SQLite refuses to drop
    # `actor` while other tables' rows point at it.
    for table, column in (
        ("nomination", "record_check"),
        ("nomination", "unrecorded_years"),
        ("titlehistory", "decided_on"),
        ("titlehistory", "decision_no"),
        ("membership", "carried_over"),
        ("actor", "retired_from"),
        ("actor", "position"),
        ("actor", "rank"),
        ("unit", "retired_from"),
    ):
        op.drop_column(table, column)
