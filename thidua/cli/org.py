"""`thidua org …`: the organisation as the admin's own: import, export, template, show, appoint.

The file work lives in thidua/org (openpyxl is imported only by the commands that need it).
"""

from pathlib import Path
from typing import Annotated

import typer

from thidua.cli import panels
from thidua.cli.io import authenticated, done, note, out, print_json
from thidua.cli.options import ClusterOpt, bounded_name, bounded_reason, bounded_year
from thidua.db import session_scope

org_app = typer.Typer(
    help="Tổ chức: phong trào, cụm, đơn vị, thành viên theo năm, người dùng, danh hiệu các năm "
    "trước — nhập, xuất Excel/YAML, xem, chỉ định Cụm trưởng.",
    no_args_is_help=True,
)
history_app = typer.Typer(help="Danh hiệu các năm trước (lịch sử).", no_args_is_help=True)
org_app.add_typer(history_app, name="history", rich_help_panel=panels.ADMIN)

FileArg = Annotated[Path, typer.Argument(help="Tệp .xlsx hoặc .yaml.", show_default=False)]
OptionalActor = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Quản trị viên (mã bí mật trong THIDUA_SECRET). Bỏ trống chỉ ở lần nhập đầu tiên, "
        "khi chưa có người dùng nào.",
        callback=bounded_name("actor"),
    ),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Chỉ in những gì sẽ thêm, đổi, thôi; không ghi gì.")
]
Json = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org", rich_help_panel=panels.ADMIN)


class _DryRun(Exception):
    """Raised after a dry run so that its transaction is rolled back."""


def _import(file: Path, actor: str | None, dry_run: bool, as_json: bool, history: bool) -> None:
    from thidua.org.importer import import_org

    plan = None
    try:
        with session_scope() as session:
            importer = authenticated(session, actor) if actor else None
            plan = import_org(session, path=file, importer=importer, history_only=history)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    assert plan is not None
    if as_json:
        print_json(
            {"file": str(file), "dry_run": dry_run, "unchanged": plan.empty, **plan.summary()}
        )
        return
    if plan.empty:
        done(f"Không có gì thay đổi: dữ liệu đã đúng như tệp {file.name}.")
        return
    verb = "Sẽ" if dry_run else "Đã"
    for label, mark, rows in (
        ("thêm", "+", plan.added),
        ("đổi", "~", plan.changed),
        ("thôi hoạt động / bỏ", "-", plan.retired),
    ):
        if rows:
            out.print(f"{verb} {label} ({len(rows)}):", markup=False)
            for row in rows:
                out.print(f"  {mark} {row}", markup=False, highlight=False)
    if dry_run:
        note("Chạy thử (--dry-run): chưa ghi gì.")
    else:
        done(
            f"Đã nhập {file.name}: {len(plan.added)} thêm, {len(plan.changed)} đổi, "
            f"{len(plan.retired)} thôi hoạt động hoặc bỏ."
        )


@org_app.command("import", rich_help_panel=panels.ADMIN)
def import_cmd(
    file: FileArg, actor: OptionalActor = None, dry_run: DryRun = False, json_: Json = False
) -> None:
    """Nhập cả tổ chức từ một tệp (.xlsx hoặc .yaml), trong một giao dịch. Nhập lại cùng tệp
    không đổi gì; mọi lỗi của tệp được báo cùng lúc và không ghi gì."""
    _import(file, actor, dry_run, json_, history=False)


@history_app.command("import")
def history_import(
    file: FileArg, actor: OptionalActor = None, dry_run: DryRun = False, json_: Json = False
) -> None:
    """Nhập danh hiệu các năm trước (trang past_titles) với số và ngày quyết định."""
    _import(file, actor, dry_run, json_, history=True)


@org_app.command("export", rich_help_panel=panels.ADMIN)
def export_cmd(
    actor: Annotated[
        str,
        typer.Option(
            "--actor",
            help="Quản trị viên (mã bí mật trong THIDUA_SECRET).",
            callback=bounded_name("actor"),
        ),
    ],
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Ghi ra sổ Excel.")] = None,
    yaml_: Annotated[Path | None, typer.Option("--yaml", help="Ghi ra tệp YAML.")] = None,
) -> None:
    """Xuất cả tổ chức ra đúng định dạng của `org import` (sửa trong Excel rồi nhập lại);
    chỉ quản trị viên: tệp có địa chỉ e-mail và webhook của mọi người."""
    from models import Role
    from thidua.errors import InvalidInput
    from thidua.org.write import export_data, write_xlsx, write_yaml
    from thidua.services.access import require_role

    if (xlsx is None) == (yaml_ is None):
        raise InvalidInput("xlsx", "chọn đúng một trong --xlsx hoặc --yaml")
    from thidua.outfile import check_suffix

    if xlsx is not None:
        check_suffix(xlsx, "xlsx", (".xlsx",))
    if yaml_ is not None:
        check_suffix(yaml_, "yaml", (".yaml", ".yml"))
    with session_scope() as session:
        # Webhook addresses often carry tokens: the file is the admin's alone.
        require_role(authenticated(session, actor), Role.ADMIN, "xuất dữ liệu tổ chức")
        data = export_data(session)
    if xlsx is not None:
        write_xlsx(xlsx, data)
        done(f"Đã xuất tổ chức ra {xlsx}")
    else:
        assert yaml_ is not None
        write_yaml(yaml_, data)
        done(f"Đã xuất tổ chức ra {yaml_}")


