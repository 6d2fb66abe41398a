"""What people do: submit (self-assessment, reviews, ballot), return, confirm, decide.

Each command runs in one transaction: a refused action writes nothing. Confirm and decide then
wake the campaign's Prefect run; if Prefect is down the decision stays recorded and the deadline
sweep moves the campaign later.
"""

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from sqlmodel import Session

from models import Unit
from rules.stages import Stage
from thidua.cli import panels
from thidua.cli.files import text_or_file
from thidua.cli.io import authenticated, done, note, out
from thidua.cli.options import (
    ReturnCommentOpt,
    ReturnUnitOpt,
    bounded_id,
    bounded_name,
    bounded_reason,
)
from thidua.db import session_scope
from thidua.errors import InvalidInput
from thidua.forms import checks, submit
from thidua.forms.read import read_form
from thidua.limits import NAME, TITLE
from thidua.services import decisions, submissions
from thidua.services.context import load_campaign

submit_app = typer.Typer(
    help="Nộp bản tự chấm, phiếu chấm chéo, phiếu bầu kín (submit for your unit).",
    no_args_is_help=True,
)

CampaignOpt = Annotated[
    int,
    typer.Option(
        "--campaign", help="Số hiệu đợt bình xét (campaign id).", callback=bounded_id("campaign")
    ),
]
ActorOpt = Annotated[
    str,
    typer.Option(
        "--actor", help="Tên đăng nhập của người thực hiện.", callback=bounded_name("actor")
    ),
]
FileOpt = Annotated[
    Path,
    typer.Option(
        "--file",
        help="Tệp .yaml, .yml, .json hoặc .xlsx (lấy mẫu điền sẵn bằng: thidua form …).",
    ),
]


class ReturnTo(StrEnum):
    SELF_ASSESSMENT = "self_assessment"
    PEER_REVIEW = "peer_review"
    VOTE = "vote"


def register(app: typer.Typer) -> None:
    app.add_typer(submit_app, name="submit", rich_help_panel=panels.OFFICER)
    app.command("return", rich_help_panel=panels.LEADER)(return_cmd)
    app.command("confirm", rich_help_panel=panels.LEADER)(confirm)
    app.command("decide", rich_help_panel=panels.DIRECTORATE)(decide)


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else "—"


@submit_app.command("self-assessment")
def submit_self_assessment(campaign: CampaignOpt, actor: ActorOpt, file: FileOpt) -> None:
    """Nộp bản tự chấm điểm của đơn vị (self-assessment). Mẫu: thidua form self-assessment."""
    filled = read_form(file)
    with session_scope() as session:
        who = authenticated(session, actor)
        said = submit.self_assessment(session, actor=who, campaign_id=campaign, filled=filled)
    done(said)


@submit_app.command("review")
def submit_review(campaign: CampaignOpt, actor: ActorOpt, file: FileOpt) -> None:
    """Nộp phiếu chấm chéo các đơn vị khác ({reviews: [...]} hoặc một phiếu). Mẫu: thidua form
    review."""
    filled = read_form(file)
    with session_scope() as session:
        who = authenticated(session, actor)
        said = submit.reviews(session, actor=who, campaign_id=campaign, filled=filled)
    done(said)


