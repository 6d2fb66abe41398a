"""`thidua nomination confirm|drop`: the directorate on nominations with no record of a year."""

from typing import Annotated

import typer

from thidua.cli import panels
from thidua.cli.io import authenticated, done
from thidua.cli.options import bounded_id, bounded_name, bounded_reason
from thidua.db import session_scope
from thidua.limits import TITLE

nomination_app = typer.Typer(
    help="Đề nghị khen thưởng cần Ban Giám đốc xác nhận vì chưa có dữ liệu năm trước.",
    no_args_is_help=True,
)

Campaign = Annotated[
    int, typer.Option("--campaign", help="Số của đợt bình xét.", callback=bounded_id("campaign"))
]
Actor = Annotated[
    str, typer.Option("--actor", help="Người của Ban Giám đốc.", callback=bounded_name("actor"))
]
Unit = Annotated[
    str, typer.Option("--unit", help="Mã đơn vị được đề nghị.", callback=bounded_name("unit"))
]
Title = Annotated[
    str,
    typer.Option("--title", help="Danh hiệu được đề nghị.", callback=bounded_name("title", TITLE)),
]
Reason = Annotated[
    str,
    typer.Option(
        "--reason", help="Đã kiểm tra hồ sơ nào, vì sao.", callback=bounded_reason("reason")
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(nomination_app, name="nomination", rich_help_panel=panels.DIRECTORATE)


def _decide(campaign: int, actor: str, unit: str, title: str, reason: str, confirm: bool) -> None:
    from thidua.services.record_checks import decide_record

    with session_scope() as session:
        who = authenticated(session, actor)
        decide_record(
            session,
            actor=who,
            campaign_id=campaign,
            unit_code=unit,
            title=title,
            confirm=confirm,
            reason=reason,
        )
    what = "xác nhận, gửi lên Hội đồng" if confirm else "bỏ, không gửi lên Hội đồng"
    done(f"Đề nghị “{title}” cho {unit}: đã {what}")


@nomination_app.command("confirm")
def confirm(campaign: Campaign, actor: Actor, unit: Unit, title: Title, reason: Reason) -> None:
    """Xác nhận đề nghị dù chưa có dữ liệu năm trước (đã kiểm tra hồ sơ giấy)."""
    _decide(campaign, actor, unit, title, reason, confirm=True)


@nomination_app.command("drop")
def drop(campaign: Campaign, actor: Actor, unit: Unit, title: Title, reason: Reason) -> None:
    """Bỏ đề nghị chưa có dữ liệu năm trước: không gửi lên Hội đồng."""
    _decide(campaign, actor, unit, title, reason, confirm=False)
