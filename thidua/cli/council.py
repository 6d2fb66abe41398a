"""`thidua council decide`: the emulation council's decision on one nomination."""

from enum import StrEnum
from typing import Annotated

import typer

from models import CouncilOutcome
from thidua.cli import panels
from thidua.cli.io import authenticated, done
from thidua.cli.options import bounded_id, bounded_name, bounded_reason
from thidua.db import session_scope
from thidua.limits import NAME, TITLE
from thidua.services import council

council_app = typer.Typer(
    help="Hội đồng Thi đua - Khen thưởng: quyết định về từng đề nghị khen thưởng.",
    no_args_is_help=True,
)


class OutcomeArg(StrEnum):
    awarded = "awarded"
    not_awarded = "not-awarded"
    returned = "returned"


@council_app.command("decide")
def decide(
    campaign: Annotated[
        int,
        typer.Option("--campaign", help="Số của đợt bình xét.", callback=bounded_id("campaign")),
    ],
    actor: Annotated[
        str,
        typer.Option(
            "--actor",
            help="Thư ký/thành viên Hội đồng ghi quyết định.",
            callback=bounded_name("actor"),
        ),
    ],
    unit: Annotated[
        str, typer.Option("--unit", help="Mã đơn vị được đề nghị.", callback=bounded_name("unit"))
    ],
    title: Annotated[
        str,
        typer.Option(
            "--title", help="Danh hiệu được đề nghị.", callback=bounded_name("title", TITLE)
        ),
    ],
    outcome: Annotated[
        OutcomeArg,
        typer.Argument(help="awarded (khen thưởng) | not-awarded (không) | returned (trả lại)."),
    ],
    decision_no: Annotated[
        str | None,
        typer.Option(
            "--decision-no",
            help="Số quyết định khen thưởng, ví dụ 123/QĐ-CAHN.",
            callback=bounded_name("decision-no", NAME),
        ),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--date", help="Ngày quyết định (YYYY-MM-DD).", callback=bounded_name("date", 10)
        ),
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="Lý do không khen thưởng hoặc trả lại.",
            callback=bounded_reason("reason"),
        ),
    ] = "",
) -> None:
    """Ghi quyết định của Hội đồng về một đề nghị: khen thưởng (số, ngày QĐ), không khen
    thưởng hoặc trả lại (có lý do)."""
    decided_on = council.parse_day("date", day) if day is not None else None
    with session_scope() as session:
        who = authenticated(session, actor)
        row = council.decide(
            session,
            actor=who,
            campaign_id=campaign,
            unit_code=unit,
            title=title,
            outcome=CouncilOutcome(outcome.value),
            decision_no=decision_no,
            decided_on=decided_on,
            reason=reason,
        )
        label = council.status_of(row)["council_status"]
    done(f"Đã ghi quyết định của Hội đồng cho {unit} — “{title}”: {label}")


def register(app: typer.Typer) -> None:
    app.add_typer(council_app, name="council", rich_help_panel=panels.COUNCIL)
