"""The choices of the Prefect forms (flows/forms.py), apart from the forms themselves: the
services and the CLI name them without importing Prefect."""

from enum import StrEnum


class LeaderAction(StrEnum):
    CHECK = "Chỉ kiểm tra lại tiến độ"
    CONFIRM = "Xác nhận hoàn thành giai đoạn"
    RETURN_UNIT = "Trả lại bản tự chấm của một đơn vị"


class DirectorateAction(StrEnum):
    CHECK = "Chỉ kiểm tra lại"
    APPROVE = "Phê duyệt kết quả của cụm"
    AMEND = "Phê duyệt có điều chỉnh danh hiệu"
    RETURN = "Trả lại giai đoạn trước"


class ReturnTarget(StrEnum):
    NONE = "—"
    SELF_ASSESSMENT = "1. Tự chấm điểm"
    PEER_REVIEW = "2. Chấm chéo"
    VOTE = "3. Bình xét, bỏ phiếu kín"
