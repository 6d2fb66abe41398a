"""What the Prefect UI asks a person on a waiting campaign run: one form per kind of decision.

The schema the UI shows and the server checks on Resume marks the username, the code and the
decision required (see `_required`). The Python fields keep their defaults all the same: a
run woken without a stored answer loads `Form()`, and a stored answer rewritten through the API
must be refused by the flow with a message, not fail the run. The wake-up the CLI and the sweep
send after recording a decision themselves is `WAKE_UP` (thidua.services.form_choices). A real
decision carries the person's username and a one-time code (thidua.services.auth), never a
long-lived secret: Prefect keeps form answers where anyone with API access can read them. The
code is sealed to the decision named when it was issued (thidua.services.form_decisions), since
the same people can also rewrite an answer before the flow reads it.
"""

from typing import Any

from prefect.input import RunInput
from pydantic import ConfigDict, Field

from thidua.services.form_choices import (
    REQUIRED_FIELDS,
    DirectorateAction,
    LeaderAction,
    ReturnTarget,
)

__all__ = [
    "DirectorateAction",
    "DirectorateForm",
    "LeaderAction",
    "LeaderForm",
    "ReturnTarget",
]


ACTOR_TITLE = "Tên đăng nhập của người thực hiện"
CODE_TITLE = "Mã xác nhận một lần"
CODE_HELP = (
    "Lấy bằng: thidua code --campaign N --actor <tên> <quyết định>. Mã chỉ dùng cho đúng quyết "
    "định đã nêu khi lấy mã; ghi các trường đúng như lệnh đó in ra. Sai 5 lần thì mã bị vô hiệu. "
    "Chỉ kiểm tra lại thì không cần mã: ghi 0."
)
DECISION_HELP = "Phải đúng quyết định đã nêu khi lấy mã."


def _required(schema: dict[str, Any]) -> None:
    # Required in the schema only (see the module's docstring); the UI then drops "(Optional)".
    schema["required"] = list(REQUIRED_FIELDS)


class LeaderForm(RunInput):
    """Cụm trưởng xác nhận giai đoạn (1–3), trả lại bản tự chấm, hoặc (chủ tọa) quyết định
    đơn vị bằng phiếu, bằng điểm cho chỉ tiêu danh hiệu."""

    model_config = ConfigDict(json_schema_extra=_required)

    actor: str = Field(default="", title=ACTOR_TITLE)
    code: str = Field(default="", title=CODE_TITLE, description=CODE_HELP)
    action: LeaderAction = Field(
        default=LeaderAction.CHECK, title="Quyết định", description=DECISION_HELP
    )
    unit: str = Field(
        default="",
        title="Mã đơn vị",
        description="Chỉ cần khi trả lại bản tự chấm: mã của đơn vị phải làm lại.",
    )
    comment: str = Field(
        default="",
        title="Lý do",
        description=(
            "Cần khi trả lại bản tự chấm (đơn vị đọc lý do này để sửa) và khi chủ tọa quyết "
            "định đơn vị bằng phiếu, bằng điểm (lý do ghi vào biên bản)."
        ),
    )
    title: str = Field(
        default="",
        title="Danh hiệu có chỉ tiêu",
        description="Chỉ cần khi chủ tọa quyết định đơn vị bằng phiếu, bằng điểm.",
    )
    units: str = Field(
        default="",
        title="Đơn vị được chọn",
        description=(
            "Chỉ cần khi chủ tọa quyết định: mã các đơn vị được chỉ tiêu, cách nhau bởi dấu phẩy."
        ),
    )


class DirectorateForm(RunInput):
    """Ban Giám đốc phê duyệt, điều chỉnh hoặc trả lại kết quả của cụm."""

    model_config = ConfigDict(json_schema_extra=_required)

    actor: str = Field(default="", title=ACTOR_TITLE)
    code: str = Field(default="", title=CODE_TITLE, description=CODE_HELP)
    action: DirectorateAction = Field(
        default=DirectorateAction.CHECK, title="Quyết định", description=DECISION_HELP
    )
    amendments: str = Field(
        default="",
        title="Điều chỉnh danh hiệu",
        description=(
            "Chỉ cần khi phê duyệt có điều chỉnh. Mỗi dòng: MÃ_ĐƠN_VỊ = Danh hiệu; "
            "để trống sau dấu = là bỏ danh hiệu."
        ),
    )
    return_to: ReturnTarget = Field(
        default=ReturnTarget.NONE,
        title="Trả về giai đoạn",
        description="Chỉ cần khi trả lại giai đoạn trước.",
    )
    reason: str = Field(
        default="",
        title="Lý do",
        description="Cần khi điều chỉnh hoặc trả lại: ghi vào quyết định và báo cho cụm.",
    )
