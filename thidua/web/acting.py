"""Acting for someone under a delegation (the CLI's `--thay-cho`), chosen for the session.

The choice is a cookie bound to the session's own cookie by the server's key, so it ends with
the session and cannot be carried to another. Every request checks the delegation again
(delegation.live_grant, as the CLI's acting_for): while it holds, the request acts as the
person who delegated, with their role, and the audit names the substitute beside them
(audit.act_as, on the request's database session, never a context variable). On the pages
that manage delegations and this choice, a person is always themselves.
"""

import hmac

from fastapi import Request
from sqlmodel import Session

from models import Actor
from thidua.secretkey import keyed_hash
from thidua.services import audit, delegation
from thidua.web.sessions import Signed

ACTING_COOKIE = "thidua_acting"
# Where a person manages their own delegations: never acting for anyone there.
OWN_PATHS = ("/delegations", "/acting")


def _mark(session_token: str, principal_id: int) -> str:
    return keyed_hash(f"acting:{session_token}:{principal_id}")


def cookie_value(session_token: str, principal_id: int) -> str:
    return f"{principal_id}.{_mark(session_token, principal_id)}"


def chosen(request: Request, session_token: str) -> int | None:
    """The principal this session chose to act for; None without a choice (or a cookie of
    another session)."""
    value = request.cookies.get(ACTING_COOKIE, "")
    head, _, mark = value.partition(".")
    if not head.isdigit() or len(head) > 12:
        return None
    principal_id = int(head)
    return principal_id if hmac.compare_digest(mark, _mark(session_token, principal_id)) else None


def own_page(request: Request) -> bool:
    path = request.url.path.removeprefix(str(request.scope.get("root_path", "")).rstrip("/"))
    return any(path == p or path.startswith(p + "/") for p in OWN_PATHS)


def apply(request: Request, db: Session, signed: Signed, session_token: str) -> Signed:
    """The request's acting person: the signed-in one, or the person they act for (Forbidden,
    audited, once that delegation has ended or was revoked)."""
    principal_id = chosen(request, session_token)
    if principal_id is None or own_page(request):
        audit.act_as(db, None)
        request.state.acting_for = _name(db, principal_id)
        return signed
    principal = db.get(Actor, principal_id)
    if principal is None or not principal.active:
        audit.act_as(db, None)
        return signed
    delegation.live_grant(db, substitute=signed.actor, principal=principal)
    audit.act_as(db, signed.actor_id)
    assert principal.id is not None
    request.state.acting_for = principal.full_name
    return Signed(
        actor=principal,
        session_id=signed.session_id,
        csrf=signed.csrf,
        actor_id=principal.id,
        username=principal.username,
        name=principal.full_name,
        by_id=signed.actor_id,
        by_username=signed.username,
        by_name=signed.name,
    )


def _name(db: Session, principal_id: int | None) -> str:
    principal = db.get(Actor, principal_id) if principal_id is not None else None
    return principal.full_name if principal is not None else ""
