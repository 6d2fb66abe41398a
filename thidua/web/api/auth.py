"""Who an API request acts as: the account its bearer token is bound to, never a session
cookie (so there is no CSRF to check). Deny by default, as every route of the portal: each
route names its roles with `token(…)`, and an action also needs a token scoped to act."""

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from models import Role, TokenScope
from thidua.db import get_engine
from thidua.errors import Forbidden
from thidua.services import api_tokens
from thidua.services.api_tokens import TokenRefused, TokenUse
from thidua.web import sessions
from thidua.web.access import DB, Access, NotSignedIn, Refused, declare, release

REFUSED_TOKEN = "(mã API bị từ chối)"  # the name refused tokens are counted under

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="mã API",
    description="Mã API do quản trị viên cấp (`thidua token issue`): "
    "`Authorization: Bearer thidua_…`.",
)


def request_line(request: Request) -> str:
    return f"api {request.method} {request.url.path}"[:500]


def log_refused_token(request: Request) -> None:
    """Log the refused token of this request, if it came with one (a request with no token at
    all is no attempt worth a line). In its own transaction: the request's own has ended, and
    on SQLite it held the write lock."""
    refused: TokenRefused | None = getattr(request.state, "api_refused", None)
    if refused is None:
        return
    try:
        api_tokens.record_refused_use(
            get_engine(), request=request_line(request), reason=refused.message,
            token_id=refused.token_id,
        )  # fmt: skip
    except Exception:  # the database may be the very thing that is wrong
        return


def _counted(request: Request, db: Session) -> bool:
    """Count a refused token against its address, as a failed sign-in is (apart from them);
    False once that address, or everyone together, failed too often within the window: still
    refused, but nothing is written, so a stream of made-up tokens neither fills the audit log
    nor holds SQLite's write lock."""
    address = "api:" + (request.client.host if request.client else "unknown")
    if sessions.too_many_failures(db, username=REFUSED_TOKEN, address=address):
        return False
    sessions.count_failure(db, username=REFUSED_TOKEN, address=address)
    db.commit()
    return True


def token(*roles: Role, act: bool = False) -> Any:
    """The dependency of an API route open to these roles; `act`: it changes something, and a
    read-only token is refused (403)."""
    if not roles:
        raise ValueError("token() needs at least one role")
    access = Access(roles=frozenset(roles))

    @declare(access)
    def guard(
        request: Request,
        db: DB,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> TokenUse:
        given = credentials.credentials if credentials else None
        try:
            use = api_tokens.authenticate(db, given)
        except TokenRefused as exc:
            # Logged by the 401's handler (errors.py), once this transaction is over.
            if given and _counted(request, db):
                request.state.api_refused = exc
            raise NotSignedIn(exc.message) from None
        request.state.api_token = use
        if use.actor.role not in access.roles:
            raise Refused(
                f"Mã API số {use.token_id} ({use.system}) gắn với tài khoản "
                f"'{use.username}', vai trò không được dùng đường dẫn này",
                what="role",
            )
        if act:
            try:
                api_tokens.require_scope(use, TokenScope.ACT)
            except Forbidden as exc:
                raise Refused(exc.message, what="scope") from None
        return release(db, use)  # the handler runs in another hop of the thread pool

    return Depends(guard)
