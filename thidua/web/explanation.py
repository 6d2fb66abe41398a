"""An officer's explanation (giải trình) when the unit is named for a gap between its
self-score and its peers' mean (`thidua submit explanation`, services/explanations.py): its
figures, what it filed, and the form, while the peer review is open."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from models import Role
from thidua.errors import NotReady, Problem
from thidua.services.access import require_member_officer
from thidua.services.context import CampaignView, load_campaign, open_stage_run
from thidua.services.explanations import submit_explanation
from thidua.services.queries import flagged_now
from thidua.web import sessions
from thidua.web.access import DB, Me, allow
from thidua.web.actions import Posted, attempt, purpose, spend
from thidua.web.render import page, redirect

router = APIRouter()
OFFICER = allow(Role.UNIT_OFFICER)
EXPLAIN = "explanation"


def _page(
    request: Request,
    db: Session,
    me: Me,
    view: CampaignView,
    *,
    problems: list[Problem] | None = None,
    typed: str | None = None,
    refusal: str = "",
    status: int = 200,
) -> Response:
    unit = require_member_officer(me.actor, view, "xem giải trình")
    run = open_stage_run(db, view)
    gap = (
        next((g for g in flagged_now(db, view, run) if g.unit == unit.code), None) if run else None
    )
    return page(
        request,
        "explanation.html",
        db=db,
        status=status,
        view=view,
        unit=unit,
        gap=gap,
        limit=view.rules.gap_threshold,
        text=typed if typed is not None else (gap.text or "" if gap else ""),
        problems=problems or [],
        refusal=refusal,
        nonce=sessions.issue_nonce(db, me, purpose(EXPLAIN, view.id)) if gap else None,
    )


@router.get("/campaigns/{campaign_id}/explanation")
def explanation(request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER]) -> Response:
    return _page(request, db, me, load_campaign(db, campaign_id))


@router.post("/campaigns/{campaign_id}/explanation")
def explain(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER], form: Posted
) -> Response:
    view = load_campaign(db, campaign_id)
    spend(db, me, purpose(EXPLAIN, campaign_id), form)
    text = form.get("text", "")
    try:
        row, problems = attempt(
            db,
            lambda: submit_explanation(
                db, actor=me.actor, campaign_id=campaign_id, text=text, via="web"
            ),
        )
    except NotReady as exc:  # no longer named (the reviews moved the mean), or no form yet
        return _page(request, db, me, view, typed=text, refusal=exc.message, status=409)
    if row is None:
        return _page(request, db, me, view, problems=problems, typed=text, status=422)
    sessions.set_flash(
        db,
        me.session_id,
        "Đã nhận giải trình. Cụm trưởng đọc giải trình trước khi xác nhận kết quả chấm chéo; "
        "biên bản họp ghi lại giải trình này.",
    )
    return redirect(request, f"/campaigns/{campaign_id}/explanation")
