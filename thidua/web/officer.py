"""A unit officer's forms: the self-assessment (and its revision after a return) and the peer
review grid, generated from the cycle's scheme as the YAML and Excel forms are
(thidua/forms/context.py), checked by the same checks, filed by the same services.

Each form has two buttons: "Tính tổng" shows the page again with the running total and every
problem (no JavaScript needed, nothing written); "Nộp" files it. A small script
(static/total.js) keeps the totals live where JavaScript runs.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from models import Role
from rules.scoring import running_total
from thidua.errors import InvalidInput, Problem
from thidua.forms import checks, posted
from thidua.forms.context import FormContext, FormKind, form_context
from thidua.forms.yaml_form import scheme_data
from thidua.services import submissions
from thidua.services.reviews import submit_reviews
from thidua.templating import diem
from thidua.web import sessions
from thidua.web.access import DB, Me, allow
from thidua.web.actions import Posted, attempt, purpose, spend
from thidua.web.render import page, redirect

router = APIRouter()
OFFICER = allow(Role.UNIT_OFFICER)
SELF, REVIEWS = "self-assessment", "reviews"


def _may_send(ctx: FormContext) -> bool:
    return ctx.stage_open and ctx.view.campaign.stage == ctx.kind.stage


def _nonce(db: Session, me: Me, ctx: FormContext, kind: str) -> str | None:
    return sessions.issue_nonce(db, me, purpose(kind, ctx.view.id)) if _may_send(ctx) else None


# ------------------------------------------------------------------ self-assessment


def _self_page(
    request: Request,
    db: Session,
    me: Me,
    ctx: FormContext,
    values: dict[str, str],
    texts: dict[str, str],
    problems: list[Problem],
    *,
    status: int = 200,
    checked: bool = False,
) -> Response:
    # A version waiting for the leader is final unless the leader returns it.
    submitted = ctx.version is not None and ctx.returned_comment is None
    editable = _may_send(ctx) and not submitted
    return page(
        request,
        "self_assessment.html",
        db=db,
        status=status,
        ctx=ctx,
        scheme=scheme_data(ctx),
        values=values,
        texts=texts,
        total=running_total(ctx.scheme, values),
        problems=problems,
        checked=checked,
        editable=editable,
        nonce=_nonce(db, me, ctx, SELF) if editable else None,
    )


@router.get("/campaigns/{campaign_id}/self-assessment")
def self_assessment_form(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER]
) -> Response:
    ctx = form_context(db, actor=me.actor, campaign_id=campaign_id, kind=FormKind.SELF_ASSESSMENT)
    values = dict(ctx.own.scores) if ctx.own else {}
    texts = {
        "achievements": ctx.achievements,
        "shortcomings": ctx.shortcomings,
        "evidence": "\n".join(ctx.evidence),
    }
    return _self_page(request, db, me, ctx, values, texts, [])


@router.post("/campaigns/{campaign_id}/self-assessment")
def self_assessment_send(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER], form: Posted
) -> Response:
    ctx = form_context(db, actor=me.actor, campaign_id=campaign_id, kind=FormKind.SELF_ASSESSMENT)
    filled = posted.self_assessment(form)
    values = {k: v or "" for k, v in filled.data["scores"].items()}
    texts = {k: form.get(k, "") for k in ("achievements", "shortcomings", "evidence")}
    if form.get("action") != "submit":
        try:
            checks.check_self_assessment(ctx.view, ctx.unit, filled)
            problems: list[Problem] = []
        except InvalidInput as exc:
            problems = list(exc.problems)
        return _self_page(request, db, me, ctx, values, texts, problems, checked=True)
    spend(db, me, purpose(SELF, campaign_id), form)

    def file() -> Any:
        data = checks.check_self_assessment(ctx.view, ctx.unit, filled)
        return submissions.submit_self_assessment(
            db, actor=me.actor, campaign_id=campaign_id, data=data, via="web"
        )

    done, problems = attempt(db, file)
    if done is None:
        return _self_page(request, db, me, ctx, values, texts, problems, status=422, checked=True)
    sessions.set_flash(
        db,
        me.session_id,
        f"Đã nhận bản tự chấm điểm của {ctx.unit.name} (lần {done.version}), tổng điểm "
        f"{diem(done.total)}. Cụm trưởng sẽ kiểm tra; nếu bản này bị trả lại để sửa, lý do "
        "hiện ở trang này và trong “Việc của tôi”.",
    )
    return redirect(request, f"/campaigns/{campaign_id}/self-assessment")


# ------------------------------------------------------------------ peer review grid


def _rows(ctx: FormContext, form: dict[str, str] | None) -> list[dict[str, Any]]:
    """One column of the grid per other member: what was sent (read-only), or what is typed."""
    typed = posted.review_rows(form) if form is not None else {}
    rows = []
    for i, (unit, sent) in enumerate(ctx.reviewees):
        mine = typed.get(i, {})
        scores = dict(sent.scores) if sent else dict(mine.get("scores", {}))
        rows.append(
            {
                "index": i,
                "unit": unit,
                "sent": sent is not None,
                "scores": scores,
                "comment": sent.comment if sent else str(mine.get("comment", "")),
                "total": running_total(ctx.scheme, scores),
            }
        )
    return rows


def _reviews_page(
    request: Request,
    db: Session,
    me: Me,
    ctx: FormContext,
    form: dict[str, str] | None,
    problems: list[Problem],
    *,
    status: int = 200,
    checked: bool = False,
) -> Response:
    rows = _rows(ctx, form)
    editable = _may_send(ctx) and any(not r["sent"] for r in rows)
    return page(
        request,
        "reviews.html",
        db=db,
        status=status,
        ctx=ctx,
        scheme=scheme_data(ctx),
        rows=rows,
        problems=problems,
        checked=checked,
        editable=editable,
        nonce=_nonce(db, me, ctx, REVIEWS) if editable else None,
    )


@router.get("/campaigns/{campaign_id}/reviews")
def review_grid(request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER]) -> Response:
    ctx = form_context(db, actor=me.actor, campaign_id=campaign_id, kind=FormKind.REVIEW)
    return _reviews_page(request, db, me, ctx, None, [])


def _only_unsent(ctx: FormContext, form: dict[str, str]) -> dict[str, str]:
    """The posted fields of the columns not sent yet, each bound to its own reviewee: the
    grid's column order says whom a column reviews, never a posted code."""
    codes = {i: u.code for i, (u, sent) in enumerate(ctx.reviewees) if sent is None}
    kept = {}
    for name, value in form.items():
        row = posted.review_rows({name: value})
        if len(row) == 1 and next(iter(row)) in codes:
            kept[name] = value
    for i, code in codes.items():
        kept[f"reviews[{i}].reviewee"] = code
    return kept