@submit_app.command("ballot")
def submit_ballot(
    campaign: CampaignOpt,
    actor: ActorOpt,
    file: FileOpt,
    written: Annotated[
        bool,
        typer.Option(
            "--written",
            help="Cụm trưởng nhập phiếu bằng văn bản của đơn vị vắng mặt (cần --unit).",
        ),
    ] = False,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Mã đơn vị vắng mặt gửi phiếu.", callback=bounded_name("unit")),
    ] = None,
) -> None:
    """Bỏ phiếu kín (secret ballot): suy tôn, Cụm trưởng, Cụm phó, danh hiệu. Mẫu: thidua form
    ballot."""
    if written != (unit is not None):
        raise InvalidInput("unit", "phiếu bằng văn bản cần cả --written và --unit <mã đơn vị>")
    filled = read_form(file)
    if unit is not None:
        from thidua.services.votes import cast_written_ballot

        with session_scope() as session:
            who = authenticated(session, actor)
            view = load_campaign(session, campaign)
            voter = view.unit(unit)
            proposed = submit.proposed_titles(session, view.id)
            ballot = checks.check_ballot(view, voter, filled, proposed)
            receipt = cast_written_ballot(
                session, actor=who, campaign_id=campaign, unit_code=unit, ballot=ballot
            )
        done(
            f"Đã ghi nhận phiếu bầu kín bằng văn bản của {voter.name} (vắng mặt). Danh sách bỏ "
            "phiếu ghi đơn vị bỏ phiếu bằng văn bản; nội dung phiếu vẫn lưu tách, không gắn với "
            "đơn vị."
        )
        _print_receipt(receipt, campaign)
        return
    with session_scope() as session:
        who = authenticated(session, actor)
        cast = submit.ballot(session, actor=who, campaign_id=campaign, filled=filled)
    done(cast.message)
    _print_receipt(cast.receipt, campaign)


def _print_receipt(receipt: str, campaign: int) -> None:
    # Shown once and stored nowhere in clear: the voter keeps it to check the count later.
    out.print(f"Mã biên nhận phiếu: {receipt}", markup=False, highlight=False)
    note(
        "Giữ mã này: chỉ in một lần, không lưu ở đâu khác. Sau khi kiểm phiếu, kiểm tra bằng: "
        f"thidua ballot verify --campaign {campaign} --receipt {receipt}"
    )


def return_cmd(
    campaign: CampaignOpt,
    actor: ActorOpt,
    unit: ReturnUnitOpt,
    comment: ReturnCommentOpt,
) -> None:
    """Cụm trưởng trả lại bản tự chấm của một đơn vị để sửa (return for revision)."""
    with session_scope() as session:
        who = authenticated(session, actor)
        sa = submissions.return_self_assessment(
            session, actor=who, campaign_id=campaign, unit_code=unit, comment=comment
        )
        name = _unit_name(session, sa.unit_id)
    done(f"Đã trả lại bản tự chấm (lần {sa.version}) của {name} để sửa: {comment}")


def _meeting_opt(flag: str, text: str) -> Any:
    return typer.Option(flag, help=text, rich_help_panel="Cuộc họp bỏ phiếu (giai đoạn 3)")


def confirm(
    campaign: CampaignOpt,
    actor: ActorOpt,
    chair: Annotated[
        str, _meeting_opt("--chair", "Họ tên người chủ trì (mặc định: chỉ huy đơn vị Cụm trưởng).")
    ] = "",
    chair_position: Annotated[str, _meeting_opt("--chair-position", "Chức vụ người chủ trì.")] = "",
    secretary: Annotated[
        str, _meeting_opt("--secretary", "Họ tên thư ký (mặc định: cán bộ thi đua của Cụm trưởng).")
    ] = "",
    secretary_position: Annotated[
        str, _meeting_opt("--secretary-position", "Chức vụ thư ký.")
    ] = "",
    place: Annotated[
        str, _meeting_opt("--place", "Địa điểm họp (mặc định: trụ sở đơn vị Cụm trưởng).")
    ] = "",
) -> None:
    """Cụm trưởng xác nhận giai đoạn hiện tại đã đủ (confirm the current stage).

    Khi xác nhận kết quả bỏ phiếu, có thể ghi người chủ trì, thư ký và địa điểm cuộc họp: biên
    bản in các thông tin này.
    """
    meeting = {
        "chair": chair,
        "chair_position": chair_position,
        "secretary": secretary,
        "secretary_position": secretary_position,
        "place": place,
    }
    with session_scope() as session:
        who = authenticated(session, actor)
        run = decisions.confirm_stage(
            session,
            actor=who,
            campaign_id=campaign,
            meeting={k: v for k, v in meeting.items() if v},
        )
        view = load_campaign(session, campaign)
        label, name, flow_run_id = run.stage.label, view.run_name, view.campaign.flow_run_id
    done(f"Đã xác nhận giai đoạn '{label}' của {name}.")
    wake(flow_run_id)


