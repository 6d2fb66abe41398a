"""`thidua form`: the form one person must fill, pre-filled, as YAML (Vietnamese comments) or as
an Excel score sheet. Filled forms go back with `thidua submit … --file`."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from thidua.cli import panels
from thidua.cli.act import ActorOpt, CampaignOpt
from thidua.cli.io import authenticated, done
from thidua.db import session_scope
from thidua.errors import InvalidInput
from thidua.forms.context import FormKind, form_context


def register(app: typer.Typer) -> None:
    app.command("form", rich_help_panel=panels.OFFICER)(form)


def form(
    kind: Annotated[
        FormKind,
        typer.Argument(help="self-assessment (tự chấm) | review (chấm chéo) | ballot (phiếu bầu)."),
    ],
    campaign: CampaignOpt,
    actor: ActorOpt,
    xlsx: Annotated[
        bool, typer.Option("--xlsx", help="Bảng tính Excel (.xlsx) thay cho YAML.")
    ] = False,
    as_yaml: Annotated[bool, typer.Option("--yaml", help="Tệp YAML (mặc định).")] = False,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Ghi ra tệp này (YAML mặc định in ra màn hình)."),
    ] = None,
) -> None:
    """Lấy mẫu phiếu điền sẵn cho mình (form to fill): đơn vị, thang điểm, đơn vị phải chấm,
    câu hỏi và ứng viên của phiếu bầu, bản đã nộp nếu có."""
    if xlsx and as_yaml:
        raise InvalidInput("xlsx", "chọn một trong --xlsx hoặc --yaml")
    if xlsx and out_file is not None and out_file.suffix.lower() != ".xlsx":
        raise InvalidInput("out", f"tệp Excel phải có đuôi .xlsx (nhận được '{out_file.name}')")
    with session_scope() as session:
        who = authenticated(session, actor)
        ctx = form_context(session, actor=who, campaign_id=campaign, kind=kind)
        if xlsx:
            from thidua.forms.xlsx_form import xlsx_form

            content: bytes | str = xlsx_form(ctx)
            target = out_file or Path(f"mau-{kind}-{campaign}-{ctx.unit.code}.xlsx")
        else:
            from thidua.forms.yaml_form import yaml_form

            content = yaml_form(ctx)
            target = out_file  # type: ignore[assignment]
    if target is None:
        sys.stdout.write(str(content))
        sys.stdout.flush()
        return
    _write(target, content)
    done(f"Đã ghi mẫu vào {target}. Điền xong, nộp bằng: {ctx.command} --file {target}")


def _write(target: Path, content: bytes | str) -> None:
    from thidua.outfile import write_new_file

    data = content if isinstance(content, bytes) else content.encode("utf-8")
    write_new_file(target, data, field="out", what="mẫu đang điền dở")
