"""The audit log as a hash chain, the emulation council's decisions and its role.

Revision ID: 0004_audit_chain
Revises: 0003_vote_rules

Existing events are chained in id order, the order they were written in. The append-only
triggers are dropped while that is done (and while SQLite rebuilds the table to drop a
default), and made again before the migration's transaction commits, so no one else ever sees
the log writable.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types
from models.audit import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL, event_hash

revision: str = "0004_audit_chain"
down_revision: str | Sequence[str] | None = "0003_vote_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES = ("UNIT_OFFICER", "CLUSTER_LEADER", "DIRECTORATE", "ADMIN")
_EVENTS = sa.table(
    "auditevent",
    sa.column("id", sa.Integer()),
    sa.column("at", models.types.UTCDateTime()),
    sa.column("actor_id", sa.Integer()),
    sa.column("substitute_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("campaign_id", sa.Integer()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("key", sa.String()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def _dialect() -> str:
    return op.get_context().dialect.name


def _append_only(on: bool) -> None:
    for statement in (APPEND_ONLY_DDL if on else DROP_APPEND_ONLY_DDL).get(_dialect(), ()):
        op.execute(statement)


def _chain_existing_events() -> tuple[int | None, str]:
    conn = op.get_bind()
    prev, last_id = "", None
    rows = conn.execute(sa.select(_EVENTS).order_by(_EVENTS.c.id)).mappings().all()
    for row in rows:
        digest = event_hash(
            prev_hash=prev,
            at=row["at"],
            actor_id=row["actor_id"],
            substitute_id=row["substitute_id"],
            action=row["action"],
            campaign_id=row["campaign_id"],
            entity=row["entity"],
            entity_id=row["entity_id"],
            before=row["before"],
            after=row["after"],
            key=row["key"],
        )
        conn.execute(
            _EVENTS.update().where(_EVENTS.c.id == row["id"]).values(prev_hash=prev, hash=digest)
        )
        prev, last_id = digest, row["id"]
    return last_id, prev


def upgrade() -> None:
    if _dialect() == "postgresql":
        # Allowed inside the migration's transaction (PostgreSQL 12+) as long as nothing here
        # uses the new value.
        op.execute("ALTER TYPE role ADD VALUE IF NOT EXISTS 'COUNCIL'")
    _append_only(False)
    with op.batch_alter_table("auditevent") as batch:
        for name in ("prev_hash", "hash"):
            batch.add_column(
                sa.Column(
                    name,
                    sqlmodel.sql.sqltypes.AutoString(length=64),
                    nullable=False,
                    server_default="",
                )
            )
    last_id, last_hash = _chain_existing_events()
    with op.batch_alter_table("auditevent") as batch:
        for name in ("prev_hash", "hash"):
            batch.alter_column(name, server_default=None)
    _append_only(True)

    head = op.create_table(
        "auditchainhead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "last_event_id": last_id, "last_hash": last_hash}])

    op.create_table(
        "councildecision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("AWARDED", "NOT_AWARDED", "RETURNED", name="counciloutcome"),
            nullable=False,
        ),
        sa.Column("decision_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actor.id"]),
        sa.ForeignKeyConstraint(["nomination_id"], ["nomination.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_councildecision_nomination_id"),
        "councildecision",
        ["nomination_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_councildecision_nomination_id"), table_name="councildecision")
    op.drop_table("councildecision")
    op.drop_table("auditchainhead")
    # The old schema has no council: its members keep their name in the log but can no
    # longer act (no role that grants anything here, no secret, inactive).
    op.execute(
        "UPDATE actor SET role = 'UNIT_OFFICER', unit_id = NULL, secret_hash = NULL, "
        "active = false WHERE role = 'COUNCIL'"
    )
    if _dialect() == "postgresql":
        op.execute("DROP TYPE IF EXISTS counciloutcome")
        # PostgreSQL cannot drop one value of an enum: the type is made again without it.
        op.execute("ALTER TYPE role RENAME TO role_with_council")
        op.execute(f"CREATE TYPE role AS ENUM ({', '.join(repr(r) for r in _ROLES)})")
        op.execute("ALTER TABLE actor ALTER COLUMN role TYPE role USING role::text::role")
        op.execute("DROP TYPE role_with_council")
    _append_only(False)
    with op.batch_alter_table("auditevent") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    _append_only(True)
