"""Reading: `thidua status`, `thidua pending`, `thidua report` (each with --json)."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from thidua.cli import panels
from thidua.cli.io import STATUS_LABELS, authenticated, local_time, out, print_json, table
from thidua.cli.options import bounded_id, bounded_name, bounded_year
from thidua.db import session_scope
from thidua.services.context import get_actor, load_campaign

JsonOpt = Annotated[bool, typer.Option("--json", help="In JSON ra stdout (machine-readable).")]


def register(app: typer.Typer) -> None:
    app.command("status", rich_help_panel=panels.EVERYONE)(status)
    app.command("pending", rich_help_panel=panels.EVERYONE)(pending)
    app.command("report", rich_help_panel=panels.EVERYONE)(report)


def status(
    year: Annotated[
        int | None,
        typer.Option("--year", help="Chỉ xem một năm.", callback=bounded_year("year")),
    ] = None,
    campaign: Annotated[
        int | None,
        typer.Option(
            "--campaign", help="Chỉ xem một đợt bình xét.", callback=bounded_id("campaign")
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            help="Chỉ xem các đợt bình xét người này có phần việc.",
            callback=bounded_name("actor"),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Tình hình các đợt bình xét: giai đoạn, hạn, đã nhận, còn thiếu (campaign status)."""
    # Each command imports what it alone uses: `thidua pending` is run most, in a fresh process.
    from notifications.status import undelivered
    from thidua.cli import views
    from thidua.services import drive_points, queries

    with session_scope() as session:
        who = get_actor(session, actor) if actor else None
        states = queries.status(session, year=year, concerning=who, campaign_id=campaign)
        unsent = undelivered(session, [s.campaign_id for s in states])
        from_drives = drive_points.summary(session, [s.campaign_id for s in states])
    if as_json:
        print_json(
            [
                {
                    **s.to_json(),
                    "notifications": unsent[s.campaign_id],
                    "drive_points": from_drives.get(s.campaign_id, []),
                }
                for s in states
            ]
        )
        return
    if not states:
        out.print("Chưa có đợt bình xét nào" + (f" năm {year}." if year else "."))
        return
    t = table(
        "Các đợt bình xét",
        "Số",
        "Đợt bình xét",
        "Giai đoạn",
        "Trạng thái",
        "Hạn",
        "Đã nhận",
        "Sẵn sàng",
    )
    for s in states:
        received = f"{s.received}/{s.expected}" if s.expected else "—"
        t.add_row(
            str(s.campaign_id),
            s.name,
            s.stage_label,
            STATUS_LABELS.get(s.status, s.status),
            local_time(s.due_at),
            received,
            "—" if s.attempt is None else ("có" if s.ready else "chưa"),
        )
    out.print(t)
    for s in states:
        if s.missing:
            out.print(
                f"\nCòn thiếu ở #{s.campaign_id} ({s.stage_label}):",
                style="bold",
                markup=False,
                highlight=False,
            )
            for m in s.missing:
                out.print(f"  • {m['name']}: {m['what']}", markup=False, highlight=False)
    for s in states:
        _print_explanations(s.campaign_id, s.explanations)
    for s in states:
        views.print_drive_points(s.campaign_id, from_drives.get(s.campaign_id, []))
    for s in states:
        n = unsent[s.campaign_id]
        if n["pending"] or n["failed"]:
            head = f"\nThông báo chưa gửi ở #{s.campaign_id}: {n['pending']} đang chờ"
            out.print(f"{head}, {n['failed']} lỗi", style="bold", markup=False, highlight=False)
            for e in n["errors"]:
                out.print(f"  • {e['count']} × {e['error']}", markup=False, highlight=False)


def _print_explanations(campaign_id: int, gaps: list[dict[str, str | None]]) -> None:
    """The units flagged for their self/peer gap, for the leader to read before confirming."""
    if not gaps:
        return
    out.print(
        f"\nGiải trình chênh lệch điểm ở #{campaign_id} (Cụm trưởng đọc trước khi xác nhận):",
        style="bold",
        markup=False,
        highlight=False,
    )
    for g in gaps:
        figures = f"tự chấm {g['self_total']}, chấm chéo {g['peer_mean']}, chênh lệch {g['gap']}"
        out.print(f"  • {g['name']}: {figures}", markup=False, highlight=False)
        said = f"Giải trình: {g['text']}" if g["text"] else "Chưa giải trình."
        out.print(f"    {said}", markup=False, highlight=False)


