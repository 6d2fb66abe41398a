"""The append-only audit log: who did what, when, with the state before and after."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="actor.id")  # None: the system
    # A substitute acting for `actor_id` under a delegation: both names are kept.
    substitute_id: int | None = Field(default=None, foreign_key="actor.id")
    action: str = Field(index=True)  # e.g. self_assessment.submit, ballot.cast, stage.close
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    entity: str = ""
    entity_id: str = ""
    before: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    # A system event caused by a task carries a key, so a retried task cannot log it twice.
    key: str | None = Field(default=None, unique=True)


# The database itself refuses to change or delete an event: the DDL per dialect, used by the
# initial migration (migrations/versions/) and nowhere else copied.
APPEND_ONLY_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION auditevent_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent",
        "CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent "
        "FOR EACH ROW EXECUTE FUNCTION auditevent_append_only()",
    ),
}
DROP_APPEND_ONLY_DDL: dict[str, tuple[str, ...]] = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS auditevent_no_update",
        "DROP TRIGGER IF EXISTS auditevent_no_delete",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent",
        "DROP FUNCTION IF EXISTS auditevent_append_only()",
    ),
}
