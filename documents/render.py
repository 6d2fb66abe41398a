"""Render the documents of a cycle, as Markdown (Prefect UI artifacts) or standalone HTML.

Each document is a pair of templates in documents/templates, ``<name>.md.j2`` and
``<name>.html.j2``; the wording they share sits in macro files (``_chung.j2`` and
``_<name>.j2``) and the HTML page in ``_layout.html.j2``. The context's fields are the
template's variables.
"""

from typing import Literal, get_args

from pydantic import BaseModel

from documents.context import AchievementContext, DecisionContext, MemoContext, MinutesContext
from thidua.templating import render

Format = Literal["md", "html"]
FORMATS: tuple[Format, ...] = get_args(Format)

MINUTES = "bien_ban"  # biên bản họp bình xét thi đua
MEMO = "to_trinh"  # tờ trình đề nghị khen thưởng
ACHIEVEMENT_REPORT = "bao_cao_thanh_tich"  # báo cáo thành tích
DECISION = "quyet_dinh"  # quyết định of the directorate on the cluster's results

DOCUMENTS: tuple[str, ...] = (MINUTES, MEMO, ACHIEVEMENT_REPORT, DECISION)

# Every document template (partials and layout excluded), one per document and format.
TEMPLATES: list[str] = [f"{doc}.{fmt}.j2" for doc in DOCUMENTS for fmt in FORMATS]


def template_name(document: str, fmt: Format) -> str:
    if document not in DOCUMENTS:
        raise ValueError(f"không có văn bản {document!r}")
    if fmt not in FORMATS:
        raise ValueError(f"định dạng {fmt!r} không hỗ trợ (chỉ có: {', '.join(FORMATS)})")
    return f"{document}.{fmt}.j2"


def _render(document: str, ctx: BaseModel, fmt: Format) -> str:
    # dict(model) keeps nested models as models (no dump), so templates get RankedUnit etc.
    return render(template_name(document, fmt), **dict(ctx))


def render_minutes(ctx: MinutesContext, fmt: Format) -> str:
    """Biên bản họp bình xét thi đua: scores, ballot results, elections, titles."""
    return _render(MINUTES, ctx, fmt)


def render_memo(ctx: MemoContext, fmt: Format) -> str:
    """Tờ trình đề nghị khen thưởng: the nominations with their eligibility and reasons."""
    return _render(MEMO, ctx, fmt)


def render_achievement_report(ctx: AchievementContext, fmt: Format) -> str:
    """Báo cáo thành tích of one nominated unit."""
    return _render(ACHIEVEMENT_REPORT, ctx, fmt)


def render_decision(ctx: DecisionContext, fmt: Format) -> str:
    """Quyết định of the directorate: titles, the acclaimed unit, next year's leader and deputy."""
    return _render(DECISION, ctx, fmt)