def pending(
    actor: Annotated[
        str,
        typer.Option(
            "--actor", help="Tên đăng nhập cần xem việc chờ.", callback=bounded_name("actor")
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Những việc đang chờ một người làm (what waits for this person)."""
    from thidua.links import ui_url
    from thidua.services.pending import pending as pending_items

    with session_scope() as session:
        who = authenticated(session, actor)
        items = pending_items(session, who)
        full_name = who.full_name
    rows: list[dict[str, Any]] = []
    for p in items:
        row = p.to_json()
        row["ui_url"] = ui_url(p.flow_run_id) if p.flow_run_id else None
        rows.append(row)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print(f"Không có việc nào đang chờ {full_name}.", markup=False)
        return
    # One block per item rather than a table: the command must stay on one line to be copied.
    out.print(f"Việc đang chờ {full_name}:", style="bold", markup=False)
    for p, row in zip(items, rows, strict=True):
        out.print(
            f"\n#{p.campaign_id} {p.campaign} — {p.stage_label}",
            style="bold",
            markup=False,
            highlight=False,
        )
        lines = [("Hạn", local_time(p.due_at)), ("Việc cần làm", p.what), ("Lệnh", p.command)]
        if row["ui_url"]:
            lines.append(("Prefect UI", row["ui_url"]))
        for key, value in lines:
            out.print(f"  {key}: {value}", markup=False, highlight=False, soft_wrap=True)


def report(
    campaign: Annotated[
        int,
        typer.Option("--campaign", help="Số hiệu đợt bình xét.", callback=bounded_id("campaign")),
    ],
    as_json: JsonOpt = False,
    document: Annotated[
        str | None,
        typer.Option("--document", help="In nguyên văn một tài liệu (biên bản, tờ trình…)."),
    ] = None,
    retally: Annotated[
        bool, typer.Option("--retally", help="Kiểm phiếu lại từ các phiếu đã lưu và so sánh.")
    ] = False,
    docx: Annotated[
        bool,
        typer.Option(
            "--docx",
            help="Tài liệu ra tệp Word theo thể thức Nghị định 30/2020/NĐ-CP (cần --out).",
            rich_help_panel="Xuất tệp",
        ),
    ] = False,
    all_docs: Annotated[
        bool,
        typer.Option(
            "--all", help="Với --docx: mọi tài liệu, vào thư mục --out.", rich_help_panel="Xuất tệp"
        ),
    ] = False,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Tệp .docx, hoặc thư mục (với --all).", rich_help_panel="Xuất tệp"
        ),
    ] = None,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", help="Kết quả ra tệp Excel (.xlsx).", rich_help_panel="Xuất tệp"),
    ] = None,
    csv_dir: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Kết quả ra các tệp CSV (UTF-8 có BOM) trong thư mục.",
            rich_help_panel="Xuất tệp",
        ),
    ] = None,
) -> None:
    """Kết quả một đợt bình xét: xếp hạng, bỏ phiếu, phê duyệt, đề nghị khen thưởng, tài liệu."""
    from sqlmodel import col, select

    from models import Document
    from thidua.cli import views
    from thidua.errors import NotFound
    from thidua.services import drive_points, queries

    if docx or all_docs or out_path or xlsx or csv_dir:
        from thidua.cli import exports

        exports.check_options(
            document=document, docx=docx, all_docs=all_docs, out=out_path, xlsx=xlsx,
            csv_dir=csv_dir,
        )  # fmt: skip
        if docx:
            assert out_path is not None
            exports.export_word(
                campaign, document=document, all_docs=all_docs, out=out_path, as_json=as_json
            )
        else:
            exports.export_tables(campaign, xlsx=xlsx, csv_dir=csv_dir, as_json=as_json)
        return
    if retally:
        from thidua.cli.votes import print_retally

        print_retally(campaign, as_json)
        return
    with session_scope() as session:
        if document is not None:
            load_campaign(session, campaign)
            # A key without its format ("bao-cao-PHC") means the Markdown one.
            doc = session.exec(
                select(Document)
                .where(
                    Document.campaign_id == campaign,
                    col(Document.key).in_([document, f"{document}.md"]),
                )
                .order_by(col(Document.key) != document)
            ).first()
            if doc is None:
                raise NotFound(f"Đợt bình xét #{campaign} không có tài liệu '{document}'")
            content = doc.content
        else:
            data = queries.report(session, campaign)
            data["drive_points"] = drive_points.summary(session, [campaign]).get(campaign, [])
            view = load_campaign(session, campaign)
            stage_label = view.campaign.stage.label
    if document is not None:
        sys.stdout.write(content if content.endswith("\n") else content + "\n")
        return
    if as_json:
        print_json(data)
        return
    views.print_report(data, stage_label)
