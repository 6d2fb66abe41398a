"""Ballot receipts: the keyed hash of the code a voter is shown once after casting, on the ballot
row, so a verify command can say the ballot was counted without saying what it says.

Revision ID: 0010_ballot_receipts
Revises: 0009_web

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010_ballot_receipts"
down_revision: str | None = "0009_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTERs, never a batch copy: a copied ballot table would lose WITHOUT ROWID on SQLite.
    op.add_column(
        "ballot",
        sa.Column("receipt_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.create_index(op.f("ix_ballot_receipt_sha256"), "ballot", ["receipt_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_ballot_receipt_sha256"), table_name="ballot")
    op.execute("ALTER TABLE ballot DROP COLUMN receipt_sha256")
