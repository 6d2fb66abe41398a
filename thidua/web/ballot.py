"""The secret ballot in the browser: the questions with their candidates and how many may be
chosen, a confirmation step, the cast, and the receipt (thidua/services/receipts.py), shown once.

The ballot's content lives only in the form and the ballot row: nothing here writes it to the
session, a flash message or the audit log, and the receipt page is never cached.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from models import Role
from thidua.errors import InvalidInput, NotFound, Problem
from thidua.forms import checks, posted
from thidua.forms.context import FormContext, FormKind, form_context
from thidua.forms.submit import proposed_titles
from thidua.services import receipts, submissions
from thidua.web import sessions
from thidua.web.access import ALL_ROLES, DB, Me, allow
from thidua.web.actions import Posted, attempt, purpose, spend
from thidua.web.campaigns import readable
from thidua.web.render import page

router = APIRouter()
OFFICER = allow(Role.UNIT_OFFICER)
BALLOT = "ballot"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _values(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k.startswith("ballot.")}


def _open(ctx: FormContext) -> bool:
    return ctx.stage_open and ctx.view.campaign.stage == ctx.kind.stage and not ctx.voted


def _private(response: Response) -> Response:
    """A ballot page is kept by no cache: not the browser's, not a proxy's."""
    response.headers.update(NO_STORE)
    return response


def _form_page(
    request: Request,
    db: Session,
    ctx: FormContext,
    values: dict[str, str],
    problems: list[Problem],
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    return _private(
        page(
            request,
            "ballot.html",
            db=db,
            status=status,
            ctx=ctx,
            values=values,
            problems=problems,
            may_vote=_open(ctx),
            **extra,
        )
    )


def _context(db: Session, me: Me, campaign_id: int) -> FormContext:
    return form_context(db, actor=me.actor, campaign_id=campaign_id, kind=FormKind.BALLOT)


@router.get("/campaigns/{campaign_id}/ballot")
def ballot_form(request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER]) -> Response:
    return _form_page(request, db, _context(db, me, campaign_id), {}, [])


@router.post("/campaigns/{campaign_id}/ballot")
def ballot_step(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER], form: Posted
) -> Response:
    """ "review" checks the choices and asks to confirm them; "edit" goes back to the form;
    "cast" (from the confirmation, with its one-time nonce) casts the ballot."""
    ctx = _context(db, me, campaign_id)
    values = _values(form)
    action = form.get("action", "review")
    if action == "edit":
        return _form_page(request, db, ctx, values, [])
    filled = posted.ballot(values)
    proposed = proposed_titles(db, campaign_id)
    if action != "cast":
        try:
            content = checks.check_ballot(ctx.view, ctx.unit, filled, proposed)
        except InvalidInput as exc:
            return _form_page(request, db, ctx, values, list(exc.problems), status=422)
        names = {u.code: u.name for u in ctx.view.members}
        return _private(
            page(
                request,
                "ballot_confirm.html",
                db=db,
                ctx=ctx,
                values=values,
                content=content,
                names=names,
                nonce=sessions.issue_nonce(db, me, purpose(BALLOT, campaign_id)),
            )
        )
    spend(db, me, purpose(BALLOT, campaign_id), form)

    def cast() -> str:
        content = checks.check_ballot(ctx.view, ctx.unit, filled, proposed)
        return submissions.cast_ballot(
            db, actor=me.actor, campaign_id=campaign_id, ballot=content, via="web"
        )

    receipt, problems = attempt(db, cast)
    if receipt is None:
        return _form_page(request, db, ctx, values, problems, status=422)
    return _private(page(request, "ballot_receipt.html", db=db, ctx=ctx, receipt=receipt))


# ------------------------------------------------------------------ receipts


def _verify_page(
    request: Request,
    db: Session,
    me: Me,
    campaign_id: int,
    *,
    check: receipts.ReceiptCheck | None = None,
    problems: list[Problem] | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    view = readable(db, me, campaign_id)
    return _private(
        page(
            request,
            "ballot_verify.html",
            db=db,
            status=status,
            view=view,
            check=check,
            problems=problems or [],
            refusal=refusal,
        )
    )


@router.get("/campaigns/{campaign_id}/ballot/verify")
def verify_form(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]
) -> Response:
    return _verify_page(request, db, me, campaign_id)


@router.post("/campaigns/{campaign_id}/ballot/verify")
def verify(
    request: Request,
    campaign_id: int,
    db: DB,
    me: Annotated[Me, allow(*ALL_ROLES)],
    form: Posted,
) -> Response:
    """A POST, never a query string: a receipt in a URL would sit in proxy logs beside the
    address that asked. Nothing is audited with the receipt for the same reason. Only who may
    read the campaign may check its receipts (nor learn that it exists)."""
    readable(db, me, campaign_id)
    try:
        check = receipts.verify(db, campaign_id=campaign_id, receipt=form.get("receipt", ""))
    except InvalidInput as exc:
        return _verify_page(request, db, me, campaign_id, problems=list(exc.problems), status=422)
    except NotFound as exc:
        return _verify_page(request, db, me, campaign_id, refusal=exc.message, status=404)
    return _verify_page(request, db, me, campaign_id, check=check)