@org_app.command("template", rich_help_panel=panels.ADMIN)
def template_cmd(
    xlsx: Annotated[Path, typer.Option("--xlsx", help="Sổ Excel mẫu sẽ ghi.")],
) -> None:
    """Ghi sổ Excel mẫu, trống: tiêu đề cột, chú thích từng cột, danh sách chọn (vai trò, mã
    đơn vị, năm)."""
    from thidua.org.write import write_xlsx
    from thidua.outfile import check_suffix

    check_suffix(xlsx, "xlsx", (".xlsx",))
    write_xlsx(xlsx, {})
    done(f"Đã ghi sổ mẫu {xlsx}")
    note(f"Điền rồi nhập: thidua org import {xlsx} --dry-run")


MEMBER_LABELS = {"leader": "Cụm trưởng", "deputy": "Cụm phó", "member": "thành viên"}


@org_app.command("show", rich_help_panel=panels.ADMIN)
def show_cmd(
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Năm (mặc định: năm mới nhất có thành viên cụm).",
            callback=bounded_year("year"),
        ),
    ] = None,
    json_: Json = False,
) -> None:
    """Cây tổ chức của một năm (phong trào → cụm → đơn vị, Cụm trưởng, Cụm phó, người dùng) và
    những gì còn cản việc bắt đầu chu kỳ."""
    from rich.tree import Tree

    from thidua.org.show import default_year, org_view

    with session_scope() as session:
        view = org_view(session, year if year is not None else default_year(session))
    if json_:
        print_json(view)
        return
    names = " · ".join(f"{m['name']} ({m['code']})" for m in view["movements"]) or "—"
    tree = Tree(f"Năm {view['year']} — phong trào: {names}", highlight=False)
    for c in view["clusters"]:
        branch = tree.add(f"{c['name']} ({c['code']}) — {c['body'] or '—'}")
        for u in c["units"]:
            mark = MEMBER_LABELS[u["role"]]
            if u["carried_over"]:
                mark += " (giữ từ năm trước, chờ Ban Giám đốc chỉ định)"
            node = branch.add(f"{u['code']} {u['name']} · {mark}")
            for p in u["people"]:
                node.add(_person_line(p))
    if view["others"]:
        branch = tree.add("Không thuộc đơn vị")
        for p in view["others"]:
            branch.add(_person_line(p))
    out.print(tree, markup=False, soft_wrap=False)  # wrapped under its branch, never cut off
    if view["blockers"]:
        out.print(f"Còn cản việc bắt đầu chu kỳ năm {view['year']}:", markup=False)
        for b in view["blockers"]:
            out.print(f"  ✗ {b}", markup=False, highlight=False)
    else:
        done(f"Không còn gì cản việc bắt đầu chu kỳ năm {view['year']}.")


def _person_line(p: dict[str, object]) -> str:
    extra = ", ".join(str(x) for x in (p["rank"], p["position"]) if x)
    secret = "" if p["has_secret"] else " · chưa có mã bí mật"
    extra = f" ({extra})" if extra else ""
    return f"{p['username']} — {p['full_name']}{extra} · {p['role_label']}{secret}"


@org_app.command("appoint", rich_help_panel=panels.DIRECTORATE)
def appoint_cmd(
    year: Annotated[
        int, typer.Option("--year", help="Năm thi đua.", callback=bounded_year("year"))
    ],
    cluster: ClusterOpt,
    actor: Annotated[
        str,
        typer.Option("--actor", help="Người của Ban Giám đốc.", callback=bounded_name("actor")),
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Lý do chỉ định.", callback=bounded_reason("reason"))
    ],
    leader: Annotated[
        str | None,
        typer.Option("--leader", help="Mã đơn vị Cụm trưởng.", callback=bounded_name("leader")),
    ] = None,
    deputy: Annotated[
        str | None,
        typer.Option("--deputy", help="Mã đơn vị Cụm phó.", callback=bounded_name("deputy")),
    ] = None,
) -> None:
    """Ban Giám đốc chỉ định Cụm trưởng, Cụm phó của một năm (khi bầu không ra, hoặc thay)."""
    from thidua.org.appoint import appoint

    with session_scope() as session:
        who = authenticated(session, actor)
        after = appoint(
            session,
            actor=who,
            year=year,
            cluster_code=cluster,
            leader=leader,
            deputy=deputy,
            reason=reason,
        )
    done(
        f"Đã chỉ định cho cụm {cluster} năm {year}: Cụm trưởng {after['leader'] or '—'}, "
        f"Cụm phó {after['deputy'] or '—'}"
    )
