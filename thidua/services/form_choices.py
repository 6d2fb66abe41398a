"""The choices of the Prefect forms (flows/forms.py), apart from the forms themselves: the
services and the CLI name them without importing Prefect."""

from enum import StrEnum
from typing import Any

# The one spelling of "only look again" on both forms, so one wake-up answer fits either.
CHECK = "Chỉ kiểm tra lại"

# What the forms require (their JSON schema; the server checks it on every Resume).
REQUIRED_FIELDS = ("actor", "code", "action")


class LeaderAction(StrEnum):
    CHECK = CHECK
    CONFIRM = "Xác nhận hoàn thành giai đoạn"
    RETURN_UNIT = "Trả lại bản tự chấm của một đơn vị"
    CHAIR_TIE = "Chủ tọa quyết định đơn vị bằng phiếu, bằng điểm"


class DirectorateAction(StrEnum):
    CHECK = CHECK
    APPROVE = "Phê duyệt kết quả của cụm"
    AMEND = "Phê duyệt có điều chỉnh danh hiệu"
    RETURN = "Trả lại giai đoạn trước"


class ReturnTarget(StrEnum):
    NONE = "—"
    SELF_ASSESSMENT = "1. Tự chấm điểm"
    PEER_REVIEW = "2. Chấm chéo"
    VOTE = "3. Bình xét, bỏ phiếu kín"


# How the CLI and the sweep wake a waiting run after recording a decision themselves: a valid
# answer to either form that decides nothing. The server refuses an absent answer once the
# schema has required fields, and a Resume through it is the only wake-up Prefect guards
# against a run that is no longer paused.
WAKE_UP: dict[str, Any] = {"actor": "", "code": "", "action": CHECK}
