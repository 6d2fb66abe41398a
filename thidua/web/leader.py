"""The cluster leader's page: confirm the open stage (with the vote meeting's chair, secretary
and place, as `thidua confirm`), return a unit's self-assessment with a comment, and extend a
unit's deadline with a reason; the same services as the CLI, one nonce per form."""

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from models import Role, SelfScore, StageRun, SubmissionStatus
from rules.stages import Stage
from thidua import localtime
from thidua.errors import Problem
from thidua.services import deadlines, decisions, submissions, votes
from thidua.services.access import require_cluster_leader
from thidua.services.context import CampaignView, load_campaign, open_stage_run
from thidua.services.meeting import MEETING_FIELDS, people
from thidua.services.progress import latest_assessments, progress
from thidua.web import sessions
from thidua.web.access import DB, Me, allow
from thidua.web.actions import Posted, attempt, posted_tie, purpose, spend, wake_later
from thidua.web.render import page, redirect

router = APIRouter()
LEADER = allow(Role.CLUSTER_LEADER)
FORMS = ("confirm", "return", "extend", "tie")


def _submitted(db: Session, run: StageRun | None) -> list[dict[str, Any]]:
    """The self-assessments waiting for the leader, each with its scores, to read or return."""
    if run is None or run.id is None or run.stage != Stage.SELF_ASSESSMENT:
        return []
    latest = latest_assessments(db, run.id)
    found = []
    for sa in latest.values():
        if sa.status != SubmissionStatus.SUBMITTED:
            continue
        rows = db.exec(select(SelfScore).where(SelfScore.assessment_id == sa.id)).all()
        found.append({"sa": sa, "scores": {r.item_code: r.points for r in rows}})
    return found


def _lead_page(
    request: Request,
    db: Session,
    me: Me,
    view: CampaignView,
    *,
    problems: dict[str, list[Problem]] | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    run = open_stage_run(db, view)
    state = progress(db, view, run) if run is not None else None
    waiting = _submitted(db, run)
    names = {u.id: u for u in view.members}
    meeting: dict[str, str] = {}
    if run is not None and run.stage == Stage.VOTE:
        chair, secretary, place = people(db, view, run)
        meeting = {
            "chair": chair.name,
            "chair_position": chair.position,
            "secretary": secretary.name,
            "secretary_position": secretary.position,
            "place": place,
        }
    ties = votes.ties_to_decide(db, view, run) if run is not None else []
    limit = None
    if run is not None and run.stage in deadlines.EXTENDABLE:
        limit = run.due_at + view.rules.deadlines[run.stage].max_extension
    nonces = {f: sessions.issue_nonce(db, me, purpose(f, view.id)) for f in FORMS} if run else {}
    return page(
        request,
        "lead.html",
        db=db,
        status=status,
        view=view,
        run=run,
        state=state,
        waiting=waiting,
        units=names,
        meeting={**meeting, **(typed or {})},
        limit=limit,
        ties=ties,
        nonces=nonces,
        problems=problems or {},
        typed=typed or {},
        confirmable=run is not None and run.stage in decisions.CONFIRMABLE,
    )


def _view(db: Session, me: Me, campaign_id: int) -> CampaignView:
    view = load_campaign(db, campaign_id)
    require_cluster_leader(me.actor, view, "dùng trang của Cụm trưởng")
    return view


@router.get("/campaigns/{campaign_id}/lead")
def lead(request: Request, campaign_id: int, db: DB, me: Annotated[Me, LEADER]) -> Response:
    return _lead_page(request, db, me, _view(db, me, campaign_id))


@router.post("/campaigns/{campaign_id}/confirm")
def confirm(
    request: Request,
    campaign_id: int,
    db: DB,
    me: Annotated[Me, LEADER],
    form: Posted,
    background: BackgroundTasks,
) -> Response:
    view = _view(db, me, campaign_id)
    spend(db, me, purpose("confirm", campaign_id), form)
    meeting = {k: form[k] for k in MEETING_FIELDS if form.get(k, "").strip()}
    run, problems = attempt(
        db,
        lambda: decisions.confirm_stage(
            db, actor=me.actor, campaign_id=campaign_id, meeting=meeting, via="web"
        ),
    )
    if run is None:
        return _lead_page(
            request, db, me, view, problems={"confirm": problems}, typed=meeting, status=422
        )
    sessions.set_flash(
        db,
        me.session_id,
        f"Đã xác nhận giai đoạn “{run.stage.label}” của {view.run_name}. Giai đoạn tiếp theo "
        "mở trong giây lát; các đơn vị sẽ thấy việc mới trong “Việc của tôi”.",
    )
    wake_later(background, view.campaign.flow_run_id)
    return redirect(request, f"/campaigns/{campaign_id}/lead")


@router.post("/campaigns/{campaign_id}/return")
def return_assessment(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, LEADER], form: Posted
) -> Response:
    view = _view(db, me, campaign_id)
    spend(db, me, purpose("return", campaign_id), form)
    unit, comment = form.get("unit", ""), form.get("comment", "")
    sa, problems = attempt(
        db,
        lambda: submissions.return_self_assessment(
            db, actor=me.actor, campaign_id=campaign_id, unit_code=unit, comment=comment, via="web"
        ),
    )
    if sa is None:
        typed = {"return_unit": unit, "comment": comment}
        return _lead_page(
            request, db, me, view, problems={"return": problems}, typed=typed, status=422
        )
    name = view.unit_by_id(sa.unit_id).name
    sessions.set_flash(
        db,
        me.session_id,
        f"Đã trả lại bản tự chấm (lần {sa.version}) của {name} để sửa; đơn vị thấy lý do "
        "trong “Việc của tôi” và nộp lại trước hạn chót.",
    )
    return redirect(request, f"/campaigns/{campaign_id}/lead")


