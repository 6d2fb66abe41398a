"""What the Prefect UI asks a person on a waiting campaign run: one form per kind of decision.

Every field has a default, so an empty answer is valid: it only asks the campaign to look at
the database again (how the CLI wakes a run after it has recorded a decision itself). A real
decision carries the person's username and a one-time code (thidua.services.auth), never a
long-lived secret: Prefect keeps form answers where anyone with API access can read them. The
code is sealed to the decision named when it was issued (thidua.services.form_decisions), since
the same people can also rewrite an answer before the flow reads it.
"""

from prefect.input import RunInput
from pydantic import Field

from thidua.services.form_choices import DirectorateAction, LeaderAction, ReturnTarget

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
    "định đã nêu khi lấy mã; ghi các trường đúng như lệnh đó in ra. Sai 5 lần thì mã bị vô hiệu."
)
DECISION_HELP = "Phải đúng quyết định đã nêu khi lấy mã."


class LeaderForm(RunInput):
    """Cụm trưởng xác nhận giai đoạn (1–3) hoặc trả lại bản tự chấm."""

    actor: str = Field(default="", title=ACTOR_TITLE)
    code: str = Field(default="", title=CODE_TITLE, description=CODE_HELP)
    action: LeaderAction = Field(
        default=LeaderAction.CHECK, title="Quyết định", description=DECISION_HELP
    )
    unit: str = Field(default="", title="Mã đơn vị (khi trả lại bản tự chấm)")
    comment: str = Field(default="", title="Ghi chú / lý do trả lại")


class DirectorateForm(RunInput):
    """Ban Giám đốc phê duyệt, điều chỉnh hoặc trả lại kết quả của cụm."""

    actor: str = Field(default="", title=ACTOR_TITLE)
    code: str = Field(default="", title=CODE_TITLE, description=CODE_HELP)
    action: DirectorateAction = Field(
        default=DirectorateAction.CHECK, title="Quyết định", description=DECISION_HELP
    )
    amendments: str = Field(
        default="",
        title="Điều chỉnh danh hiệu (mỗi dòng: MÃ_ĐƠN_VỊ = Danh hiệu; để trống sau dấu = là bỏ)",
    )
    return_to: ReturnTarget = Field(default=ReturnTarget.NONE, title="Trả về giai đoạn")
    reason: str = Field(default="", title="Lý do (bắt buộc khi điều chỉnh hoặc trả lại)")
