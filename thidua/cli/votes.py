"""The chair's decision of a quota tie (thidua chair decide) and the recount of a closed vote
(thidua report --retally)."""

from typing import Annotated

import typer

from thidua.cli import panels
from thidua.cli.io import authenticated, done, out, print_json
from thidua.cli.options import bounded_id, bounded_name, bounded_reason
from thidua.db import session_scope
from thidua.limits import TITLE
from thidua.services import votes
from thidua.services.context import load_campaign

chair_app = typer.Typer(
    help="Chủ tọa cuộc họp (Cụm trưởng) quyết định đơn vị bằng phiếu, bằng điểm (quota ties).",
    no_args_is_help=True,
)


ballot_app = typer.Typer(
    help="Phiếu bầu kín: kiểm tra biên nhận (ballot receipts).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(chair_app, name="chair", rich_help_panel=panels.LEADER)
    app.add_typer(ballot_app, name="ballot", rich_help_panel=panels.OFFICER)


@ballot_app.command("verify")
def verify_receipt(
    campaign: Annotated[
        int,
        typer.Option("--campaign", help="Số hiệu đợt bình xét.", callback=bounded_id("campaign")),
    ],
    receipt: Annotated[
        str,
        typer.Option(
            "--receipt",
            help="Mã biên nhận in ra khi bỏ phiếu.",
            callback=bounded_name("receipt"),
        ),
    ],
) -> None:
    """Kiểm tra phiếu bầu có mã biên nhận này đã được kiểm chưa; không cho biết nội dung phiếu.

    Exit 1 khi phiếu đã ghi nhận nhưng chưa kiểm; mã không khớp phiếu nào: lỗi."""
    from thidua.services import receipts

    with session_scope() as session:
        check = receipts.verify(session, campaign_id=campaign, receipt=receipt)
    if check.counted:
        done(check.message)
        return
    out.print(check.message, markup=False, highlight=False)
    raise typer.Exit(1)


@chair_app.command("decide")
def decide(
    campaign: Annotated[
        int,
        typer.Option("--campaign", help="Số hiệu đợt bình xét.", callback=bounded_id("campaign")),
    ],
    actor: Annotated[
        str,
        typer.Option(
            "--actor",
            help="Tên đăng nhập Cụm trưởng; Ban Giám đốc khi việc đã được chuyển lên (quá hạn).",
            callback=bounded_name("actor"),
        ),
    ],
    title: Annotated[
        str,
        typer.Option(
            "--title", help="Danh hiệu có chỉ tiêu.", callback=bounded_name("title", TITLE)
        ),
    ],
    unit: Annotated[
        list[str],
        typer.Option(
            "--unit", help="Mã đơn vị được chọn; lặp lại được.", callback=bounded_name("unit")
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Lý do, ghi vào biên bản.", callback=bounded_reason("reason")
        ),
    ],
) -> None:
    """Quyết định đơn vị được chỉ tiêu khi vẫn bằng phiếu và bằng điểm sau kiểm phiếu."""
    from thidua.cli.act import wake

    with session_scope() as session:
        who = authenticated(session, actor)
        decision = votes.decide_tie(
            session, actor=who, campaign_id=campaign, title=title, units=unit, reason=reason
        )
        chosen = ", ".join(votes.chosen_units(decision))
        flow_run_id = load_campaign(session, campaign).campaign.flow_run_id
    who_decided = (
        "Ban Giám đốc (thay chủ tọa)"
        if decision.payload.get("by") == votes.BY_DIRECTORATE
        else "chủ tọa"
    )
    done(f"Đã ghi quyết định của {who_decided}: “{title}” cho {chosen}. Lý do: {reason}")
    wake(flow_run_id)


def print_retally(campaign: int, as_json: bool) -> None:
    """Count the stored ballots again; exit 1 when the count differs from the stored result."""
    with session_scope() as session:
        recount = votes.retally(session, campaign)
    if as_json:
        print_json(
            {
                "equal": recount.equal,
                "differences": list(recount.differences),
                "stored": recount.stored.model_dump(mode="json"),
                "recount": recount.recount.model_dump(mode="json"),
            }
        )
    elif recount.equal:
        done(
            f"Kiểm phiếu lại {recount.recount.ballots_cast} phiếu đã lưu: kết quả trùng khớp "
            "với kết quả đã ghi nhận."
        )
    else:
        out.print(
            "Kiểm phiếu lại: KHÔNG trùng khớp với kết quả đã ghi nhận ở các mục:",
            markup=False,
            highlight=False,
        )
        for path in recount.differences:
            out.print(f"  - {path}", markup=False, highlight=False)
    if not recount.equal:
        raise typer.Exit(1)