@router.post("/campaigns/{campaign_id}/extend")
def extend(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, LEADER], form: Posted
) -> Response:
    view = _view(db, me, campaign_id)
    spend(db, me, purpose("extend", campaign_id), form)
    unit, until, reason = form.get("unit", ""), form.get("until", ""), form.get("reason", "")

    def grant() -> Any:
        return deadlines.grant_extension(
            db,
            actor=me.actor,
            campaign_id=campaign_id,
            unit_code=unit,
            until=localtime.parse(until, "until"),
            reason=reason,
        )

    ext, problems = attempt(db, grant)
    if ext is None:
        typed = {"extend_unit": unit, "until": until, "reason": reason}
        return _lead_page(
            request, db, me, view, problems={"extend": problems}, typed=typed, status=422
        )
    sessions.set_flash(
        db, me.session_id, f"Đã gia hạn cho {unit} đến {localtime.clock(ext.until)}."
    )
    return redirect(request, f"/campaigns/{campaign_id}/lead")


@router.post("/campaigns/{campaign_id}/tie")
def decide_tie(
    request: Request,
    campaign_id: int,
    db: DB,
    me: Annotated[Me, LEADER],
    form: Posted,
    background: BackgroundTasks,
) -> Response:
    """The chair of the meeting decides a quota tie left after the count (`thidua chair
    decide`): the units chosen, with the reason the minutes print."""
    view = _view(db, me, campaign_id)
    spend(db, me, purpose("tie", campaign_id), form)
    tie = posted_tie(db, me, campaign_id, form)
    if not tie.decided:
        return _lead_page(
            request, db, me, view, problems={"tie": tie.problems}, typed=tie.typed, status=422
        )
    title = form.get("title", "")
    sessions.set_flash(
        db, me.session_id, f"Đã ghi quyết định của chủ tọa: “{title}” cho {tie.chosen}."
    )
    wake_later(background, view.campaign.flow_run_id)
    return redirect(request, f"/campaigns/{campaign_id}/lead")
