"""The directorate's decision on a cluster's results: approve, amend (titles changed, with the
reason) or return to an earlier stage (with the reason), through decisions.decide as
`thidua decide`. The decision is taken here, in thidua; waking the run only makes it look now."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from sqlmodel import Session

from models import Role, StageRun
from rules.stages import Stage
from thidua.errors import InvalidInput, Problem
from thidua.services import decisions, votes
from thidua.services.context import CampaignView, load_campaign, open_stage_run
from thidua.services.results import ranking_of, vote_of
from thidua.web import sessions
from thidua.web.access import DB, Me, allow
from thidua.web.actions import Posted, attempt, posted_tie, purpose, spend, wake_later
from thidua.web.render import page, redirect

router = APIRouter()
DIRECTORATE = allow(Role.DIRECTORATE)
ESCALATED, TIE = "confirm-escalated", "tie-escalated"
KEEP = "__keep__"  # an amendment select left as it was: no change for that unit
OUTCOMES = {
    decisions.Outcome.APPROVE: "phê duyệt",
    decisions.Outcome.AMEND: "điều chỉnh",
    decisions.Outcome.RETURN: "trả lại",
}


def _decide_page(
    request: Request,
    db: Session,
    me: Me,
    view: CampaignView,
    *,
    problems: list[Problem] | None = None,
    typed: dict[str, str] | None = None,
    tie_problems: list[Problem] | None = None,
    status: int = 200,
) -> Response:
    run = open_stage_run(db, view)
    # A quota tie the chair left past the vote's deadline, escalated: the directorate decides.
    ties = (
        votes.ties_to_decide(db, view, run)
        if run is not None and run.stage == Stage.VOTE and run.escalated_at is not None
        else []
    )
    open_for_decision = run is not None and run.stage == Stage.APPROVAL
    vote = vote_of(db, view.id)
    ranking = {r.unit: r for r in ranking_of(db, view.id) or []}
    granted = {t.unit: t.title for t in vote.titles if t.approved} if vote else {}
    escalated = escalated_run(run)
    return page(
        request,
        "decide.html",
        db=db,
        status=status,
        view=view,
        run=run,
        open_for_decision=open_for_decision,
        vote=vote,
        ranking=ranking,
        granted=granted,
        titles=[t.title for t in view.rules.titles],
        stages=decisions.RETURNABLE,
        keep=KEEP,
        problems=problems or [],
        typed=typed or {},
        nonce=sessions.issue_nonce(db, me, purpose("decide", view.id))
        if open_for_decision
        else None,
        escalated=escalated,
        escalated_nonce=sessions.issue_nonce(db, me, purpose(ESCALATED, view.id))
        if escalated
        else None,
        ties=ties,
        tie_action=f"/campaigns/{view.id}/tie-escalated",
        tie_nonce=sessions.issue_nonce(db, me, purpose(TIE, view.id)) if ties else "",
        tie_problems=tie_problems or [],
    )


def escalated_run(run: StageRun | None) -> StageRun | None:
    """The open stage the leader left unconfirmed past its deadline, escalated (deadlines.
    escalate_due): the directorate may confirm it in the leader's place."""
    if (
        run is None
        or run.stage not in decisions.CONFIRMABLE
        or run.escalated_at is None
        or run.confirmed_by is not None
    ):
        return None
    return run


@router.get("/campaigns/{campaign_id}/decide")
def decide_form(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, DIRECTORATE]
) -> Response:
    return _decide_page(request, db, me, load_campaign(db, campaign_id))


def _outcome(form: dict[str, str]) -> decisions.Outcome:
    try:
        return decisions.Outcome(form.get("outcome", ""))
    except ValueError:
        raise InvalidInput("outcome", "chọn phê duyệt, điều chỉnh hoặc trả lại") from None


def _return_to(form: dict[str, str]) -> Stage | None:
    value = form.get("return_to", "")
    try:
        return Stage(value) if value else None
    except ValueError:
        raise InvalidInput("return_to", f"'{value}' không phải giai đoạn") from None


@router.post("/campaigns/{campaign_id}/decide")
def decide(
    request: Request,
    campaign_id: int,
    db: DB,
    me: Annotated[Me, DIRECTORATE],
    form: Posted,
    background: BackgroundTasks,
) -> Response:
    view = load_campaign(db, campaign_id)
    spend(db, me, purpose("decide", campaign_id), form)
    reason = form.get("reason", "")

    def take() -> decisions.Outcome:
        outcome = _outcome(form)
        amendments = {
            name.removeprefix("amend."): (value.strip() or None)
            for name, value in form.items()
            if name.startswith("amend.") and value != KEEP
        }
        decisions.decide(
            db,
            actor=me.actor,
            campaign_id=campaign_id,
            outcome=outcome,
            reason=reason,
            # Amendments and the stage to return to belong to their own outcome only.
            amendments=amendments if outcome == decisions.Outcome.AMEND else None,
            return_to=_return_to(form) if outcome == decisions.Outcome.RETURN else None,
            via="web",
        )
        return outcome

    outcome, problems = attempt(db, take)
    if outcome is None:
        return _decide_page(request, db, me, view, problems=problems, typed=form, status=422)
    sessions.set_flash(
        db, me.session_id, f"Đã ghi quyết định {OUTCOMES[outcome]} kết quả của {view.run_name}."
    )
    wake_later(background, view.campaign.flow_run_id)
    return redirect(request, f"/campaigns/{campaign_id}/decide")


@router.post("/campaigns/{campaign_id}/confirm-escalated")
def confirm_escalated(
    request: Request,
    campaign_id: int,
    db: DB,
    me: Annotated[Me, DIRECTORATE],
    form: Posted,
    background: BackgroundTasks,
) -> Response:
    """The directorate closes an escalated stage in the leader's place (`thidua confirm` as
    the directorate): decisions.confirm_stage refuses it unless the stage was escalated."""
    view = load_campaign(db, campaign_id)
    spend(db, me, purpose(ESCALATED, campaign_id), form)
    run = decisions.confirm_stage(db, actor=me.actor, campaign_id=campaign_id, via="web")
    sessions.set_flash(
        db,
        me.session_id,
        f"Đã xác nhận giai đoạn '{run.stage.label}' của {view.run_name} thay Cụm trưởng.",
    )
    wake_later(background, view.campaign.flow_run_id)
    return redirect(request, f"/campaigns/{campaign_id}/decide")


@router.post("/campaigns/{campaign_id}/tie-escalated")
def decide_escalated_tie(
    request: Request,
    campaign_id: int,
    db: DB,
    me: Annotated[Me, DIRECTORATE],
    form: Posted,
    background: BackgroundTasks,
) -> Response:
    """The directorate decides a quota tie in the chair's place once it was escalated (`thidua
    chair decide` as the directorate; votes.decide_tie refuses it before)."""
    view = load_campaign(db, campaign_id)
    spend(db, me, purpose(TIE, campaign_id), form)
    tie = posted_tie(db, me, campaign_id, form)
    if not tie.decided:
        return _decide_page(
            request, db, me, view, typed=tie.typed, tie_problems=tie.problems, status=422
        )
    title = form.get("title", "")
    sessions.set_flash(
        db, me.session_id, f"Đã ghi quyết định thay chủ tọa: “{title}” cho {tie.chosen}."
    )
    wake_later(background, view.campaign.flow_run_id)
    return redirect(request, f"/campaigns/{campaign_id}/decide")
