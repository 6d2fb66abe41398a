"""Who is acting: long-lived secrets for the CLI, one-time action codes for Prefect forms.

A secret is issued by thidua, shown once and kept only as a hash. Prefect stores every form
answer where anyone with API access can read it, so a form carries a one-time code instead:
issued to one person for one stage run, short-lived, valid once.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models import ActionCode, Actor, Role
from models.types import utcnow
from rules.stages import Stage
from thidua.errors import Forbidden, WrongStage
from thidua.services import audit
from thidua.services.context import get_actor, load_campaign, open_stage_run

CODE_LIFETIME = timedelta(hours=24)
_DECIDERS = {
    Stage.SELF_ASSESSMENT: Role.CLUSTER_LEADER,
    Stage.PEER_REVIEW: Role.CLUSTER_LEADER,
    Stage.VOTE: Role.CLUSTER_LEADER,
    Stage.APPROVAL: Role.DIRECTORATE,
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def set_secret(session: Session, actor: Actor, secret: str) -> None:
    actor.secret_hash = _sha(secret)
    session.add(actor)


def issue_secret(session: Session, *, by: Actor | None, actor: Actor) -> str:
    """A new secret for `actor` (the old one stops working). Only an admin issues secrets,
    except the very first one of an admin, which bootstraps the system."""
    bootstrap = by is None and actor.role == Role.ADMIN and actor.secret_hash is None
    if not bootstrap and (by is None or by.role != Role.ADMIN):
        raise Forbidden("Chỉ quản trị viên được cấp mã bí mật cho người dùng")
    secret = secrets.token_urlsafe(24)
    set_secret(session, actor, secret)
    audit.record(
        session,
        actor=by,
        action="actor.secret_issue",
        entity="actor",
        entity_id=actor.username,
        after={"bootstrap": bootstrap},
    )
    return secret


def revoke_secret(session: Session, *, by: Actor, actor: Actor) -> None:
    if by.role != Role.ADMIN:
        raise Forbidden("Chỉ quản trị viên được thu hồi mã bí mật")
    actor.secret_hash = None
    session.add(actor)
    audit.record(
        session, actor=by, action="actor.secret_revoke", entity="actor", entity_id=actor.username
    )


def authenticate(session: Session, username: str, secret: str | None) -> Actor:
    """The actor, if `secret` is theirs. The same answer for an unknown user and a wrong
    secret, so the refusal tells nothing about which usernames exist."""
    refused = Forbidden(f"Không xác thực được người dùng '{username}': sai tên hoặc mã bí mật")
    if not secret:
        raise Forbidden(f"Thiếu mã bí mật của '{username}': đặt biến môi trường THIDUA_SECRET")
    try:
        actor = get_actor(session, username)
    except Exception:
        raise refused from None
    if actor.secret_hash is None or not hmac.compare_digest(actor.secret_hash, _sha(secret)):
        raise refused
    return actor


def issue_action_code(session: Session, *, actor: Actor, campaign_id: int) -> tuple[str, datetime]:
    """A one-time code for the decision the campaign's open stage waits for from `actor`."""
    view = load_campaign(session, campaign_id)
    run = open_stage_run(session, view)
    if run is None or run.stage not in _DECIDERS:
        raise WrongStage(f"{view.run_name}: không có quyết định nào đang chờ trên biểu mẫu")
    if actor.role != _DECIDERS[run.stage]:
        raise Forbidden(
            f"'{actor.username}' không phải người quyết định giai đoạn '{run.stage.label}'"
        )
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    expires = utcnow() + CODE_LIFETIME
    assert actor.id is not None and run.id is not None
    session.add(
        ActionCode(
            actor_id=actor.id, stage_run_id=run.id, code_sha256=_sha(code), expires_at=expires
        )
    )
    audit.record(
        session,
        actor=actor,
        action="action_code.issue",
        campaign_id=view.id,
        entity="stagerun",
        entity_id=run.id,
        after={"expires_at": expires.isoformat()},
    )
    return code, expires


def consume_action_code(session: Session, *, actor: Actor, stage_run_id: int, code: str) -> None:
    """Accept `code` once, for this actor and stage run, before it expires; else refuse."""
    row = session.exec(
        select(ActionCode)
        .where(ActionCode.code_sha256 == _sha(code.strip().upper()))
        .with_for_update()
    ).first()
    if (
        row is None
        or row.actor_id != actor.id
        or row.stage_run_id != stage_run_id
        or row.used_at is not None
        or row.expires_at <= utcnow()
    ):
        raise Forbidden("Mã xác nhận một lần không đúng, đã dùng hoặc đã hết hạn")
    row.used_at = utcnow()
    session.add(row)
