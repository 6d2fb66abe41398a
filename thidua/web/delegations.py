"""Delegation on the web (`thidua delegate`, and the CLI's `--thay-cho`): a person grants a
delegation to a substitute for a period or revokes one, and a substitute chooses to act for
someone who delegated to them (thidua/web/acting.py). On these pages a person is always
themselves, never the one they act for."""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from models import Actor, Delegation
from models.types import utcnow
from thidua import localtime
from thidua.errors import Forbidden, InvalidInput, NotFound, Problem
from thidua.services import delegation
from thidua.web import sessions
from thidua.web.access import ALL_ROLES, DB, SESSION_COOKIE, Me, allow
from thidua.web.acting import ACTING_COOKIE, chosen, cookie_value
from thidua.web.actions import Posted, attempt, spend
from thidua.web.render import page, redirect, root_path, set_cookie

router = APIRouter()
ANYONE = allow(*ALL_ROLES)
GRANT, REVOKE = "delegation.grant", "delegation.revoke"


def _names(db: Session, rows: list[Delegation]) -> dict[int, Actor]:
    ids = {r.principal_id for r in rows} | {r.substitute_id for r in rows}
    found = db.exec(select(Actor).where(col(Actor.id).in_(ids))).all() if ids else []
    return {a.id: a for a in found if a.id is not None}


def _page(
    request: Request,
    db: Session,
    me: Me,
    *,
    problems: list[Problem] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    given, held = delegation.current(db, actor=me.actor)
    token = request.cookies.get(SESSION_COOKIE, "")
    return page(
        request,
        "delegations.html",
        db=db,
        status=status,
        given=given,
        held=held,
        people=_names(db, given + held),
        now=utcnow(),
        acting_id=chosen(request, token),
        problems=problems or [],
        typed=typed or {},
        grant_nonce=sessions.issue_nonce(db, me, GRANT),
        revoke_nonce=sessions.issue_nonce(db, me, REVOKE) if given else "",
    )


@router.get("/delegations")
def delegations(request: Request, db: DB, me: Annotated[Me, ANYONE]) -> Response:
    return _page(request, db, me)


@router.post("/delegations")
def grant(request: Request, db: DB, me: Annotated[Me, ANYONE], form: Posted) -> Response:
    spend(db, me, GRANT, form)
    to, starts, ends = form.get("to", "").strip(), form.get("from", ""), form.get("until", "")

    def act() -> Delegation:
        if not to:
            raise InvalidInput("to", "nêu tên đăng nhập của người làm thay")
        try:
            return delegation.delegate(
                db,
                principal=me.actor,
                substitute=to,
                starts=localtime.parse(starts, "from"),
                ends=localtime.parse(ends, "until"),
            )
        except NotFound as exc:
            raise InvalidInput("to", exc.message) from None

    row, problems = attempt(db, act)
    if row is None:
        typed = {"to": to, "from": starts, "until": ends}
        return _page(request, db, me, problems=problems, typed=typed, status=422)
    sessions.set_flash(
        db,
        me.session_id,
        f"{to} được làm thay {me.username} đến {localtime.clock(row.ends)}.",
    )
    return redirect(request, "/delegations")


@router.post("/delegations/{delegation_id}/revoke")
def revoke(
    request: Request, delegation_id: int, db: DB, me: Annotated[Me, ANYONE], form: Posted
) -> Response:
    spend(db, me, REVOKE, form)
    row, problems = attempt(
        db, lambda: delegation.revoke(db, principal=me.actor, delegation_id=delegation_id)
    )
    if row is None:
        return _page(request, db, me, problems=problems, status=422)
    sessions.set_flash(db, me.session_id, f"Đã thu hồi ủy quyền số {delegation_id}.")
    return redirect(request, "/delegations")


@router.post("/acting")
def choose(request: Request, db: DB, me: Annotated[Me, ANYONE], form: Posted) -> Response:
    """Act for `principal` (a username) from the next page on, or for nobody when empty."""
    principal = form.get("principal", "").strip()
    response: Any
    if not principal:
        sessions.set_flash(db, me.session_id, f"Đã thôi làm thay; bạn thao tác là {me.name}.")
        response = redirect(request, "/delegations")
        response.delete_cookie(ACTING_COOKIE, path=root_path(request) or "/")
        return response
    try:
        who = delegation.get_actor(db, principal)
    except NotFound:
        raise Forbidden(f"'{me.username}' không được '{principal}' ủy quyền lúc này") from None
    delegation.live_grant(db, substitute=me.actor, principal=who)
    assert who.id is not None
    sessions.set_flash(
        db, me.session_id, f"{me.name} đang làm thay {who.full_name} ({who.username})."
    )
    response = redirect(request, "/")
    set_cookie(
        response,
        request,
        ACTING_COOKIE,
        cookie_value(request.cookies.get(SESSION_COOKIE, ""), who.id),
    )
    return response
