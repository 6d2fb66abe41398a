"""Next year's rules, proposed on the web (issue 17; `thidua rules propose`): an officer of a
member unit proposes changes to the criteria and scales, kept with the campaign; the cluster
leader reads the cluster's proposals, then drafts next year's rules (`thidua rules draft`)."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from models import Role
from thidua.errors import Problem
from thidua.services import rules_drafts
from thidua.services.context import CampaignView, load_campaign
from thidua.web import sessions
from thidua.web.access import DB, Me, allow
from thidua.web.actions import Posted, attempt, purpose, spend
from thidua.web.render import page, redirect

router = APIRouter()
READERS = allow(Role.UNIT_OFFICER, Role.CLUSTER_LEADER)
OFFICER = allow(Role.UNIT_OFFICER)
PROPOSE = "rules-propose"


def _page(
    request: Request,
    db: Session,
    me: Me,
    view: CampaignView,
    *,
    problems: list[Problem] | None = None,
    typed: str = "",
    status: int = 200,
) -> Response:
    proposals = rules_drafts.proposals_of(db, actor=me.actor, campaign_id=view.id)
    officer = me.actor.role == Role.UNIT_OFFICER
    return page(
        request,
        "proposals.html",
        db=db,
        status=status,
        view=view,
        proposals=proposals,
        officer=officer,
        next_year=view.year + 1,
        problems=problems or [],
        typed=typed,
        nonce=sessions.issue_nonce(db, me, purpose(PROPOSE, view.id)) if officer else None,
    )


@router.get("/campaigns/{campaign_id}/rules-proposals")
def proposals(request: Request, campaign_id: int, db: DB, me: Annotated[Me, READERS]) -> Response:
    return _page(request, db, me, load_campaign(db, campaign_id))


@router.post("/campaigns/{campaign_id}/rules-proposals")
def propose(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER], form: Posted
) -> Response:
    view = load_campaign(db, campaign_id)
    spend(db, me, purpose(PROPOSE, campaign_id), form)
    text = form.get("text", "")
    row, problems = attempt(
        db, lambda: rules_drafts.propose(db, actor=me.actor, campaign_id=campaign_id, text=text)
    )
    if row is None:
        return _page(request, db, me, view, problems=problems, typed=text, status=422)
    sessions.set_flash(
        db,
        me.session_id,
        f"Đã ghi đề xuất #{row.id} cho năm sau (đợt bình xét #{campaign_id}).",
    )
    return redirect(request, f"/campaigns/{campaign_id}/rules-proposals")
