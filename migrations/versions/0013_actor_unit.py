"""An index on the unit an actor acts for: a stage's officers are looked up by their units at
every stage open and close, and without it each look-up read every actor of the nation (20,000
at 1000 clusters, ~10 ms each).

Revision ID: 0013_actor_unit
Revises: 0012_drive_points
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_actor_unit"
down_revision: str | Sequence[str] | None = "0012_drive_points"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actor_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("actor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actor_unit_id"))
