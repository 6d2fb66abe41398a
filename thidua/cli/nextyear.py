"""`thidua rules …`: next year's rules proposed by units, drafted by the cluster leader, tried
on a finished year's data (dry-run) and approved by the directorate."""

from pathlib import Path
from typing import Annotated

import typer
import yaml

from rules.config import CycleRules
from thidua.cli import panels
from thidua.cli.dry_run_view import as_json, print_dry_run, write_xlsx
from thidua.cli.files import load_model, text_or_file
from thidua.cli.io import authenticated, done, local_time, note, out, print_json
from thidua.cli.options import ClusterOpt, bounded_id, bounded_name, bounded_year
from thidua.cli.setup import annotate_rules
from thidua.db import session_scope
from thidua.errors import InvalidInput
from thidua.services import rules_drafts
from thidua.services.dry_run import dry_run

rules_app = typer.Typer(
    help="Quy định năm sau: đơn vị đề xuất, Cụm trưởng tổng hợp dự thảo, chạy thử trên số liệu "
    "năm nay, Ban Giám đốc phê duyệt.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules", rich_help_panel=panels.APPROVERS)


RulesFileOpt = Annotated[
    Path, typer.Option("--rules", help="Tệp dự thảo quy định .yaml/.json (draft rules).")
]
MovementOpt = Annotated[
    str,
    typer.Option(
        "--movement", help="Mã phong trào thi đua (movement).", callback=bounded_name("movement")
    ),
]


def _check_outputs(as_json_: bool, xlsx: Path | None) -> None:
    if as_json_ and xlsx is not None:
        raise InvalidInput("xlsx", "chỉ chọn một trong --json và --xlsx")
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise InvalidInput("xlsx", f"tệp kết quả phải có đuôi .xlsx (nhận được '{xlsx.name}')")


@rules_app.command("dry-run", rich_help_panel=panels.APPROVERS)
def dry_run_cmd(
    rules_file: RulesFileOpt,
    against: Annotated[
        int,
        typer.Option(
            "--against", help="Năm đã có kết quả để chạy thử.", callback=bounded_year("against")
        ),
    ],
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Chỉ một cụm thi đua.", callback=bounded_name("cluster")),
    ] = None,
    movement: MovementOpt = "VANTQ",
    json_out: Annotated[bool, typer.Option("--json", help="In dạng JSON.")] = False,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Ghi kết quả ra tệp Excel (.xlsx).")
    ] = None,
) -> None:
    """Chạy thử dự thảo quy định trên số liệu một năm: điểm, hạng, danh hiệu thay đổi ra sao.

    Tính lại điểm tổng hợp, xếp hạng, kết quả bầu phụ thuộc điểm, điều kiện và đề nghị khen
    thưởng theo dự thảo, với đúng các phiếu đã bỏ; kết quả đã lưu của năm đó không thay đổi.
    """
    _check_outputs(json_out, xlsx)
    rules = load_model(rules_file, CycleRules, prefix="rules")
    with session_scope() as session:
        result = dry_run(session, rules=rules, year=against, cluster=cluster, movement=movement)
        session.rollback()  # a read: nothing of it may ever be written
    if json_out:
        print_json(as_json(result))
    elif xlsx is not None:
        write_xlsx(xlsx, result)
        done(f"Đã ghi kết quả chạy thử ({result.changed_units} đơn vị thay đổi) vào {xlsx}")
    else:
        print_dry_run(out, result, rules_name=rules_file.name)


