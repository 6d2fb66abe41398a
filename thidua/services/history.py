"""A campaign's history, read from the audit log: what went back, what was given more time,
changed or held again, by whom, when and why (shown by `thidua report`)."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import Actor, AuditEvent
from rules.stages import Stage
from thidua import localtime
from thidua.templating import gio, ngay

# The events a reader of the results needs to know happened; the full log is `thidua audit`.
ACTIONS = (
    "self_assessment.return",
    "stage.extend",
    "directorate.return_stage",
    "directorate.amend",
    "stage.open",  # only a stage opened again (attempt > 1): a re-vote, a review held again
    "vote.chair_tie",
)
HELD_AGAIN = (Stage.SELF_ASSESSMENT, Stage.PEER_REVIEW, Stage.VOTE)


def _stage(value: object) -> str:
    try:
        return Stage(str(value)).label
    except ValueError:
        return str(value)


def _describe(action: str, after: dict[str, Any], names: dict[str, str]) -> tuple[str, str, str]:
    """(kind, what happened, why) of one event, in Vietnamese."""
    unit = names.get(str(after.get("unit", "")), str(after.get("unit", "")))
    if action == "self_assessment.return":
        return "returned", f"Trả lại bản tự chấm của {unit} để sửa", str(after.get("comment", ""))
    if action == "stage.extend":
        until = datetime.fromisoformat(str(after["until"]))
        return (
            "extended",
            f"Gia hạn cho {unit} ở giai đoạn '{_stage(after.get('stage'))}' đến "
            f"{gio(until)} ngày {ngay(until)}",
            str(after.get("reason", "")),
        )
    if action == "directorate.return_stage":
        return (
            "stage_returned",
            f"Ban Giám đốc trả lại về giai đoạn '{_stage(after.get('return_to'))}'",
            str(after.get("reason", "")),
        )
    if action == "directorate.amend":
        amendments = after.get("amendments") or {}
        changes = "; ".join(
            f"{names.get(code, code)}: {title or 'không đề nghị danh hiệu'}"
            for code, title in sorted(amendments.items())
        )
        return (
            "amended",
            f"Ban Giám đốc điều chỉnh kết quả ({changes})",
            str(after.get("reason", "")),
        )
    if action == "stage.open":
        again = "Bỏ phiếu lại" if after.get("stage") == Stage.VOTE else "Mở lại giai đoạn"
        return (
            "revoted" if after.get("stage") == Stage.VOTE else "reopened",
            f"{again}: '{_stage(after.get('stage'))}', lần {after.get('attempt')}",
            "",
        )
    tie = after.get("title") or ""
    return (
        "chair_tie",
        f"Chủ trì quyết định trường hợp bằng phiếu {tie}".strip(),
        str(after.get("reason", "")),
    )


def history(session: Session, campaign_id: int, names: dict[str, str]) -> list[dict[str, Any]]:
    """The campaign's notable events, oldest first: kind, at, who (and for whom), what, why."""
    who, sub = aliased(Actor), aliased(Actor)
    rows = session.exec(
        select(AuditEvent, who.full_name, who.username, sub.full_name)
        .outerjoin(who, col(who.id) == col(AuditEvent.actor_id))
        .outerjoin(sub, col(sub.id) == col(AuditEvent.substitute_id))
        .where(AuditEvent.campaign_id == campaign_id, col(AuditEvent.action).in_(ACTIONS))
        .order_by(col(AuditEvent.id))
    ).all()
    out = []
    for event, full_name, username, substitute in rows:
        after = dict(event.after or {})
        if event.action == "stage.open" and (
            int(str(after.get("attempt", 1))) <= 1 or str(after.get("stage")) not in HELD_AGAIN
        ):
            continue  # a first opening, or the directorate's own stage following a re-vote
        kind, what, why = _describe(event.action, after, names)
        out.append(
            {
                "kind": kind,
                "at": localtime.iso(event.at),
                "by": full_name or "Hệ thống",
                "username": username,
                "substitute": substitute,
                "what": what,
                "why": why,
            }
        )
    return out
