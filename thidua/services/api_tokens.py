"""Per-system API tokens: issued by an admin, shown once, kept as a hash, revocable, audited.

A token is bound to one actor account and acts as it: every action through the HTTP API goes
through the same services, with the same role, unit and stage checks, as that person at the
command line. An admin makes a dedicated account for each system (`thidua org import`), with
the role (and unit) it is to act for, so the audit log names the system. Binding to an account
rather than inventing a "system" actor keeps one rule set: a system can do nothing its account
could not, and retiring the account stops its tokens.

An admin's token only reads (issuing secrets and tokens stays at the command line), and a token
whose account changed role stops working: it was issued to act for the old role.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models import Actor, ApiToken, ApiTokenPublic, Role, TokenScope
from models.org import ROLE_LABELS
from models.types import utcnow
from thidua.errors import Forbidden, InvalidInput, NotFound
from thidua.limits import TITLE, check_text
from thidua.localtime import clock
from thidua.services import audit
from thidua.services.access import require_role

PREFIX = "thidua_"  # lets secret scanners and people recognise a leaked token

SCOPE_LABELS = {TokenScope.READ: "chỉ đọc", TokenScope.ACT: "đọc và thao tác"}


class TokenRefused(Forbidden):
    """No valid token: missing, unknown, revoked, expired, or its account no longer fits.
    The HTTP API answers 401, whereas a valid token refused an action is a 403."""

    def __init__(self, message: str, token_id: int | None = None) -> None:
        super().__init__(message)
        self.token_id = token_id  # when the token was known: its refusal is logged against it


@dataclass(frozen=True)
class TokenUse:
    """Who a request acts as: the bound account, through which token."""

    actor: Actor
    token_id: int
    system: str
    scope: TokenScope
    # Read when the token is checked: still usable (audit of a refusal) after a rollback.
    actor_id: int = 0
    username: str = ""

    @property
    def via(self) -> str:
        """What the services record as the channel of an action (audit `via`)."""
        return f"api:{self.token_id}"


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session,
    *,
    by: Actor,
    system: str,
    actor: Actor,
    scope: TokenScope,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `system`, acting as `actor` within `scope`; the token is returned once."""
    require_role(by, Role.ADMIN, "cấp mã API")
    if not system.strip():
        raise InvalidInput("system", "không được để trống")
    check_text("system", system, max_length=TITLE)
    if actor.role == Role.ADMIN and scope != TokenScope.READ:
        raise InvalidInput(
            "scope",
            f"'{actor.username}' là quản trị viên: mã API của quản trị viên chỉ được đọc "
            "(cấp mã bí mật và mã API chỉ làm ở dòng lệnh)",
        )
    if not actor.active:
        raise InvalidInput("actor", f"tài khoản '{actor.username}' đã ngừng hoạt động")
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise InvalidInput("expires", "thời điểm phải có múi giờ")
        if expires_at <= utcnow():
            raise InvalidInput("expires", f"hạn {clock(expires_at)} đã qua")
    token = PREFIX + secrets.token_urlsafe(32)
    assert actor.id is not None and by.id is not None
    row = ApiToken(
        system=system.strip(),
        scope=TokenScope(scope).value,
        role=actor.role.value,
        expires_at=expires_at,
        actor_id=actor.id,
        token_sha256=_sha(token),
        issued_by=by.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="api_token.issue",
        entity="apitoken",
        entity_id=row.id,
        after={
            "system": row.system,
            "username": actor.username,
            "scope": row.scope,
            "role": row.role,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return row, token


def revoke(session: Session, *, by: Actor, token_id: int) -> ApiToken:
    """Revoke a token at once. Revoking it again changes nothing and logs nothing."""
    require_role(by, Role.ADMIN, "thu hồi mã API")
    row = session.exec(select(ApiToken).where(ApiToken.id == token_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"Không có mã API số {token_id}")
    if row.revoked_at is not None:
        return row
    row.revoked_at = utcnow()
    row.revoked_by = by.id
    session.add(row)
    audit.record(
        session,
        actor=by,
        action="api_token.revoke",
        entity="apitoken",
        entity_id=row.id,
        before={"system": row.system, "scope": row.scope},
    )
    return row


def _problem(row: ApiToken, actor: Actor | None, now: datetime) -> tuple[str, str] | None:
    """Why the token cannot be used now, in Vietnamese (a state for a listing, and the reason
    for a refusal), or None."""
    if row.revoked_at is not None:
        return "đã thu hồi", f"đã bị thu hồi lúc {clock(row.revoked_at)}"
    if row.expires_at is not None and row.expires_at <= now:
        return "hết hạn", f"đã hết hạn lúc {clock(row.expires_at)}"
    if actor is None or not actor.active:
        return "tài khoản ngừng", "tài khoản gắn với mã đã ngừng hoạt động"
    if actor.role.value != row.role:
        issued = ROLE_LABELS.get(Role(row.role), row.role)
        return "tài khoản đổi vai trò", (
            f"tài khoản gắn với mã đã đổi vai trò (mã được cấp cho vai trò {issued})"
        )
    return None


def listing(session: Session, *, by: Actor) -> list[ApiTokenPublic]:
    """Every token ever issued, newest first, with its state: never the token itself."""
    require_role(by, Role.ADMIN, "xem danh sách mã API")
    rows = session.exec(select(ApiToken).order_by(col(ApiToken.id).desc())).all()
    ids = {r.actor_id for r in rows} | {r.issued_by for r in rows}
    actors = {a.id: a for a in session.exec(select(Actor).where(col(Actor.id).in_(ids))).all()}
    now = utcnow()
    return [
        ApiTokenPublic(
            id=r.id or 0,
            system=r.system,
            scope=r.scope,
            role=r.role,
            expires_at=r.expires_at,
            username=actors[r.actor_id].username,
            issued_by=actors[r.issued_by].username,
            issued_at=r.issued_at,
            revoked_at=r.revoked_at,
            state=(_problem(r, actors.get(r.actor_id), now) or ("còn hiệu lực",))[0],
        )
        for r in rows
    ]


def authenticate(session: Session, token: str | None) -> TokenUse:
    """Who `token` acts as, or TokenRefused with the reason."""
    if not token:
        raise TokenRefused("Thiếu mã API (tiêu đề Authorization: Bearer <mã>)")
    row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == _sha(token))).first()
    # The lookup already used the hash; the comparison is for the reader, not the timing.
    if row is None or not hmac.compare_digest(row.token_sha256, _sha(token)):
        raise TokenRefused("Mã API không đúng")
    actor = session.get(Actor, row.actor_id)
    problem = _problem(row, actor, utcnow())
    if problem is not None:
        raise TokenRefused(f"Mã API số {row.id} ({row.system}) {problem[1]}", token_id=row.id)
    assert row.id is not None and actor is not None and actor.id is not None
    return TokenUse(
        actor=actor,
        token_id=row.id,
        system=row.system,
        scope=TokenScope(row.scope),
        actor_id=actor.id,
        username=actor.username,
    )


def require_scope(use: TokenUse, scope: TokenScope) -> None:
    """A read-only token may not act."""
    if scope == TokenScope.ACT and use.scope != TokenScope.ACT:
        raise Forbidden(
            f"Mã API số {use.token_id} ({use.system}) chỉ được đọc, không được thao tác"
        )


def record_refused_use(
    engine: Engine,
    *,
    request: str,
    reason: str,
    token_id: int | None = None,
    use: TokenUse | None = None,
    campaign_id: int | None = None,
) -> None:
    """Log a refused API request (no valid token, or a valid one refused an action) in its own
    transaction, as the CLI logs a refused command."""
    if use is not None:
        label, actor_id = f"mã API số {use.token_id} ({use.system})", use.actor_id
    elif token_id is not None:
        label, actor_id = f"mã API số {token_id}", None
    else:
        label, actor_id = "mã API không rõ", None
    audit.record_refusal(
        engine,
        command=request,
        reason=reason,
        campaign_id=campaign_id,
        actor_id=actor_id,
        claimed=label,
    )