@rules_app.command("propose", rich_help_panel=panels.OFFICER)
def propose(
    campaign: Annotated[
        int,
        typer.Option("--campaign", help="Số của đợt bình xét.", callback=bounded_id("campaign")),
    ],
    actor: Annotated[
        str,
        typer.Option(
            "--actor", help="Tên đăng nhập cán bộ đơn vị.", callback=bounded_name("actor")
        ),
    ],
    file: Annotated[
        Path | None, typer.Option("--file", help="Tệp văn bản (UTF-8) nội dung đề xuất.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="Nội dung đề xuất.")] = None,
) -> None:
    """Đơn vị đề xuất sửa tiêu chí, thang điểm cho năm sau (lưu và ghi nhật ký)."""
    given = text_or_file(text, file)
    with session_scope() as session:
        who = authenticated(session, actor)
        proposal = rules_drafts.propose(session, actor=who, campaign_id=campaign, text=given)
    done(f"Đã ghi đề xuất #{proposal.id} cho năm sau (đợt bình xét #{campaign}).")


def _comment(text: str) -> str:
    return "".join(f"#     {line}\n" if line else "#\n" for line in text.splitlines())


def draft_text(d: rules_drafts.Draft) -> str:
    head = (
        f"# Dự thảo quy định thi đua năm {d.year} — {d.cluster.name} ({d.cluster.code}).\n"
        f"# Bắt đầu từ quy định năm {d.base_year}; sửa theo các đề xuất dưới đây, chạy thử:\n"
        f"#   thidua rules dry-run --rules <tệp> --against {d.base_year} --cluster "
        f"{d.cluster.code}\n"
        f"# rồi gửi Ban Giám đốc phê duyệt: thidua rules approve --file <tệp> --year {d.year} …\n"
    )
    if d.proposals:
        head += f"#\n# Đề xuất của các đơn vị ({len(d.proposals)}):\n"
        for p in d.proposals:
            head += f"#   - {p.unit_name} ({p.unit}, {p.username}, {local_time(p.at)}):\n"
            head += _comment(p.text)
    else:
        head += "#\n# Chưa có đơn vị nào đề xuất.\n"
    data = d.rules.model_dump(mode="json")
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return head + annotate_rules(body)


@rules_app.command("draft", rich_help_panel=panels.LEADER)
def draft(
    cluster: ClusterOpt,
    year: Annotated[
        int, typer.Option("--year", help="Năm áp dụng dự thảo.", callback=bounded_year("year"))
    ],
    actor: Annotated[
        str,
        typer.Option("--actor", help="Tên đăng nhập Cụm trưởng.", callback=bounded_name("actor")),
    ],
    output: Annotated[Path, typer.Option("--out", help="Tệp dự thảo .yaml để ghi ra.")],
    movement: MovementOpt = "VANTQ",
) -> None:
    """Cụm trưởng tổng hợp: quy định hiện hành kèm các đề xuất của đơn vị (ghi chú YAML)."""
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise InvalidInput("out", f"tệp dự thảo phải có đuôi .yaml (nhận được '{output.name}')")
    with session_scope() as session:
        who = authenticated(session, actor)
        d = rules_drafts.draft(
            session, actor=who, cluster_code=cluster, year=year, movement_code=movement
        )
        from thidua.outfile import write_new_file

        # In the transaction: a file that cannot be written leaves no audit of a draft made.
        write_new_file(output, draft_text(d).encode("utf-8"), field="out", what="dự thảo đang sửa")
    done(f"Đã ghi dự thảo quy định năm {year} vào {output} ({len(d.proposals)} đề xuất).")


@rules_app.command("approve", rich_help_panel=panels.DIRECTORATE)
def approve(
    file: Annotated[Path, typer.Option("--file", help="Tệp dự thảo quy định .yaml/.json.")],
    year: Annotated[
        int, typer.Option("--year", help="Năm áp dụng quy định.", callback=bounded_year("year"))
    ],
    actor: Annotated[
        str,
        typer.Option("--actor", help="Tên đăng nhập Ban Giám đốc.", callback=bounded_name("actor")),
    ],
    against: Annotated[
        int | None,
        typer.Option(
            "--against",
            help="Năm để chạy thử kèm quyết định (mặc định: năm trước, nếu đã có kết quả).",
            callback=bounded_year("against"),
        ),
    ] = None,
    movement: MovementOpt = "VANTQ",
) -> None:
    """Ban Giám đốc phê duyệt quy định năm sau; kết quả chạy thử được lưu kèm quyết định."""
    rules = load_model(file, CycleRules, prefix="rules")
    with session_scope() as session:
        who = authenticated(session, actor)
        approval, result = rules_drafts.approve(
            session, actor=who, year=year, rules=rules, against=against, movement_code=movement
        )
    done(
        f"Đã phê duyệt quy định năm {year} (lần {approval.version}, "
        f"sha256 {approval.rules_sha256[:12]}…); chu kỳ {year} sẽ bắt đầu từ quy định này."
    )
    if result is None:
        note(f"Năm {year - 1} chưa có kết quả để chạy thử; quyết định không kèm kết quả chạy thử.")
    else:
        print_dry_run(out, result, rules_name=file.name)
