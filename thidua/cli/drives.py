"""`thidua drive …`: emulation drives (đợt thi đua) launched, reported on, confirmed, recorded
by their review run on Prefect, and crowned by a commendation list (giấy khen)."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import typer

from thidua.cli import panels
from thidua.cli.io import authenticated, done, note, out, print_json, table
from thidua.cli.options import ClusterOpt, bounded_id, bounded_name, bounded_reason, bounded_year
from thidua.db import session_scope
from thidua.errors import InvalidInput
from thidua.limits import TITLE, check_text

drive_app = typer.Typer(
    help="Đợt thi đua: phát động, đơn vị báo cáo, Cụm trưởng xác nhận, ghi kết quả, giấy khen.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(drive_app, name="drive", rich_help_panel=panels.APPROVERS)


DriveOpt = Annotated[
    int, typer.Option("--drive", help="Số của đợt thi đua.", callback=bounded_id("drive"))
]


def _actor_opt(who: str) -> object:
    return typer.Option("--actor", help=f"Tên đăng nhập {who}.", callback=bounded_name("actor"))


def _date(field: str, text: str) -> date:
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidInput(field, f"'{text}' không phải ngày dd/mm/yyyy") from None


def _target(i: int, text: str) -> dict[str, object]:
    parts = text.split(":", 2)
    if len(parts) != 3:
        raise InvalidInput(f"targets[{i}]", f"'{text}' phải có dạng MÃ:ĐIỂM_TỐI_ĐA:Tên chỉ tiêu")
    code, maximum, name = (p.strip() for p in parts)
    try:
        value = float(maximum.replace(",", "."))
    except ValueError:
        raise InvalidInput(f"targets[{i}].maximum", f"'{maximum}' không phải số") from None
    check_text(f"targets[{i}].name", name, max_length=TITLE)
    return {"code": code, "name": name, "maximum": value}


def _scores(items: list[str]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for i, item in enumerate(items):
        code, sep, value = item.partition("=")
        if not sep or not code.strip():
            raise InvalidInput(f"score[{i}]", f"'{item}' phải có dạng MÃ_CHỈ_TIÊU=điểm")
        try:
            scores[code.strip()] = float(value.strip().replace(",", "."))
        except ValueError:
            raise InvalidInput(f"scores.{code.strip()}", f"'{value}' không phải số") from None
    return scores


def _schedule(drive_id: int) -> None:
    """Create the review run on Prefect; never fails the command (the sweep creates it later)."""
    from prefect.settings import PREFECT_API_URL

    later = "bộ quét thời hạn (deadline sweep) sẽ lên lịch sơ kết khi Prefect chạy."
    if not PREFECT_API_URL.value():
        note(f"Chưa đặt PREFECT_API_URL nên chưa lên lịch sơ kết trên Prefect; {later}")
        return
    from thidua.drive_runs import schedule_review
    from thidua.links import ui_url

    try:
        run_id = schedule_review(drive_id)
    except Exception as exc:  # Prefect down: the drive is launched all the same
        note(f"Không lên lịch được sơ kết trên Prefect ({type(exc).__name__}); {later}")
        return
    done(f"Đã lên lịch sơ kết trên Prefect: {ui_url(run_id) or run_id}")


def _wake(flow_run_id: UUID | None) -> None:
    """Wake the drive's review run so it sees what was just recorded; never fails the command."""
    from prefect.settings import PREFECT_API_URL

    if flow_run_id is None or not PREFECT_API_URL.value():
        return
    from thidua.drive_runs import wake

    try:
        wake(flow_run_id)
    except Exception as exc:
        note(f"Không đánh thức được lượt sơ kết trên Prefect ({type(exc).__name__})")


