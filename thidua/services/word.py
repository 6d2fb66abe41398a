"""Word files of a campaign's documents, made from the contexts stored beside them.

A document's context is stored as `<key>.json` when the document is made
(thidua/services/documents.py); the .docx is rendered from it on request, so it always says
what the Markdown and HTML say. Documents made before contexts were stored have no Word form.
"""

from pydantic import BaseModel
from sqlmodel import Session, col, select

from documents.context import AchievementContext, DecisionContext, MemoContext, MinutesContext
from models import Document
from thidua.errors import NotFound
from thidua.services.context import load_campaign

CONTEXTS: dict[str, type[BaseModel]] = {
    "bien_ban": MinutesContext,
    "to_trinh": MemoContext,
    "bao_cao_thanh_tich": AchievementContext,
    "quyet_dinh": DecisionContext,
}
SUFFIXES = (".md", ".html", ".json", ".docx")


def base_key(key: str) -> str:
    """`bao-cao-PHC.md` → `bao-cao-PHC`: a person may name a document in any of its formats."""
    for suffix in SUFFIXES:
        if key.endswith(suffix):
            return key.removesuffix(suffix)
    return key


def word_keys(session: Session, campaign_id: int) -> list[str]:
    """The documents of the campaign that have a Word form, by key, in the order made."""
    rows = session.exec(
        select(Document.key)
        .where(Document.campaign_id == campaign_id, Document.fmt == "json")
        .order_by(col(Document.id))
    ).all()
    return [base_key(k) for k in rows]


def word_document(session: Session, campaign_id: int, key: str) -> bytes:
    """The .docx of one document of the campaign."""
    from documents.docx import render_docx

    view = load_campaign(session, campaign_id)
    base = base_key(key)
    doc = session.exec(
        select(Document).where(Document.campaign_id == view.id, Document.key == f"{base}.json")
    ).first()
    if doc is None:
        known = ", ".join(word_keys(session, view.id)) or "chưa có"
        raise NotFound(
            f"Đợt bình xét #{campaign_id} không có bản Word của tài liệu '{key}' "
            f"(tài liệu có bản Word: {known})"
        )
    ctx = CONTEXTS[doc.kind].model_validate_json(doc.content)
    return render_docx(doc.kind, ctx)
