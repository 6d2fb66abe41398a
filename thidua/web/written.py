"""The written ballot of a unit absent from the vote meeting, entered by the cluster leader
(`thidua submit ballot --written --unit U`, votes.cast_written_ballot): the unit's own ballot
form, a confirmation step, and the receipt as the CLI prints it, shown once.

As on the officer's ballot page, the content lives only in the form and the ballot row: no
session, flash message or audit event holds it, and no cache keeps these pages.
"""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from models import Role
from thidua.errors import InvalidInput, Problem
from thidua.forms import checks, posted
from thidua.forms.context import FormContext, written_ballot_context
from thidua.forms.submit import proposed_titles
from thidua.services import votes
from thidua.web import sessions
from thidua.web.access import DB, Me, allow
from thidua.web.actions import Posted, attempt, purpose, spend

# The officer's ballot page's own pieces: the same form, kept by no cache.
from thidua.web.ballot import _form_page, _private, _values
from thidua.web.render import page

router = APIRouter()
LEADER = allow(Role.CLUSTER_LEADER)


def _where(campaign_id: int, unit_code: str) -> str:
    return f"/campaigns/{campaign_id}/written-ballot/{unit_code}"


def _form(
    request: Request,
    db: Session,
    ctx: FormContext,
    values: dict[str, str],
    problems: list[Problem],
    *,
    status: int = 200,
) -> Response:
    where = _where(ctx.view.id, ctx.unit.code)
    return _form_page(request, db, ctx, values, problems, status=status, post_to=where)


@router.get("/campaigns/{campaign_id}/written-ballot/{unit_code}")
def written_form(
    request: Request, campaign_id: int, unit_code: str, db: DB, me: Annotated[Me, LEADER]
) -> Response:
    ctx = written_ballot_context(db, actor=me.actor, campaign_id=campaign_id, unit_code=unit_code)
    return _form(request, db, ctx, {}, [])


@router.post("/campaigns/{campaign_id}/written-ballot/{unit_code}")
def written_step(
    request: Request,
    campaign_id: int,
    unit_code: str,
    db: DB,
    me: Annotated[Me, LEADER],
    form: Posted,
) -> Response:
    """ "review" checks the unit's choices and asks to confirm them; "edit" goes back;
    "cast" (with its one-time nonce) enters the ballot and shows its receipt."""
    ctx = written_ballot_context(db, actor=me.actor, campaign_id=campaign_id, unit_code=unit_code)
    values = _values(form)
    action = form.get("action", "review")
    if action == "edit":
        return _form(request, db, ctx, values, [])
    filled = posted.ballot(values)
    proposed = proposed_titles(db, campaign_id)
    what = purpose(f"written-ballot.{ctx.unit.code}", campaign_id)
    if action != "cast":
        try:
            content = checks.check_ballot(ctx.view, ctx.unit, filled, proposed)
        except InvalidInput as exc:
            return _form(request, db, ctx, values, list(exc.problems), status=422)
        return _private(
            page(
                request,
                "ballot_confirm.html",
                db=db,
                ctx=ctx,
                values=values,
                content=content,
                names={u.code: u.name for u in ctx.view.members},
                nonce=sessions.issue_nonce(db, me, what),
                post_to=_where(campaign_id, ctx.unit.code),
            )
        )
    spend(db, me, what, form)

    def cast() -> str:
        content = checks.check_ballot(ctx.view, ctx.unit, filled, proposed)
        return votes.cast_written_ballot(
            db,
            actor=me.actor,
            campaign_id=campaign_id,
            unit_code=ctx.unit.code,
            ballot=content,
            via="web",
        )

    receipt, problems = attempt(db, cast)
    if receipt is None:
        return _form(request, db, ctx, values, problems, status=422)
    return _private(page(request, "written_receipt.html", db=db, ctx=ctx, receipt=receipt))
