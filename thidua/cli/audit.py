"""`thidua audit`: the audit log read by people (who, for whom, when, before and after), the
check of its hash chain, and the logging of refused commands."""

import json
from typing import Annotated, Any

import typer

from thidua.cli import panels
from thidua.cli.io import authenticated, done, local_time, out, print_json, table
from thidua.cli.options import bounded_id, bounded_name
from thidua.db import get_engine, session_scope
from thidua.errors import InvalidInput, ThiduaError
from thidua.services import audit, audit_log

audit_app = typer.Typer(
    help="Nhật ký kiểm toán: ai làm gì, thay ai, khi nào; kiểm tra chuỗi băm.",
    invoke_without_command=True,
)

ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Người xem (Ban Giám đốc hoặc quản trị viên; mã bí mật trong THIDUA_SECRET).",
        callback=bounded_name("by"),
    ),
]
# Options whose value could be a secret are never copied into the log of a refusal.
_HIDDEN = ("secret", "code", "key", "password", "token")


def _reader(session: Any, by: str | None) -> None:
    if by is None:
        raise InvalidInput("by", "thiếu tên đăng nhập của người xem nhật ký (--by)")
    audit_log.require_reader(authenticated(session, by))


def _short(value: Any, width: int = 60) -> str:
    if value is None:
        return "—"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


@audit_app.callback()
def list_events(
    ctx: typer.Context,
    by: ByOpt = None,
    campaign: Annotated[
        int | None,
        typer.Option("--campaign", help="Chỉ một đợt bình xét.", callback=bounded_id("campaign")),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            help="Chỉ việc của một người (tên đăng nhập).",
            callback=bounded_name("actor"),
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Số sự kiện mới nhất.", callback=bounded_id("limit"))
    ] = audit_log.DEFAULT_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="In JSON ra stdout.")] = False,
) -> None:
    """Liệt kê nhật ký kiểm toán (Ban Giám đốc, quản trị viên)."""
    if ctx.invoked_subcommand is not None:
        return
    with session_scope() as session:
        _reader(session, by)
        rows = audit_log.events(session, campaign_id=campaign, actor=actor, limit=limit)
    if as_json:
        print_json([r.to_json() for r in rows])
        return
    t = table(
        "Nhật ký kiểm toán", "#", "Lúc", "Người", "Thay cho", "Việc", "Đối tượng", "Trước", "Sau"
    )
    for r in rows:
        # The log stores the acting person and, under a delegation, the one who typed it.
        doer, principal = (r.substitute, r.actor) if r.substitute else (r.actor or "hệ thống", "—")
        t.add_row(
            str(r.id),
            local_time(r.at),
            doer or "—",
            principal or "—",
            r.action,
            f"{r.entity} {r.entity_id}".strip() or "—",
            _short(r.before),
            _short(r.after),
        )
    out.print(t)


@audit_app.command("verify")
def verify(by: ByOpt = None) -> None:
    """Kiểm tra chuỗi băm: chỉ ra sự kiện đầu tiên bị sửa, xóa hoặc chèn."""
    with session_scope() as session:
        _reader(session, by)
        check = audit_log.verify(session)
    if not check.ok:
        raise ThiduaError(f"{check.problem} (đã kiểm tra {check.events} sự kiện)")
    done(f"Chuỗi băm nguyên vẹn: {check.events} sự kiện; mã băm cuối: {check.last_hash or '—'}")


def _command_line(argv: list[str]) -> tuple[str, int | None]:
    words: list[str] = []
    campaign: int | None = None
    hide = False
    for i, word in enumerate(argv):
        name = word.split("=", 1)[0].lower()
        if hide:
            words.append("***")
        elif word.startswith("--") and "=" in word and any(h in name for h in _HIDDEN):
            words.append(f"{name}=***")
        else:
            words.append(word[:200])
        hide = word.startswith("--") and "=" not in word and any(h in name for h in _HIDDEN)
        if name == "--campaign" and i + 1 < len(argv) and argv[i + 1].isdigit():
            campaign = int(argv[i + 1]) if len(argv[i + 1]) <= 9 else None
    return " ".join(["thidua", *words]), campaign


def log_refusal(argv: list[str], exc: ThiduaError) -> None:
    """Keep a trace of a refused command; never let that hide the refusal itself."""
    command, campaign = _command_line(argv)
    try:
        audit.record_refusal(
            get_engine(), command=command, reason=exc.message, campaign_id=campaign
        )
    except Exception:  # the database may be the very thing that is wrong
        return


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit", rich_help_panel=panels.ADMIN)