@drive_app.command("launch", rich_help_panel=panels.APPROVERS)
def launch(
    actor: Annotated[str, _actor_opt("Ban Giám đốc hoặc Cụm trưởng")],
    name: Annotated[
        str, typer.Option("--name", help="Tên đợt thi đua.", callback=bounded_reason("name"))
    ],
    starts: Annotated[str, typer.Option("--from", help="Ngày bắt đầu (dd/mm/yyyy).")],
    ends: Annotated[str, typer.Option("--to", help="Ngày kết thúc (dd/mm/yyyy).")],
    target: Annotated[
        list[str],
        typer.Option("--target", help="Chỉ tiêu MÃ:ĐIỂM_TỐI_ĐA:Tên (lặp lại cho mỗi chỉ tiêu)."),
    ],
    theme: Annotated[
        str, typer.Option("--theme", help="Chủ đề, nội dung.", callback=bounded_reason("theme"))
    ] = "",
    cluster: Annotated[
        list[str] | None,
        typer.Option("--cluster", help="Cụm tham gia (lặp lại).", callback=bounded_name("cluster")),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", help="Đơn vị tham gia (lặp lại).", callback=bounded_name("unit")),
    ] = None,
    review_days: Annotated[
        int, typer.Option("--review-days", help="Số ngày sơ kết sau khi kết thúc.")
    ] = 10,
) -> None:
    """Phát động đợt thi đua: Ban Giám đốc cho các cụm, Cụm trưởng cho cụm mình."""
    from thidua.services.drives import deadline
    from thidua.services.drives import launch as launch_drive

    targets = [_target(i, t) for i, t in enumerate(target)]
    with session_scope() as session:
        who = authenticated(session, actor)
        drive = launch_drive(
            session,
            actor=who,
            name=name,
            theme=theme,
            starts_on=_date("from", starts),
            ends_on=_date("to", ends),
            targets=targets,
            clusters=cluster or [],
            units=unit or [],
            review_days=review_days,
        )
        drive_id, until = drive.id, deadline(drive)
    assert drive_id is not None
    done(f"Đã phát động đợt thi đua #{drive_id} '{name}'; hạn báo cáo sơ kết {until:%d/%m/%Y}.")
    _schedule(drive_id)


@drive_app.command("report", rich_help_panel=panels.OFFICER)
def report(
    drive: DriveOpt,
    actor: Annotated[str, _actor_opt("cán bộ đơn vị")],
    score: Annotated[list[str], typer.Option("--score", help="Điểm MÃ_CHỈ_TIÊU=điểm (lặp lại).")],
    note_text: Annotated[
        str, typer.Option("--note", help="Kết quả nổi bật.", callback=bounded_reason("note"))
    ] = "",
) -> None:
    """Đơn vị báo cáo kết quả của mình theo các chỉ tiêu của đợt thi đua."""
    from thidua.services.drives import get_drive
    from thidua.services.drives import report as report_drive

    with session_scope() as session:
        who = authenticated(session, actor)
        row = report_drive(
            session, actor=who, drive_id=drive, scores=_scores(score), note=note_text
        )
        total, run_id = row.total, get_drive(session, drive).flow_run_id
    done(f"Đã ghi báo cáo kết quả đợt thi đua #{drive}: tổng {total:g} điểm.")
    _wake(run_id)


@drive_app.command("confirm", rich_help_panel=panels.LEADER)
def confirm(
    drive: DriveOpt,
    actor: Annotated[str, _actor_opt("Cụm trưởng")],
    cluster: ClusterOpt,
    commend: Annotated[
        list[str] | None,
        typer.Option(
            "--commend",
            help="Đơn vị đề nghị tặng giấy khen (lặp lại).",
            callback=bounded_name("commend"),
        ),
    ] = None,
) -> None:
    """Cụm trưởng xác nhận kết quả báo cáo của các đơn vị trong cụm, đề nghị giấy khen."""
    from thidua.services.drive_review import confirm as confirm_drive
    from thidua.services.drives import get_drive

    with session_scope() as session:
        who = authenticated(session, actor)
        confirm_drive(
            session, actor=who, drive_id=drive, cluster_code=cluster, propose=commend or []
        )
        run_id = get_drive(session, drive).flow_run_id
    done(f"Đã xác nhận kết quả đợt thi đua #{drive} của cụm {cluster}.")
    _wake(run_id)