def decide(
    campaign: CampaignOpt,
    actor: ActorOpt,
    outcome: Annotated[
        decisions.Outcome,
        typer.Argument(help="approve (phê duyệt) | amend (điều chỉnh) | return (trả lại)."),
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Lý do (bắt buộc khi amend/return).", callback=bounded_reason("reason")
        ),
    ] = "",
    amend: Annotated[
        list[str] | None,
        typer.Option(
            "--amend",
            help="MÃ=Danh hiệu; 'MÃ=' bỏ danh hiệu. Lặp lại được.",
            callback=bounded_name("amend", NAME + 1 + TITLE),
        ),
    ] = None,
    to: Annotated[
        ReturnTo | None, typer.Option("--to", help="Giai đoạn trả về (khi return).")
    ] = None,
) -> None:
    """Ban Giám đốc phê duyệt, điều chỉnh hoặc trả lại kết quả của cụm (directorate decision)."""
    amendments = parse_amend(amend or [])
    if amendments and outcome != decisions.Outcome.AMEND:
        raise InvalidInput("amend", "chỉ dùng --amend khi điều chỉnh (amend)")
    if to is not None and outcome != decisions.Outcome.RETURN:
        raise InvalidInput("to", "chỉ dùng --to khi trả lại (return)")
    with session_scope() as session:
        who = authenticated(session, actor)
        decisions.decide(
            session,
            actor=who,
            campaign_id=campaign,
            outcome=outcome,
            reason=reason,
            amendments=amendments or None,
            return_to=Stage(to.value) if to else None,
        )
        view = load_campaign(session, campaign)
        name, flow_run_id = view.run_name, view.campaign.flow_run_id
    what = {
        decisions.Outcome.APPROVE: "phê duyệt",
        decisions.Outcome.AMEND: "điều chỉnh",
        decisions.Outcome.RETURN: f"trả về giai đoạn '{Stage(to.value).label if to else ''}'",
    }[outcome]
    done(f"Đã ghi quyết định {what} kết quả của {name}.")
    wake(flow_run_id)


def parse_amend(items: list[str]) -> dict[str, str | None]:
    """`CODE=Title` pairs; an empty title removes the unit's title."""
    amendments: dict[str, str | None] = {}
    for i, item in enumerate(items):
        code, sep, title = item.partition("=")
        if not sep or not code.strip():
            raise InvalidInput(f"amend[{i}]", f"'{item}' phải có dạng MÃ_ĐƠN_VỊ=Danh hiệu")
        amendments[code.strip()] = title.strip() or None
    return amendments


def wake(flow_run_id: UUID | None) -> None:
    """Resume the campaign's waiting run so it sees the decision now; never fails the command."""
    from thidua.wake import MESSAGES, WakeOutcome, can_wake
    from thidua.wake import wake as wake_run

    if can_wake(flow_run_id) is None:
        out.print("Đang đánh thức lượt chạy Prefect…", markup=False, highlight=False)
    outcome = wake_run(flow_run_id)
    if outcome == WakeOutcome.RESUMED:
        from thidua.links import ui_url

        assert flow_run_id is not None
        done(f"{MESSAGES[outcome]}: {ui_url(flow_run_id)}")
    else:
        note(MESSAGES[outcome])


@submit_app.command("explanation")
def submit_explanation(
    campaign: CampaignOpt,
    actor: ActorOpt,
    file: Annotated[
        Path | None, typer.Option("--file", help="Tệp văn bản (UTF-8) chứa nội dung giải trình.")
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="Nội dung giải trình (thay cho --file).")
    ] = None,
) -> None:
    """Giải trình chênh lệch giữa điểm tự chấm và điểm chấm chéo (explanation), khi đơn vị bị
    nêu tên; trong giai đoạn chấm chéo, trước khi Cụm trưởng xác nhận."""
    from thidua.services.explanations import submit_explanation as submit

    given = text_or_file(text, file)
    with session_scope() as session:
        who = authenticated(session, actor)
        submit(session, actor=who, campaign_id=campaign, text=given)
    done(
        "Đã nhận giải trình. Cụm trưởng đọc giải trình trước khi xác nhận kết quả chấm chéo; "
        "biên bản họp ghi lại giải trình này."
    )
