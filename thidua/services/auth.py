"""Who is acting: long-lived secrets for the CLI, one-time action codes for Prefect forms.

A secret is issued by thidua, shown once and kept only as a hash. Prefect stores every form
answer where anyone with API access can read and rewrite it, so a form carries a one-time code
instead: issued to one person for one decision in one stage run, short-lived, valid once, kept
as a hash keyed with the server's secret key, and void after a few wrong tries.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from models import ActionCode, Actor, AuditEvent, Role
from models.types import utcnow
from rules.stages import Stage
from thidua.errors import Forbidden, WrongStage
from thidua.secretkey import keyed_hash, server_key
from thidua.services import audit
from thidua.services.context import get_actor, load_campaign, open_stage_run

if TYPE_CHECKING:
    from thidua.services.form_decisions import FormDecision

CODE_LIFETIME = timedelta(hours=24)
MAX_WRONG_TRIES = 5
_WRONG = "Mã xác nhận một lần không đúng, đã dùng hoặc đã hết hạn"
_VOIDED = (
    "Đã nhập sai {n} lần: các mã xác nhận của người này cho giai đoạn đang mở đã bị vô hiệu; "
    "hãy lấy mã mới bằng `thidua code`"
)
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


def _bootstrapped(session: Session) -> bool:
    """Whether a secret was ever issued here: the audit log is append-only, so a revoked
    admin cannot make the database look new again."""
    issued = session.exec(
        select(AuditEvent.id).where(AuditEvent.action == "actor.secret_issue").limit(1)
    ).first()
    holder = session.exec(select(Actor.id).where(col(Actor.secret_hash).is_not(None))).first()
    return issued is not None or holder is not None


def issue_secret(
    session: Session, *, by: Actor | None, actor: Actor, recovery_key: bytes | None = None
) -> str:
    """A new secret for `actor` (the old one stops working). Only an admin issues secrets,
    except the first secret ever issued here, to an admin, which bootstraps the system; and an
    admin's secret given with the server's key (proof of access to the server's files)."""
    admin = actor.role == Role.ADMIN
    bootstrap = by is None and admin and recovery_key is None and not _bootstrapped(session)
    recovery = (
        by is None
        and admin
        and recovery_key is not None
        and hmac.compare_digest(recovery_key.strip(), server_key())
    )
    if not (bootstrap or recovery) and (by is None or by.role != Role.ADMIN):
        if recovery_key is not None and not admin:
            raise Forbidden("Khóa khôi phục chỉ dùng để cấp lại mã bí mật cho quản trị viên")
        if recovery_key is not None:
            raise Forbidden("Khóa khôi phục không khớp khóa bí mật của máy chủ")
        raise Forbidden("Chỉ quản trị viên được cấp mã bí mật cho người dùng")
    secret = secrets.token_urlsafe(24)
    set_secret(session, actor, secret)
    audit.record(
        session,
        actor=by,
        action="actor.secret_issue",
        entity="actor",
        entity_id=actor.username,
        after={"bootstrap": bootstrap, "recovery": recovery},
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


def issue_action_code(
    session: Session, *, actor: Actor, campaign_id: int, decision: "FormDecision"
) -> tuple[str, datetime]:
    """A one-time code for `decision`, which the campaign's open stage waits for from `actor`.

    The decision is tried first and rolled back, so a code is only issued for a decision that
    can be taken now; the code then carries that decision and no other."""
    view = load_campaign(session, campaign_id)
    run = open_stage_run(session, view)
    if run is None or run.stage not in _DECIDERS:
        raise WrongStage(f"{view.run_name}: không có quyết định nào đang chờ trên biểu mẫu")
    # Once a waiting stage was escalated, the directorate may act in the leader's place.
    in_place = run.escalated_at is not None and actor.role == Role.DIRECTORATE
    if actor.role != _DECIDERS[run.stage] and not in_place:
        raise Forbidden(
            f"'{actor.username}' không phải người quyết định giai đoạn '{run.stage.label}'"
        )
    # Imported here: proving who acts (every command) needs none of the forms' decisions.
    from thidua.services import form_decisions

    trial = session.begin_nested()
    try:
        form_decisions.apply(
            session,
            actor=actor,
            campaign_id=view.id,
            stage=run.stage,
            decision=decision,
            via="prefect-ui",
        )
    finally:
        trial.rollback()
    code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
    expires = utcnow() + CODE_LIFETIME
    assert actor.id is not None and run.id is not None
    session.add(
        ActionCode(
            actor_id=actor.id,
            stage_run_id=run.id,
            code_hmac=keyed_hash(code),
            decision=decision.canonical(),
            expires_at=expires,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="action_code.issue",
        campaign_id=view.id,
        entity="stagerun",
        entity_id=run.id,
        after={"expires_at": expires.isoformat(), "decision": decision.model_dump()},
    )
    return code, expires


def consume_action_code(
    session: Session, *, actor: Actor, stage_run_id: int, code: str, decision: "FormDecision"
) -> None:
    """Accept `code` once, for this actor, stage run and decision, before it expires; else
    refuse. A wrong code or another decision counts against all the actor's live codes for the
    stage run, which die after MAX_WRONG_TRIES. The count is written to `session`: commit it
    even though this raises."""
    now = utcnow()
    rows = session.exec(
        select(ActionCode)
        .where(
            ActionCode.actor_id == actor.id,
            ActionCode.stage_run_id == stage_run_id,
            col(ActionCode.used_at).is_(None),
            ActionCode.expires_at > now,
        )
        .with_for_update()
    ).all()
    live = [r for r in rows if r.failed_attempts < MAX_WRONG_TRIES]
    digest = keyed_hash(code.strip().upper())
    sealed = decision.canonical()
    matching = [r for r in live if hmac.compare_digest(r.code_hmac, digest)]
    for row in matching:
        if hmac.compare_digest(row.decision.encode(), sealed.encode()):
            row.used_at = now
            session.add(row)
            return
    if not live:
        if rows:  # only codes voided by wrong tries
            raise Forbidden(_VOIDED.format(n=MAX_WRONG_TRIES))
        raise Forbidden(_WRONG)
    for row in live:
        row.failed_attempts += 1
        session.add(row)
    left = MAX_WRONG_TRIES - max(r.failed_attempts for r in live)
    if left <= 0:
        raise Forbidden(_VOIDED.format(n=MAX_WRONG_TRIES))
    if matching:
        raise Forbidden(
            "Mã xác nhận được cấp cho một quyết định khác với quyết định trên biểu mẫu "
            f"(còn {left} lần thử)"
        )
    raise Forbidden(f"{_WRONG} (còn {left} lần thử)")
