"""Deny by default: every route declares who may use it, and create_app() checks that all do.

A route declares its audience with exactly one of
    me: Annotated[Me, allow(Role.UNIT_OFFICER, Role.CLUSTER_LEADER)]  # signed in, these roles
    _: Annotated[None, public]                          # anyone (sign-in, static, health)
as a parameter (or in `dependencies=[...]`). `allow` also checks the CSRF token of every unsafe
request, and hands the handler the signed-in person (`Me`), attached to the request's database
session (`DB`). The guard ends its own read (`release`); the handler's transaction commits when
it returns and rolls back if it raises, so a refused action writes nothing.
"""

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import Session
from starlette.routing import Mount

from models import Role
from thidua.db import session_scope
from thidua.web import acting, sessions
from thidua.web.sessions import Signed

SESSION_COOKIE = "thidua_session"
PRE_COOKIE = "thidua_pre"  # an anonymous visitor's CSRF anchor (the sign-in form)
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ALL_ROLES = frozenset(Role)

T = TypeVar("T")


@dataclass(frozen=True)
class Access:
    """Who may use a route: `roles`, or anyone when `public`."""

    roles: frozenset[Role]
    public: bool = False


class NotSignedIn(Exception):
    """No live session: an HTML page redirects to sign-in, an /api/ route answers 401."""


class Refused(Exception):
    """A refused request (wrong role, bad CSRF token, replayed form): audited, then answered
    with `status` and `message` (Vietnamese)."""

    def __init__(self, message: str, *, status: int = 403, what: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.what = what


def db_session() -> Iterator[Session]:
    with session_scope() as db:
        yield db


# scope="function": the transaction commits when the handler returns, before the response
# goes out, so the page a redirect leads to already sees what the action wrote.
DB = Annotated[Session, Depends(db_session, scope="function")]


def release(db: Session, answer: T) -> T:
    """Commit the request's transaction before `answer` leaves this hop of the thread pool.

    On SQLite every transaction holds the write lock from its start (thidua/db.py). FastAPI
    runs a sync dependency (a guard), the handler and the serialisation of an answer that is
    not a Response in separate hops of one thread pool (40 threads); the DB dependency's exit
    needs no thread of that pool (FastAPI gives it a limiter of its own). A transaction held
    into the next hop: with more than 40 requests at once, every thread waits for the lock in
    BEGIN IMMEDIATE while the holder waits for a thread, until busy_timeout (30 s) fails them.
    So each guard ends its read here, and an API handler its transaction; a page's handler
    returns a Response, which its dependency's exit commits without a thread of the pool."""
    db.commit()
    return answer


async def _form_csrf(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)  # parsed once, cached by Starlette
        return value if isinstance(value, str) else None
    return None


async def _csrf_given(request: Request) -> str | None:
    return await _form_csrf(request) if request.method in UNSAFE else None


def check_csrf(request: Request, given: str | None, token: str | None) -> None:
    """Refuse an unsafe request whose CSRF token is missing or not the one of `token`."""
    if request.method not in UNSAFE:
        return
    if not token or not given or not hmac.compare_digest(given, sessions.csrf_for(token)):
        raise Refused(
            "Biểu mẫu thiếu hoặc sai mã chống giả mạo (CSRF); hãy tải lại trang rồi gửi lại",
            what="csrf",
        )


def declare(access: Access) -> Callable[..., Any]:
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__thidua_access__ = access  # type: ignore[attr-defined]
        return fn

    return mark


def allow(*roles: Role) -> Any:
    """The dependency of a route open to these roles (at least one)."""
    if not roles:
        raise ValueError("allow() needs at least one role; use `public` for everyone")
    access = Access(roles=frozenset(roles))

    @declare(access)
    def guard(
        request: Request, db: DB, given: Annotated[str | None, Depends(_csrf_given)]
    ) -> Signed:
        token = request.cookies.get(SESSION_COOKIE)
        signed = sessions.resolve(db, token)
        if signed is None:
            db.commit()  # a dead session found here stays deleted
            raise NotSignedIn()
        request.state.signed = signed
        # Under a delegation the request acts as the person who delegated, with their role.
        signed = request.state.signed = acting.apply(request, db, signed, token)
        if signed.actor.role not in access.roles:
            raise Refused(
                f"Vai trò của '{signed.actor.username}' không được dùng trang này", what="role"
            )
        check_csrf(request, given, token)
        return release(db, signed)  # the session's touch; the action is the handler's

    return Depends(guard)


@declare(Access(roles=ALL_ROLES, public=True))
def _public(request: Request, given: Annotated[str | None, Depends(_csrf_given)]) -> None:
    # A public form (sign-in) is anchored to the visitor's pre-session cookie.
    token = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)
    check_csrf(request, given, token)


public: Any = Depends(_public)

Me = Signed  # the type a handler annotates its `allow(...)` parameter with


@dataclass(frozen=True)
class RouteInfo:
    """One route as the app serves it (router prefixes applied)."""

    path: str
    methods: frozenset[str]
    access: Access | None  # None: not declared, or declared more than once
    mount: bool = False


def _access_in(dependant: Any) -> Access | None:
    found: list[Access] = []
    stack = [dependant]
    while stack:
        dep = stack.pop()
        access = getattr(dep.call, "__thidua_access__", None)
        if access is not None and access not in found:
            found.append(access)
        stack.extend(dep.dependencies)
    return found[0] if len(found) == 1 else None


def routes_of(app: FastAPI) -> list[RouteInfo]:
    """Every route of `app` with its declaration, read from its dependency tree."""
    infos = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        methods = frozenset(ctx.methods or ())
        if isinstance(route, APIRoute):
            infos.append(RouteInfo(str(ctx.path), methods, _access_in(ctx.dependant)))
        else:
            infos.append(RouteInfo(str(ctx.path), methods, None, mount=isinstance(route, Mount)))
    return infos
