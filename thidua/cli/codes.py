"""`thidua code`: a one-time code for one decision, to be taken on a campaign run's Prefect form.

The decision is named here, on the command line the person is authenticated on, and the code is
sealed to it: an answer rewritten in Prefect with the same code and another decision is refused.
"""

from typing import Annotated

import typer

from thidua.cli.io import authenticated, done, local_time, note, out, table
from thidua.cli.options import (
    ReturnCommentOpt,
    ReturnUnitOpt,
    bounded_id,
    bounded_name,
    bounded_reason,
)
from thidua.db import session_scope
from thidua.errors import InvalidInput
from thidua.limits import TITLE
from thidua.links import ui_url
from thidua.services import auth
from thidua.services.context import load_campaign
from thidua.services.form_decisions import FormDecision, split_units

code_app = typer.Typer(
    help=(
        "Lấy mã xác nhận một lần cho MỘT quyết định trên biểu mẫu của lượt chạy trong giao diện "
        "Prefect. Mã chỉ dùng được cho đúng quyết định đã nêu ở đây."
    ),
    no_args_is_help=True,
)

ReasonOpt = Annotated[
    str,
    typer.Option(
        "--reason", help="Lý do (bắt buộc khi amend/return).", callback=bounded_reason("reason")
    ),
]


@code_app.callback()
def code(
    ctx: typer.Context,
    campaign: Annotated[
        int,
        typer.Option("--campaign", help="Số của đợt bình xét.", callback=bounded_id("campaign")),
    ],
    actor: Annotated[
        str,
        typer.Option(
            "--actor",
            help="Tên đăng nhập của người quyết định.",
            callback=bounded_name("actor"),
        ),
    ],
) -> None:
    """Lấy mã xác nhận một lần, gắn với đúng một quyết định."""
    ctx.obj = (campaign, actor)


def _issue(ctx: typer.Context, decision: FormDecision) -> None:
    campaign, actor = ctx.obj
    with session_scope() as session:
        who = authenticated(session, actor)
        value, expires = auth.issue_action_code(
            session, actor=who, campaign_id=campaign, decision=decision
        )
        flow_run_id = load_campaign(session, campaign).campaign.flow_run_id
    done(f"Mã xác nhận một lần: {value} (hết hạn {local_time(expires)})")
    out.print(f"Chỉ dùng cho quyết định: {decision.summary()}", markup=False, highlight=False)
    t = table("Ghi trên biểu mẫu đúng như sau, rồi bấm Submit", "Trường", "Chọn / ghi")
    for title, value_ in decision.form_fields(who.username, value):
        t.add_row(title, value_)
    out.print(t)
    note("Biểu mẫu khác đi (quyết định, danh hiệu, lý do…) sẽ bị từ chối và tính một lần sai.")
    if flow_run_id:
        note(f"Biểu mẫu của lượt chạy: {ui_url(flow_run_id)}")


@code_app.command("approve")
def approve(ctx: typer.Context, reason: ReasonOpt = "") -> None:
    """Ban Giám đốc phê duyệt kết quả của cụm."""
    _issue(ctx, FormDecision(action="approve", reason=reason))


@code_app.command("amend")
def amend(
    ctx: typer.Context,
    set_: Annotated[
        list[str],
        typer.Option("--set", help="MÃ=Danh hiệu; 'MÃ=' bỏ danh hiệu. Lặp lại được."),
    ],
    reason: ReasonOpt = "",
) -> None:
    """Ban Giám đốc phê duyệt có điều chỉnh danh hiệu (kèm lý do)."""
    amendments: dict[str, str | None] = {}
    for i, item in enumerate(set_):
        unit, sep, title = item.partition("=")
        if not sep or not unit.strip():
            raise InvalidInput(f"set[{i}]", f"'{item}' phải có dạng MÃ_ĐƠN_VỊ=Danh hiệu")
        amendments[unit.strip()] = title.strip() or None
    _issue(ctx, FormDecision(action="amend", amendments=amendments, reason=reason))


@code_app.command("return")
def return_stage(
    ctx: typer.Context,
    to: Annotated[
        int,
        typer.Option("--to", help="Giai đoạn trả về: 1 tự chấm, 2 chấm chéo, 3 bỏ phiếu."),
    ],
    reason: ReasonOpt = "",
) -> None:
    """Ban Giám đốc trả lại giai đoạn trước (kèm lý do)."""
    if to not in (1, 2, 3):
        raise InvalidInput("to", "chỉ được trả về giai đoạn 1 (tự chấm), 2 (chấm chéo) hoặc 3")
    _issue(ctx, FormDecision(action="return", return_to=to, reason=reason))


@code_app.command("confirm")
def confirm(ctx: typer.Context) -> None:
    """Cụm trưởng xác nhận hoàn thành giai đoạn đang mở (1–3)."""
    _issue(ctx, FormDecision(action="confirm"))


@code_app.command("return-unit")
def return_unit(
    ctx: typer.Context,
    unit: ReturnUnitOpt,
    comment: ReturnCommentOpt,
) -> None:
    """Cụm trưởng trả lại bản tự chấm của một đơn vị để sửa."""
    _issue(ctx, FormDecision(action="return-unit", unit=unit, reason=comment))


@code_app.command("chair")
def chair(
    ctx: typer.Context,
    title: Annotated[
        str,
        typer.Option(
            "--title", help="Danh hiệu có chỉ tiêu.", callback=bounded_name("title", TITLE)
        ),
    ],
    choose: Annotated[
        str,
        typer.Option(
            "--choose",
            help="Mã các đơn vị được chọn, cách nhau bởi dấu phẩy (ví dụ PHC hoặc PHC,PTC).",
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Lý do, ghi vào biên bản.", callback=bounded_reason("reason")
        ),
    ],
) -> None:
    """Chủ tọa (Cụm trưởng) quyết định đơn vị bằng phiếu, bằng điểm cho chỉ tiêu danh hiệu."""
    units = split_units(choose)
    if not units:
        raise InvalidInput("choose", "chưa nêu đơn vị nào được chọn")
    if len(units) != len(set(units)):
        raise InvalidInput("choose", "một đơn vị được nêu hai lần")
    _issue(ctx, FormDecision(action="chair-tie", title=title, units=tuple(units), reason=reason))
