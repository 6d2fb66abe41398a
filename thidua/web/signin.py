"""Sign-in, sign-out and the health check: the portal's only public pages."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import Session, select

from models import Actor
from thidua.errors import ThiduaError
from thidua.limits import NAME, text_problem
from thidua.services.auth import authenticate
from thidua.web import sessions
from thidua.web.access import DB, PRE_COOKIE, SESSION_COOKIE, public
from thidua.web.errors import audit_refusal
from thidua.web.i18n import language_of, translator
from thidua.web.render import page, redirect, safe_next, set_cookie

router = APIRouter()


def client_address(request: Request) -> str:
    # Behind a trusted proxy, ProxyHeadersMiddleware (app.py) has already put the real client
    # here from X-Forwarded-For; anyone else's header is ignored.
    return request.client.host if request.client else "unknown"


def _is_account(db: Session, username: str) -> bool:
    return db.exec(select(Actor.id).where(Actor.username == username)).first() is not None


def _masked(name: str) -> str:
    """A typed name that is no account's, as the audit log keeps it: a secret pasted into the
    name field must not land in a log that is append-only and readable over the API."""
    return f"{name[:2]}…({len(name)} ký tự)"


@router.get("/health", response_class=PlainTextResponse)
def health(_: Annotated[None, public]) -> str:
    return "ok"


@router.get("/signin")
def signin_form(request: Request, _: Annotated[None, public], next: str = "/") -> Response:
    return page(request, "signin.html", next=safe_next(next), username="", error=None)


@router.post("/signin")
def signin(
    request: Request,
    username: Annotated[str, Form(max_length=NAME)],
    secret: Annotated[str, Form(max_length=500)],
    db: DB,
    _: Annotated[None, public],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    address = client_address(request)
    username = username.strip()
    if text_problem(username, max_length=NAME) is not None:
        # No account has a NUL or a control character in its name (and PostgreSQL refuses a
        # query with NUL: a 500, unaudited, uncounted): a wrong sign-in like any other, under
        # its printable form.
        username = username.encode("unicode_escape").decode("ascii")[:NAME]

    def refused(status: int, reason: str, word: str) -> Response:
        claimed = username if _is_account(db, username) else _masked(username)
        reason = reason.replace(f"'{username}'", f"'{claimed}'")
        db.commit()  # the audit writes in a transaction of its own (SQLite: one writer)
        audit_refusal(request, f"{reason} (từ {address})", claimed=claimed)
        error = translator(language_of(request))(word)
        return page(request, "signin.html", status=status, next=safe_next(next),
                    username=username, error=error)  # fmt: skip

    if sessions.too_many_failures(db, username=username, address=address):
        return refused(429, "Đăng nhập sai quá nhiều lần; hãy thử lại sau", "signin.throttled")
    try:
        actor = authenticate(db, username, secret)
    except ThiduaError as exc:
        sessions.count_failure(db, username=username, address=address)
        return refused(401, exc.message, "signin.refused")
    # A session the browser already had is ended, not carried over (no session fixation).
    sessions.end_token(db, request.cookies.get(SESSION_COOKIE))
    token = sessions.start(db, actor)
    response = redirect(request, safe_next(next))
    set_cookie(response, request, SESSION_COOKIE, token)
    response.delete_cookie(PRE_COOKIE, path=request.scope.get("root_path") or "/")
    return response


@router.post("/signout")
def signout(request: Request, db: DB, _: Annotated[None, public]) -> Response:
    # Public so that a dead session can still sign out; the CSRF check (of public) still holds.
    sessions.end_token(db, request.cookies.get(SESSION_COOKIE))
    response = redirect(request, "/signin")
    response.delete_cookie(SESSION_COOKIE, path=request.scope.get("root_path") or "/")
    return response
