"""Reading the audit log: who did what, for whom, when; and checking its hash chain."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import Actor, AuditChainHead, AuditEvent, Role
from models.audit import event_hash
from thidua import localtime
from thidua.errors import Forbidden
from thidua.services.context import get_actor

READERS = (Role.DIRECTORATE, Role.ADMIN)
# A page of the log; --limit asks for more.
DEFAULT_LIMIT = 200


def require_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise Forbidden(
            f"Người dùng '{actor.username}' không được xem nhật ký kiểm toán; "
            "chỉ Ban Giám đốc và quản trị viên được xem"
        )


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime
    actor: str | None
    substitute: str | None
    action: str
    campaign_id: int | None
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "at": localtime.iso(self.at)}


def events(
    session: Session,
    *,
    campaign_id: int | None = None,
    actor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[EventRow]:
    """The newest `limit` events matching the filters, oldest first."""
    who, sub = aliased(Actor), aliased(Actor)
    stmt = (
        select(AuditEvent, who.username, sub.username)
        .outerjoin(who, col(who.id) == col(AuditEvent.actor_id))
        .outerjoin(sub, col(sub.id) == col(AuditEvent.substitute_id))
    )
    if campaign_id is not None:
        stmt = stmt.where(AuditEvent.campaign_id == campaign_id)
    if actor is not None:
        person = get_actor(session, actor)
        stmt = stmt.where(
            (col(AuditEvent.actor_id) == person.id) | (col(AuditEvent.substitute_id) == person.id)
        )
    rows = session.exec(stmt.order_by(col(AuditEvent.id).desc()).limit(limit)).all()
    return [
        EventRow(
            id=e.id or 0,
            at=e.at,
            actor=name,
            substitute=sub_name,
            action=e.action,
            campaign_id=e.campaign_id,
            entity=e.entity,
            entity_id=e.entity_id,
            before=e.before,
            after=e.after,
            hash=e.hash,
        )
        for e, name, sub_name in reversed(rows)
    ]


@dataclass(frozen=True)
class ChainCheck:
    events: int
    broken_at: int | None  # the first event whose link or content does not hold
    problem: str  # in Vietnamese, naming the event; "" when the chain holds
    last_hash: str = ""  # worth keeping elsewhere: a later rewrite of the whole log shows

    @property
    def ok(self) -> bool:
        return not self.problem


def _recomputed(e: AuditEvent) -> str:
    return event_hash(
        prev_hash=e.prev_hash,
        at=e.at,
        actor_id=e.actor_id,
        substitute_id=e.substitute_id,
        action=e.action,
        campaign_id=e.campaign_id,
        entity=e.entity,
        entity_id=e.entity_id,
        before=e.before,
        after=e.after,
        key=e.key,
    )


def verify(session: Session, batch: int = 1000) -> ChainCheck:
    """Walk the chain in id order. An event whose content no longer gives its hash was changed;
    one whose previous hash is not the hash of the event before it follows a removal or is an
    insertion; a head that is not the last event means events were removed at the end."""
    prev_hash, prev_id, count, after_id = "", None, 0, 0
    while True:
        page = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.id) > after_id)
            .order_by(col(AuditEvent.id))
            .limit(batch)
        ).all()
        for e in page:
            count += 1
            after = f"sau sự kiện #{prev_id}" if prev_id is not None else "ở đầu nhật ký"
            if e.prev_hash != prev_hash:
                return ChainCheck(
                    count,
                    e.id,
                    f"Chuỗi băm đứt tại sự kiện #{e.id} ({e.action}): không nối với sự kiện "
                    f"{after} — có sự kiện bị xóa ngay trước nó, hoặc nó bị chèn vào",
                )
            if _recomputed(e) != e.hash:
                return ChainCheck(
                    count,
                    e.id,
                    f"Sự kiện #{e.id} ({e.action}) đã bị sửa: nội dung không còn khớp mã băm",
                )
            prev_hash, prev_id = e.hash, e.id
        if len(page) < batch:
            break
        after_id = page[-1].id or 0
        session.expunge_all()  # a long log is read in pages, not held in memory
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.last_hash != prev_hash or head.last_event_id != prev_id):
        return ChainCheck(
            count,
            head.last_event_id,
            f"Nhật ký kết thúc ở sự kiện #{prev_id} nhưng sự kiện cuối đã ghi là "
            f"#{head.last_event_id}: các sự kiện cuối nhật ký đã bị xóa hoặc sửa",
        )
    return ChainCheck(count, None, "", prev_hash)
