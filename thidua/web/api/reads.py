"""What a system reads through the API: the token's account's pending work, the campaigns it may
read, a campaign's status, results and documents, and the audit log (directorate, admin).

Who may read what is the services' rule, as on the portal's pages (access.require_reader_of,
audit_log.require_reader): a token reads what its account could read.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from sqlmodel import col, select

from models import Document, Role
from thidua import localtime
from thidua.errors import NotFound
from thidua.limits import MAX_ID, NAME, text_problem
from thidua.services import audit_log, queries
from thidua.services.access import require_reader_of
from thidua.services.api_tokens import TokenUse
from thidua.services.context import CampaignView, load_campaign
from thidua.services.pending import pending as pending_items
from thidua.web.access import DB, release
from thidua.web.api.auth import token
from thidua.web.api.schemas import (
    ERRORS,
    AuditEventOut,
    CampaignOut,
    DocumentInfo,
    DocumentOut,
    PendingOut,
    ResultsOut,
    StatusOut,
)

router = APIRouter(prefix="/api/v1", tags=["Đọc"], responses=ERRORS)

EVERYONE = tuple(Role)
Reader = Annotated[TokenUse, token(*EVERYONE)]
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID, description="Số của đợt bình xét")]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_FORMATS = ("md", "html")


def readable(db: DB, use: TokenUse, campaign_id: CampaignId) -> CampaignView:
    view = load_campaign(db, campaign_id)
    require_reader_of(use.actor, view)
    return view


@router.get("/pending", summary="Việc của tôi", response_model=list[PendingOut])
def pending(db: DB, use: Reader) -> list[dict[str, Any]]:
    """Những việc đang chờ tài khoản của mã API, trong mọi đợt bình xét đang mở, hạn gần
    nhất trước (như `thidua pending`)."""
    return release(db, [p.to_json() for p in pending_items(db, use.actor)])


@router.get("/campaigns", summary="Các đợt bình xét được xem", response_model=list[CampaignOut])
def campaigns(
    db: DB, use: Reader, year: Annotated[int | None, Query(ge=1900, le=2999)] = None
) -> list[dict[str, Any]]:
    """Các đợt bình xét tài khoản được xem: cán bộ, chỉ huy đơn vị: của cụm đơn vị mình; Ban
    Giám đốc, Hội đồng, quản trị: mọi đợt. Mới nhất trước."""
    out = []
    for i in reversed(queries.campaign_ids(db, year=year, readable_by=use.actor)):
        out.append(queries.campaign_state(db, load_campaign(db, i)).to_json())
    return release(db, out)


@router.get("/campaigns/{campaign_id}", summary="Tình hình một đợt", response_model=StatusOut)
def status(db: DB, use: Reader, campaign_id: CampaignId) -> dict[str, Any]:
    """Giai đoạn, hạn, đã nhận, đơn vị còn thiếu (như `thidua status --campaign`)."""
    return release(db, queries.campaign_state(db, readable(db, use, campaign_id)).to_json())


@router.get("/campaigns/{campaign_id}/results", summary="Kết quả", response_model=ResultsOut)
def results(db: DB, use: Reader, campaign_id: CampaignId) -> dict[str, Any]:
    """Xếp hạng, kết quả bỏ phiếu, quyết định, đề nghị khen thưởng (như `thidua report`)."""
    return release(db, queries.report(db, readable(db, use, campaign_id).id))


def _info(doc: Document) -> dict[str, Any]:
    return {
        "key": doc.key,
        "kind": doc.kind,
        "fmt": doc.fmt,
        "created_at": localtime.iso(doc.created_at),
    }


@router.get(
    "/campaigns/{campaign_id}/documents",
    summary="Danh sách tài liệu",
    response_model=list[DocumentInfo],
)
def documents(db: DB, use: Reader, campaign_id: CampaignId) -> list[dict[str, Any]]:
    """Biên bản, tờ trình, báo cáo, quyết định của đợt (Markdown, HTML; bản Word: khóa
    `<tên>.docx`)."""
    view = readable(db, use, campaign_id)
    rows = db.exec(
        select(Document)
        .where(Document.campaign_id == view.id, col(Document.fmt).in_(TEXT_FORMATS))
        .order_by(col(Document.id))
    ).all()
    return release(db, [_info(d) for d in rows])


@router.get(
    "/campaigns/{campaign_id}/documents/{key}",
    summary="Một tài liệu",
    response_model=DocumentOut,
    responses={200: {"content": {DOCX: {}}, "description": "JSON, hoặc tệp Word với .docx"}},
)
def document(db: DB, use: Reader, campaign_id: CampaignId, key: str) -> Any:
    """Nội dung một tài liệu; khóa `<tên>.docx` trả tệp Word theo thể thức Nghị định
    30/2020/NĐ-CP."""
    view = readable(db, use, campaign_id)
    if text_problem(key, max_length=NAME) is not None:  # NUL: PostgreSQL would fail the query
        raise NotFound(f"Đợt bình xét #{view.id} không có tài liệu như vậy")
    if key.endswith(".docx"):
        from thidua.services.word import word_document

        return release(db, Response(word_document(db, view.id, key), media_type=DOCX))
    doc = db.exec(
        select(Document).where(
            Document.campaign_id == view.id,
            Document.key == key,
            col(Document.fmt).in_(TEXT_FORMATS),
        )
    ).first()
    if doc is None:
        raise NotFound(f"Đợt bình xét #{view.id} không có tài liệu '{key[:NAME]}'")
    return release(db, {**_info(doc), "content": doc.content})


@router.get(
    "/audit",
    summary="Nhật ký kiểm toán",
    response_model=list[AuditEventOut],
    tags=["Đọc"],
)
def audit(
    db: DB,
    use: Annotated[TokenUse, token(*audit_log.READERS)],
    campaign: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Chỉ một đợt")] = None,
    limit: Annotated[
        int, Query(ge=1, le=10_000, description="Số sự kiện mới nhất")
    ] = audit_log.DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Ai làm gì, thay ai, khi nào (Ban Giám đốc, quản trị viên; như `thidua audit`)."""
    audit_log.require_reader(use.actor)
    if campaign is not None:
        load_campaign(db, campaign)
    return release(
        db, [e.to_json() for e in audit_log.events(db, campaign_id=campaign, limit=limit)]
    )
