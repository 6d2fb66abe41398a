"""What the API takes and gives, with each field described (they make /api/openapi.json).

The forms an officer submits are the very shapes `thidua submit --file` reads
(thidua/services/inputs.py, thidua/forms/checks.py): a system posts the JSON of a filled form.
Times are ISO 8601 with the organisation's offset (`2026-12-05T19:03:00+07:00`).
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from thidua.limits import REASON, TITLE, Name
from thidua.services.decisions import Outcome


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ProblemOut(Answer):
    where: str = Field(description="Chỗ sai, để người đọc: `trường reviews[0].scores.XDD1`")
    field: str = Field(description="Đường dẫn của trường trong JSON gửi lên")
    cell: str | None = Field(None, description="Ô của bảng tính (chỉ với tệp Excel)")
    reason: str = Field(description="Lý do, tiếng Việt")


class ErrorOut(Answer):
    detail: str = Field(description="Thông báo lỗi đầy đủ, tiếng Việt")
    error: str = Field(description="Lý do (như `error` của `thidua … --json`)")
    field: str | None = Field(None, description="Trường sai đầu tiên, nếu lỗi do dữ liệu gửi lên")
    problems: list[ProblemOut] = Field(
        default_factory=list, description="Mọi chỗ sai của dữ liệu gửi lên, cùng một lúc"
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Thiếu mã API, mã sai, đã thu hồi hoặc hết hạn"},
    403: {"model": ErrorOut, "description": "Vai trò, đơn vị, cụm không được phép; mã chỉ đọc"},
    404: {"model": ErrorOut, "description": "Không có đợt bình xét, đơn vị, tài liệu này"},
    409: {"model": ErrorOut, "description": "Sai giai đoạn, đã làm rồi, chưa đủ điều kiện"},
    422: {"model": ErrorOut, "description": "Dữ liệu gửi lên sai: mọi chỗ sai trong `problems`"},
}


class PendingOut(Answer):
    campaign_id: int = Field(description="Số của đợt bình xét")
    campaign: str = Field(description="Tên đợt bình xét: năm · cụm · phong trào")
    stage_label: str = Field(description="Giai đoạn đang mở")
    due_at: str | None = Field(description="Hạn (ISO 8601, giờ của tổ chức)")
    what: str = Field(description="Việc cần làm, tiếng Việt")
    command: str = Field(description="Lệnh `thidua` tương ứng, để đối chiếu")


class CampaignOut(Answer):
    campaign_id: int = Field(description="Số của đợt bình xét")
    name: str = Field(description="Tên đợt bình xét")
    stage: str = Field(description="Giai đoạn: self_assessment, peer_review, vote, approval…")
    stage_label: str = Field(description="Tên giai đoạn, tiếng Việt")
    status: str = Field(description="pending | running | waiting | completed | failed")
    due_at: str | None = Field(None, description="Hạn của giai đoạn đang mở")


class MissingOut(Answer):
    unit: str = Field(description="Mã đơn vị")
    name: str = Field(description="Tên đơn vị")
    what: str = Field(description="Việc đơn vị còn thiếu")


class StatusOut(CampaignOut):
    attempt: int | None = Field(description="Lần mở giai đoạn (sau khi trả lại: 2, 3…)")
    received: int = Field(description="Số đơn vị đã làm việc của giai đoạn")
    expected: int = Field(description="Số đơn vị phải làm")
    missing: list[MissingOut] = Field(description="Các đơn vị còn thiếu")
    ready: bool = Field(description="Giai đoạn có thể chuyển tiếp ngay")
    explanations: list[dict[str, str | None]] = Field(
        description="Chấm chéo: đơn vị chênh lệch điểm và giải trình của họ"
    )


class ResultsOut(Answer):
    campaign_id: int = Field(description="Số của đợt bình xét")
    name: str = Field(description="Tên đợt bình xét")
    stage: str = Field(description="Giai đoạn hiện tại")
    status: str = Field(description="Trạng thái")
    units: dict[str, str] = Field(description="Mã đơn vị → tên")
    missing_self_assessment: list[str] = Field(description="Đơn vị không nộp bản tự chấm")
    returned_for_revision: list[str] = Field(description="Đơn vị bị trả lại bản tự chấm")
    ranking: list[dict[str, Any]] = Field(description="Xếp hạng sau chấm chéo")
    vote: dict[str, Any] | None = Field(description="Kết quả bỏ phiếu kín (chỉ số phiếu)")
    outcome: Any = Field(description="Quyết định của Ban Giám đốc")
    nominations: list[dict[str, Any]] = Field(description="Đề nghị khen thưởng")
    documents: list[str] = Field(description="Khóa các tài liệu (xem /documents/{key})")
    history: list[Any] = Field(description="Lịch sử của đợt bình xét")


class DocumentInfo(Answer):
    key: str = Field(description="Khóa tài liệu, ví dụ `bien-ban-a1.md`")
    kind: str = Field(description="bien_ban | to_trinh | bao_cao_thanh_tich …")
    fmt: str = Field(description="md | html")
    created_at: str | None = Field(description="Lúc tạo")


class DocumentOut(DocumentInfo):
    content: str = Field(description="Nội dung (Markdown hoặc HTML)")


class AuditEventOut(Answer):
    id: int = Field(description="Số sự kiện (thứ tự trong chuỗi băm)")
    at: str | None = Field(description="Lúc xảy ra")
    actor: str | None = Field(description="Người làm (null: hệ thống)")
    substitute: str | None = Field(description="Người làm thay theo ủy quyền")
    action: str = Field(description="Việc, ví dụ ballot.cast, access.refused")
    campaign_id: int | None = Field(description="Đợt bình xét liên quan")
    entity: str = Field(description="Loại đối tượng")
    entity_id: str = Field(description="Đối tượng")
    before: dict[str, Any] | None = Field(description="Trước")
    after: dict[str, Any] | None = Field(description="Sau")
    hash: str = Field(description="Mã băm của sự kiện trong chuỗi")


class ActionOut(Answer):
    message: str = Field(description="Kết quả, tiếng Việt")
    wake: str | None = Field(
        None,
        description="Đánh thức lượt chạy Prefect của đợt bình xét (xác nhận, quyết định): "
        "scheduled (làm ngay sau khi trả lời) hoặc no_run",
    )


class BallotOut(ActionOut):
    receipt: str = Field(
        description="Mã biên nhận phiếu: trả về một lần, không lưu ở đâu dưới dạng rõ; sau khi "
        "kiểm phiếu, cho biết phiếu đã được đếm mà không lộ nội dung (thidua ballot verify)"
    )


# ------------------------------------------------------------------ requests (besides forms)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReturnIn(Body):
    unit: Name = Field(min_length=1, description="Mã đơn vị có bản tự chấm bị trả lại")
    comment: str = Field(min_length=1, max_length=REASON, description="Lý do để đơn vị sửa")


class ConfirmIn(Body):
    chair: str = Field("", max_length=TITLE, description="Người chủ trì họp bỏ phiếu")
    chair_position: str = Field("", max_length=TITLE, description="Chức vụ người chủ trì")
    secretary: str = Field("", max_length=TITLE, description="Thư ký")
    secretary_position: str = Field("", max_length=TITLE, description="Chức vụ thư ký")
    place: str = Field("", max_length=TITLE, description="Địa điểm họp")


class ExtendIn(Body):
    unit: Name = Field(min_length=1, description="Mã đơn vị được gia hạn")
    until: str = Field(
        min_length=1, max_length=64,
        description="Hạn mới, ISO 8601; không có múi giờ: giờ của tổ chức",
    )  # fmt: skip
    reason: str = Field(min_length=1, max_length=REASON, description="Lý do gia hạn")


class DecideIn(Body):
    outcome: Outcome = Field(description="approve (phê duyệt) | amend (điều chỉnh) | return")
    reason: str = Field("", max_length=REASON, description="Lý do (bắt buộc khi amend, return)")
    amend: dict[Name, str | None] = Field(
        default_factory=dict,
        max_length=200,
        description="Khi amend: mã đơn vị → danh hiệu (null: bỏ danh hiệu)",
    )
    to: Literal["self_assessment", "peer_review", "vote"] | None = Field(
        None, description="Khi return: giai đoạn trả về"
    )
