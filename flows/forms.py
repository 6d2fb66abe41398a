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

The situation (what is decided, the results, what is missing) is the description of the
decision field, the form's first (`with_situation`), not the form's own description: Prefect's
dialog shrinks its own description to nothing when the fields need the window's height (at
1280×800 the directorate's fields alone do), while a field's description always shows.
"""

from typing import Any

from prefect.input import RunInput
from pydantic import ConfigDict, Field, create_model

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
    "with_situation",
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

    action: LeaderAction = Field(
        default=LeaderAction.CHECK, title="Quyết định", description=DECISION_HELP
    )
    actor: str = Field(default="", title=ACTOR_TITLE)
    code: str = Field(default="", title=CODE_TITLE, description=CODE_HELP)
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

    action: DirectorateAction = Field(
        default=DirectorateAction.CHECK, title="Quyết định", description=DECISION_HELP
    )
    actor: str = Field(default="", title=ACTOR_TITLE)
    code: str = Field(default="", title=CODE_TITLE, description=CODE_HELP)
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


def _line_breaks_kept(markdown: str) -> str:
    # Prefect's form turns every line break not followed by another into a space before
    # rendering a field's description (its docstring convention), which would make tables and
    # lists one paragraph. Doubled, each break survives as a break and a one-space indent, which
    # Markdown ignores; a blank line survives as a blank line. tests/e2e checks the rendering.
    return markdown.replace("\n", "\n\n")


def with_situation(form: type[RunInput], *, heading: str, situation: str) -> type[RunInput]:
    """The form shown on one wait: `heading` as the form's description (seen when the window
    leaves room for it), `situation` above the decision, where it is always seen."""
    field = form.model_fields["action"]
    assert field.annotation is not None
    shown = Field(
        default=field.default,
        title=field.title,
        description=_line_breaks_kept(f"{situation.rstrip()}\n\n---\n\n{DECISION_HELP}"),
    )
    model = create_model(form.__name__, __base__=form, action=(field.annotation, shown))
    model._description = heading  # what RunInput.with_initial_data sets, and Prefect saves
    return model