@router.post("/campaigns/{campaign_id}/reviews")
def review_send(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, OFFICER], form: Posted
) -> Response:
    ctx = form_context(db, actor=me.actor, campaign_id=campaign_id, kind=FormKind.REVIEW)
    fields = _only_unsent(ctx, form)
    filled, indices = posted.reviews(fields)
    if form.get("action") != "submit":
        problems: list[Problem] = []
        if indices:
            try:
                checks.check_reviews(ctx.view, ctx.unit, filled)
            except InvalidInput as exc:
                problems = posted.in_grid(exc.problems, indices)
        return _reviews_page(request, db, me, ctx, fields, problems, checked=True)
    spend(db, me, purpose(REVIEWS, campaign_id), form)
    if not indices:
        problems = [Problem("reviews", "chưa chấm điểm đơn vị nào")]
        return _reviews_page(request, db, me, ctx, fields, problems, status=422, checked=True)

    def file() -> Any:
        data = checks.check_reviews(ctx.view, ctx.unit, filled)
        return submit_reviews(
            db, actor=me.actor, campaign_id=campaign_id, reviews=data.reviews, via="web"
        )

    written, problems = attempt(db, file)
    if written is None:
        problems = posted.in_grid(problems, indices)
        return _reviews_page(request, db, me, ctx, fields, problems, status=422, checked=True)
    names = ", ".join(ctx.view.unit_by_id(r.reviewee_unit_id).name for r in written)
    left = sum(1 for _, sent in ctx.reviewees if sent is None) - len(written)
    after = f" Còn {left} đơn vị chưa chấm." if left > 0 else " Đã chấm đủ các đơn vị."
    sessions.set_flash(
        db, me.session_id, f"Đã nhận {len(written)} phiếu chấm chéo: {names}.{after}"
    )
    return redirect(request, f"/campaigns/{campaign_id}/reviews")
