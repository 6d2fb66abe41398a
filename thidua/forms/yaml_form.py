"""The YAML form of one person: their data in the shape `thidua submit` reads, every field
explained in a Vietnamese comment (templates in thidua/forms/templates)."""

from decimal import Decimal
from typing import Any

from rules.scoring import format_points
from thidua.forms.context import FormContext, FormKind
from thidua.templating import render

KIND_LABELS = {
    "quantitative": "định lượng",
    "qualitative": "định tính",
    "per_occurrence": "tính theo số lần",
}
TEMPLATES = {
    FormKind.SELF_ASSESSMENT: "mau_tu_cham.yaml.j2",
    FormKind.REVIEW: "mau_cham_cheo.yaml.j2",
    FormKind.BALLOT: "mau_phieu_bau.yaml.j2",
}


def _pts(value: Decimal | None) -> str | None:
    return None if value is None else format_points(value)


def scheme_data(ctx: FormContext) -> dict[str, Any]:
    """The scheme as plain data: what both the YAML and the Excel form print of it."""
    scheme = ctx.scheme
    return {
        "name": scheme.name,
        "total": _pts(scheme.total_points),
        "groups": [
            {
                "code": g.code,
                "name": g.name,
                "max": _pts(g.max_points),
                "criteria": [
                    {
                        "code": c.code,
                        "name": c.name,
                        "max": _pts(c.max_points),
                        "step": _pts(c.step),
                        "kind": KIND_LABELS[c.kind],
                        "target": c.target,
                        "from_drives": c.from_drives,
                    }
                    for c in g.criteria
                ],
            }
            for g in scheme.groups
        ],
        "bonuses": [
            {
                "code": b.code,
                "name": b.name,
                "max": _pts(b.max_points),
                "step": _pts(b.step),
                "from_drives": b.from_drives,
            }
            for b in scheme.bonuses
        ],
        "penalties": [
            {"code": p.code, "name": p.name, "max": _pts(p.max_points), "step": _pts(p.step)}
            for p in scheme.penalties
        ],
        "max_bonus": _pts(scheme.max_bonus),
    }


def _drive(ctx: FormContext, unit: str) -> dict[str, dict[str, str]]:
    """The unit's points on the lines computed from the drives: {code: {points, explanation}};
    a line not fixed yet (the stage has not opened) says so."""
    fixed = ctx.drive_points.get(unit, {})
    out = {}
    for item in ctx.scheme.drive_items:
        points, explanation = fixed.get(item.code, ("", "tính khi mở giai đoạn tự chấm điểm"))
        out[item.code] = {"points": points, "explanation": explanation}
    return out


def form_data(ctx: FormContext) -> dict[str, Any]:
    """Everything a form template prints, as plain values."""
    return {
        "title": ctx.kind.form_title,
        "kind": str(ctx.kind),
        "run_name": ctx.view.run_name,
        "campaign_id": ctx.view.id,
        "unit": {"code": ctx.unit.code, "name": ctx.unit.name},
        "actor": {"username": ctx.actor.username, "name": ctx.actor.full_name},
        "due_at": ctx.due_at,
        "stage_open": ctx.stage_open,
        "command": ctx.command,
        "scheme": scheme_data(ctx),
        "own": dict(ctx.own.scores) if ctx.own else None,
        "drive": _drive(ctx, ctx.unit.code),
        "version": ctx.version,
        "returned_comment": ctx.returned_comment,
        "achievements": ctx.achievements,
        "shortcomings": ctx.shortcomings,
        "evidence": list(ctx.evidence),
        "reviewees": [
            {
                "code": u.code,
                "name": u.name,
                "scores": dict(sent.scores) if sent else None,
                "comment": sent.comment if sent else "",
                "drive": _drive(ctx, u.code),
            }
            for u, sent in ctx.reviewees
        ],
        "questions": [
            {
                "key": q.key,
                "text": q.text,
                "choose": q.choose,
                "note": q.note,
                "candidates": [{"code": u.code, "name": u.name} for u in q.candidates],
            }
            for q in ctx.questions
        ],
        "titles": [
            {"code": t.unit.code, "name": t.unit.name, "title": t.title} for t in ctx.titles
        ],
        "voted": ctx.voted,
        "notes": list(ctx.notes),
    }


def yaml_form(ctx: FormContext) -> str:
    return render(TEMPLATES[ctx.kind], f=form_data(ctx))
