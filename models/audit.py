"""The append-only audit log: who did what, when, with the state before and after."""

import hashlib
import json
from datetime import UTC, datetime

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
    # The chain (thidua/services/audit.py): SHA-256 of this event's content and `prev_hash`, so
    # an event changed, removed or slipped in later breaks every link after it.
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The one row holding the newest event's hash: appenders lock it to take turns, and it
    shows when events at the end of the log were removed."""

    id: int = Field(default=1, primary_key=True)
    last_event_id: int | None = None
    last_hash: str = Field(default="", max_length=64)


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


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:  # read back from SQLite without the column's type
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    substitute_id: int | None,
    action: str,
    campaign_id: int | None,
    entity: str,
    entity_id: str,
    before: object,
    after: object,
    key: str | None,
) -> str:
    """SHA-256 over an event's canonical content and the hash before it.

    The id is left out: it is known only after the insert, and the link to the previous hash
    already fixes each event's place. JSON goes through a round trip first, so what the
    database gives back (lists for tuples, string keys) hashes the same as what was written.
    Here, not in the service, because the migration that chains existing rows uses it too.
    """
    content = {
        "prev_hash": prev_hash,
        "at": _utc_text(at),
        "actor_id": actor_id,
        "substitute_id": substitute_id,
        "action": action,
        "campaign_id": campaign_id,
        "entity": entity,
        "entity_id": entity_id,
        "before": json.loads(json.dumps(before)),
        "after": json.loads(json.dumps(after)),
        "key": key,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
