"""A campaign's documents (minutes, memo, reports, decision): read in the browser, downloaded
as Markdown, HTML or Word (thidua/services/word.py renders the .docx from the stored context)."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import col, select

from models import Document
from thidua.errors import NotFound
from thidua.limits import NAME, text_problem
from thidua.services.word import base_key, word_document
from thidua.web.access import ALL_ROLES, DB, Me, allow
from thidua.web.campaigns import attachment, readable
from thidua.web.render import page

router = APIRouter()

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
# A stored HTML document is shown as it is, but may run nothing and load nothing: it is made
# from what people typed (names, achievements), escaped by its template, and kept so anyway.
SANDBOX = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@router.get("/campaigns/{campaign_id}/documents/{key}")
def document(
    request: Request,
    campaign_id: int,
    key: str,
    db: DB,
    me: Annotated[Me, allow(*ALL_ROLES)],
    download: bool = False,
) -> Response:
    """`key` as stored (bien-ban-a1.md, to-trinh.html) or `<base>.docx` for the Word form."""
    view = readable(db, me, campaign_id)
    if text_problem(key, max_length=NAME) is not None:  # NUL: PostgreSQL would fail the query
        raise NotFound(f"Đợt bình xét #{view.id} không có tài liệu như vậy")
    if key.endswith(".docx"):
        data = word_document(db, view.id, key)
        return Response(data, media_type=DOCX, headers=attachment(key))
    doc = db.exec(
        select(Document).where(
            Document.campaign_id == view.id, Document.key == key, col(Document.fmt).in_(MEDIA)
        )
    ).first()
    if doc is None:
        raise NotFound(f"Đợt bình xét #{view.id} không có tài liệu '{key}'")
    if download:
        return Response(doc.content, media_type=MEDIA[doc.fmt], headers=attachment(doc.key))
    if doc.fmt == "html":
        headers = {"Content-Security-Policy": SANDBOX, "X-Content-Type-Options": "nosniff"}
        return Response(doc.content, media_type=MEDIA["html"], headers=headers)
    return page(request, "document.html", db=db, view=view, doc=doc, base=base_key(doc.key))