@drive_app.command("commend", rich_help_panel=panels.DIRECTORATE)
def commend(
    drive: DriveOpt,
    actor: Annotated[str, _actor_opt("Ban Giám đốc")],
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            help="Chỉ phê duyệt các đơn vị này (mặc định: cả danh sách đề nghị).",
            callback=bounded_name("unit"),
        ),
    ] = None,
) -> None:
    """Ban Giám đốc phê duyệt danh sách tặng giấy khen của đợt thi đua."""
    from thidua.services.drive_review import commend as commend_drive
    from thidua.services.drives import get_drive

    with session_scope() as session:
        who = authenticated(session, actor)
        approved = commend_drive(session, actor=who, drive_id=drive, units=unit)
        run_id = get_drive(session, drive).flow_run_id
    listed = ", ".join(approved) if approved else "không đơn vị nào"
    done(f"Đã phê duyệt giấy khen đợt thi đua #{drive}: {listed}.")
    _wake(run_id)


@drive_app.command("show", rich_help_panel=panels.EVERYONE)
def show(
    drive: DriveOpt,
    json_out: Annotated[bool, typer.Option("--json", help="In dạng JSON.")] = False,
) -> None:
    """Xem một đợt thi đua: chỉ tiêu, báo cáo, xác nhận, kết quả, giấy khen."""
    from thidua.services.drive_view import STATUS_LABELS, drive_view

    with session_scope() as session:
        view = drive_view(session, drive)
    if json_out:
        print_json(view)
        return

    def vn(iso_date: str) -> str:
        return f"{date.fromisoformat(iso_date):%d/%m/%Y}"

    out.print(
        f"Đợt thi đua #{view['id']}: {view['name']} ({vn(view['starts_on'])} – "
        f"{vn(view['ends_on'])}, hạn sơ kết {vn(view['review_deadline'])}) · "
        f"{STATUS_LABELS[view['status']]}",
        markup=False,
        highlight=False,
    )
    if view["theme"]:
        out.print(view["theme"], markup=False, highlight=False)
    targets = table("Chỉ tiêu", "Mã", "Tên", "Tối đa")
    for t in view["targets"]:
        targets.add_row(t["code"], t["name"], f"{t['maximum']:g}")
    out.print(targets)
    units = table("Đơn vị", "Cụm", "Đơn vị", "Báo cáo", "Kết quả", "Hạng", "Giấy khen")
    for u in view["units"]:
        commended = {None: "—", True: "được tặng", False: "không"}[u["commended"]]
        if u["proposed"] and u["commended"] is False and view["status"] == "recorded":
            commended = "đề nghị"
        units.add_row(
            u["cluster"],
            u["name"],
            "—" if u["total"] is None else f"{u['total']:g}",
            "—" if u["points"] is None else f"{u['points']:g}",
            "—" if u["rank"] is None else str(u["rank"]),
            commended,
        )
    out.print(units)


@drive_app.command("list", rich_help_panel=panels.EVERYONE)
def list_drives(
    year: Annotated[
        int | None,
        typer.Option("--year", help="Chỉ các đợt của năm này.", callback=bounded_year("year")),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="In dạng JSON.")] = False,
) -> None:
    """Các đợt thi đua: số, tên, thời gian, tình trạng."""
    from sqlmodel import col, select

    from models import Drive
    from thidua.services.drive_view import STATUS_LABELS

    with session_scope() as session:
        query = select(Drive).order_by(col(Drive.starts_on), col(Drive.id))
        if year is not None:
            query = query.where(Drive.year == year)
        rows = [
            {
                "id": d.id,
                "name": d.name,
                "year": d.year,
                "starts_on": d.starts_on.isoformat(),
                "ends_on": d.ends_on.isoformat(),
                "status": d.status.value,
            }
            for d in session.exec(query).all()
        ]
    if json_out:
        print_json(rows)
        return
    listing = table("Đợt thi đua", "Số", "Tên", "Từ ngày", "Đến ngày", "Tình trạng")
    for r in rows:
        listing.add_row(
            str(r["id"]),
            r["name"],
            f"{date.fromisoformat(r['starts_on']):%d/%m/%Y}",
            f"{date.fromisoformat(r['ends_on']):%d/%m/%Y}",
            STATUS_LABELS[r["status"]],
        )
    out.print(listing)
