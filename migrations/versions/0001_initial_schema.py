"""Initial schema: every table of models/, and the append-only triggers of the audit log.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types
from models.audit import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL keeps enum types apart from tables: the downgrade drops them too.
ENUMS = (
    "campaignstatus",
    "channelkind",
    "decisionkind",
    "memberrole",
    "nominationstatus",
    "outboxstatus",
    "role",
    "stage",
    "submissionstatus",
)


def upgrade() -> None:
    op.create_table(
        "cluster",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_cluster_code"), "cluster", ["code"], unique=True)
    op.create_table(
        "movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_movement_code"), "movement", ["code"], unique=True)
    op.create_table(
        "unit",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_unit_code"), "unit", ["code"], unique=True)
    op.create_table(
        "actor",
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum("UNIT_OFFICER", "CLUSTER_LEADER", "DIRECTORATE", "ADMIN", name="role"),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_actor_username"), "actor", ["username"], unique=True)
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("role", sa.Enum("LEADER", "DEPUTY", "MEMBER", name="memberrole"), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["cluster.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cluster_id", "unit_id", "year"),
    )
    op.create_index(op.f("ix_membership_cluster_id"), "membership", ["cluster_id"], unique=False)
    op.create_index(op.f("ix_membership_unit_id"), "membership", ["unit_id"], unique=False)
    op.create_index(op.f("ix_membership_year"), "membership", ["year"], unique=False)
    op.create_table(
        "titlehistory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "year", "title"),
    )
    op.create_index(op.f("ix_titlehistory_unit_id"), "titlehistory", ["unit_id"], unique=False)
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("EMAIL", "WEBHOOK", name="channelkind"), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("secret_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor_id", "kind", "address"),
    )
    op.create_index(op.f("ix_channel_actor_id"), "channel", ["actor_id"], unique=False)
    op.create_table(
        "cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("rules_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rules_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("started_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["movement.id"],
        ),
        sa.ForeignKeyConstraint(
            ["started_by"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "movement_id"),
    )
    op.create_index(op.f("ix_cycle_year"), "cycle", ["year"], unique=False)
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("starts", models.types.UTCDateTime(), nullable=False),
        sa.Column("ends", models.types.UTCDateTime(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("revoked_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_delegation_principal_id"), "delegation", ["principal_id"], unique=False
    )
    op.create_index(
        op.f("ix_delegation_substitute_id"), "delegation", ["substitute_id"], unique=False
    )
    op.create_table(
        "campaign",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "SELF_ASSESSMENT", "PEER_REVIEW", "VOTE", "APPROVAL", "NOMINATION", name="stage"
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("PENDING", "RUNNING", "WAITING", "COMPLETED", "FAILED", name="campaignstatus"),
            nullable=False,
        ),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("updated_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["cluster.id"],
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "cluster_id"),
    )
    op.create_index(op.f("ix_campaign_cluster_id"), "campaign", ["cluster_id"], unique=False)
    op.create_index(op.f("ix_campaign_cycle_id"), "campaign", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_campaign_flow_run_id"), "campaign", ["flow_run_id"], unique=False)
    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", models.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("substitute_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["substitute_id"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_auditevent_action"), "auditevent", ["action"], unique=False)
    op.create_index(op.f("ix_auditevent_campaign_id"), "auditevent", ["campaign_id"], unique=False)
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("fmt", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "key"),
    )
    op.create_index(op.f("ix_document_campaign_id"), "document", ["campaign_id"], unique=False)
    op.create_table(
        "nomination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "SUBMITTED", "INELIGIBLE", name="nominationstatus"),
            nullable=False,
        ),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "unit_id", "title"),
    )
    op.create_index(op.f("ix_nomination_campaign_id"), "nomination", ["campaign_id"], unique=False)
    op.create_table(
        "outboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("channel_kind", sa.Enum("EMAIL", "WEBHOOK", name="channelkind"), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("payload_json", sa.Text(), nullable=True),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("PENDING", "SENDING", "SENT", "FAILED", name="outboxstatus"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("next_attempt_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("lease_until", models.types.UTCDateTime(), nullable=True),
        sa.Column("claim_token", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("sent_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_outbox_due", "outboxmessage", ["status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_outboxmessage_actor_id"), "outboxmessage", ["actor_id"], unique=False)
    op.create_index(
        op.f("ix_outboxmessage_campaign_id"), "outboxmessage", ["campaign_id"], unique=False
    )
    op.create_index(
        op.f("ix_outboxmessage_channel_id"), "outboxmessage", ["channel_id"], unique=False
    )
    op.create_index(op.f("ix_outboxmessage_event"), "outboxmessage", ["event"], unique=False)
    op.create_table(
        "stagerun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "SELF_ASSESSMENT", "PEER_REVIEW", "VOTE", "APPROVAL", "NOMINATION", name="stage"
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("opened_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("due_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("on_deadline", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("escalated_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("closed_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("close_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("result_json", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "stage", "attempt"),
    )
    op.create_index(op.f("ix_stagerun_campaign_id"), "stagerun", ["campaign_id"], unique=False)
    op.create_table(
        "actioncode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("code_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_actioncode_actor_id"), "actioncode", ["actor_id"], unique=False)
    op.create_index(op.f("ix_actioncode_code_sha256"), "actioncode", ["code_sha256"], unique=True)
    op.create_index(
        op.f("ix_actioncode_stage_run_id"), "actioncode", ["stage_run_id"], unique=False
    )
    op.create_table(
        "ballot",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_ballot_stage_run_id"), "ballot", ["stage_run_id"], unique=False)
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "CONFIRM", "RETURN_UNIT", "APPROVE", "AMEND", "RETURN_STAGE", name="decisionkind"
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("via", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_decision_stage_run_id"), "decision", ["stage_run_id"], unique=False)
    op.create_table(
        "extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("until", models.types.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["actor.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_run_id", "unit_id"),
    )
    op.create_index(op.f("ix_extension_stage_run_id"), "extension", ["stage_run_id"], unique=False)
    op.create_table(
        "peerreview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_unit_id", sa.Integer(), nullable=False),
        sa.Column("reviewee_unit_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", models.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint("reviewer_unit_id <> reviewee_unit_id", name="no_self_review"),
        sa.ForeignKeyConstraint(
            ["reviewee_unit_id"],
            ["unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_unit_id"],
            ["unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["actor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_run_id", "reviewer_unit_id", "reviewee_unit_id"),
    )
    op.create_index(
        op.f("ix_peerreview_reviewee_unit_id"), "peerreview", ["reviewee_unit_id"], unique=False
    )
    op.create_index(
        op.f("ix_peerreview_reviewer_unit_id"), "peerreview", ["reviewer_unit_id"], unique=False
    )
    op.create_index(
        op.f("ix_peerreview_stage_run_id"), "peerreview", ["stage_run_id"], unique=False
    )
    op.create_table(
        "selfassessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status", sa.Enum("SUBMITTED", "RETURNED", name="submissionstatus"), nullable=False
        ),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("achievements", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("shortcomings", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("content_sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("returned_comment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
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
        sa.UniqueConstraint("stage_run_id", "unit_id", "version"),
    )
    op.create_index(
        op.f("ix_selfassessment_stage_run_id"), "selfassessment", ["stage_run_id"], unique=False
    )
    op.create_index(op.f("ix_selfassessment_unit_id"), "selfassessment", ["unit_id"], unique=False)
    op.create_table(
        "voterroll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_run_id", "unit_id"),
    )
    op.create_index(op.f("ix_voterroll_stage_run_id"), "voterroll", ["stage_run_id"], unique=False)
    op.create_table(
        "wait",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage_run_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answered_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["stage_run_id"],
            ["stagerun.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stage_run_id", "seq"),
    )
    op.create_index(op.f("ix_wait_stage_run_id"), "wait", ["stage_run_id"], unique=False)
    op.create_table(
        "peerscore",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["peerreview.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "item_code"),
    )
    op.create_index(op.f("ix_peerscore_review_id"), "peerscore", ["review_id"], unique=False)
    op.create_table(
        "selfscore",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["selfassessment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id", "item_code"),
    )
    op.create_index(
        op.f("ix_selfscore_assessment_id"), "selfscore", ["assessment_id"], unique=False
    )
    for statement in APPEND_ONLY_DDL.get(op.get_context().dialect.name, ()):
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_APPEND_ONLY_DDL.get(op.get_context().dialect.name, ()):
        op.execute(statement)
    op.drop_index(op.f("ix_selfscore_assessment_id"), table_name="selfscore")
    op.drop_table("selfscore")
    op.drop_index(op.f("ix_peerscore_review_id"), table_name="peerscore")
    op.drop_table("peerscore")
    op.drop_index(op.f("ix_wait_stage_run_id"), table_name="wait")
    op.drop_table("wait")
    op.drop_index(op.f("ix_voterroll_stage_run_id"), table_name="voterroll")
    op.drop_table("voterroll")
    op.drop_index(op.f("ix_selfassessment_unit_id"), table_name="selfassessment")
    op.drop_index(op.f("ix_selfassessment_stage_run_id"), table_name="selfassessment")
    op.drop_table("selfassessment")
    op.drop_index(op.f("ix_peerreview_stage_run_id"), table_name="peerreview")
    op.drop_index(op.f("ix_peerreview_reviewer_unit_id"), table_name="peerreview")
    op.drop_index(op.f("ix_peerreview_reviewee_unit_id"), table_name="peerreview")
    op.drop_table("peerreview")
    op.drop_index(op.f("ix_extension_stage_run_id"), table_name="extension")
    op.drop_table("extension")
    op.drop_index(op.f("ix_decision_stage_run_id"), table_name="decision")
    op.drop_table("decision")
    op.drop_index(op.f("ix_ballot_stage_run_id"), table_name="ballot")
    op.drop_table("ballot")
    op.drop_index(op.f("ix_actioncode_stage_run_id"), table_name="actioncode")
    op.drop_index(op.f("ix_actioncode_code_sha256"), table_name="actioncode")
    op.drop_index(op.f("ix_actioncode_actor_id"), table_name="actioncode")
    op.drop_table("actioncode")
    op.drop_index(op.f("ix_stagerun_campaign_id"), table_name="stagerun")
    op.drop_table("stagerun")
    op.drop_index(op.f("ix_outboxmessage_event"), table_name="outboxmessage")
    op.drop_index(op.f("ix_outboxmessage_channel_id"), table_name="outboxmessage")
    op.drop_index(op.f("ix_outboxmessage_campaign_id"), table_name="outboxmessage")
    op.drop_index(op.f("ix_outboxmessage_actor_id"), table_name="outboxmessage")
    op.drop_index("ix_outbox_due", table_name="outboxmessage")
    op.drop_table("outboxmessage")
    op.drop_index(op.f("ix_nomination_campaign_id"), table_name="nomination")
    op.drop_table("nomination")
    op.drop_index(op.f("ix_document_campaign_id"), table_name="document")
    op.drop_table("document")
    op.drop_index(op.f("ix_auditevent_campaign_id"), table_name="auditevent")
    op.drop_index(op.f("ix_auditevent_action"), table_name="auditevent")
    op.drop_table("auditevent")
    op.drop_index(op.f("ix_campaign_flow_run_id"), table_name="campaign")
    op.drop_index(op.f("ix_campaign_cycle_id"), table_name="campaign")
    op.drop_index(op.f("ix_campaign_cluster_id"), table_name="campaign")
    op.drop_table("campaign")
    op.drop_index(op.f("ix_delegation_substitute_id"), table_name="delegation")
    op.drop_index(op.f("ix_delegation_principal_id"), table_name="delegation")
    op.drop_table("delegation")
    op.drop_index(op.f("ix_cycle_year"), table_name="cycle")
    op.drop_table("cycle")
    op.drop_index(op.f("ix_channel_actor_id"), table_name="channel")
    op.drop_table("channel")
    op.drop_index(op.f("ix_titlehistory_unit_id"), table_name="titlehistory")
    op.drop_table("titlehistory")
    op.drop_index(op.f("ix_membership_year"), table_name="membership")
    op.drop_index(op.f("ix_membership_unit_id"), table_name="membership")
    op.drop_index(op.f("ix_membership_cluster_id"), table_name="membership")
    op.drop_table("membership")
    op.drop_index(op.f("ix_actor_username"), table_name="actor")
    op.drop_table("actor")
    op.drop_index(op.f("ix_unit_code"), table_name="unit")
    op.drop_table("unit")
    op.drop_index(op.f("ix_movement_code"), table_name="movement")
    op.drop_table("movement")
    op.drop_index(op.f("ix_cluster_code"), table_name="cluster")
    op.drop_table("cluster")
    if op.get_context().dialect.name == "postgresql":
        for enum in ENUMS:
            op.execute(f"DROP TYPE IF EXISTS {enum}")
