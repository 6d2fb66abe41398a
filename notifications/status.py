"""What is not delivered yet, and why: for `thidua status`."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import (
    OutboxMessage,
    OutboxStatus,
)


def undelivered(session: Session, campaign_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per campaign: messages not sent yet (``pending``, claimed ones included), given up
    (``failed``), and why (``errors``: status, error, count; most frequent first)."""
    out: dict[int, dict[str, Any]] = {
        cid: {"pending": 0, "failed": 0, "errors": []} for cid in campaign_ids
    }
    if not campaign_ids:
        return out
    rows = session.exec(
        select(
            OutboxMessage.campaign_id,
            OutboxMessage.status,
            OutboxMessage.last_error,
            func.count(),
        )
        .where(
            col(OutboxMessage.campaign_id).in_(list(campaign_ids)),
            OutboxMessage.status != OutboxStatus.SENT,
        )
        .group_by(
            col(OutboxMessage.campaign_id),
            col(OutboxMessage.status),
            col(OutboxMessage.last_error),
        )
    ).all()
    for cid, status, error, count in rows:
        if cid is None:
            continue
        entry = out[cid]
        entry["failed" if status == OutboxStatus.FAILED else "pending"] += int(count)
        if error:
            entry["errors"].append({"status": str(status), "error": error, "count": int(count)})
    for entry in out.values():
        entry["errors"].sort(key=lambda e: (-e["count"], e["error"]))
    return out
