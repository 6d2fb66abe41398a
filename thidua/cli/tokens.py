"""`thidua token`: API tokens for other systems (issued once, kept as a hash, revocable)."""

from typing import Annotated

import typer

from models import TokenScope
from thidua import localtime
from thidua.cli import panels
from thidua.cli.io import authenticated, done, local_time, note, out, print_json, table
from thidua.cli.options import bounded_id, bounded_name
from thidua.db import session_scope
from thidua.limits import TITLE
from thidua.services import api_tokens
from thidua.services.context import get_actor

token_app = typer.Typer(
    help="Mã API cho hệ thống khác (cổng thông tin tỉnh, cơ sở dữ liệu thi đua quốc gia).",
    no_args_is_help=True,
)

ByOpt = Annotated[
    str,
    typer.Option(
        "--by",
        help="Quản trị viên (mã bí mật của họ trong THIDUA_SECRET).",
        callback=bounded_name("by"),
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="In JSON ra stdout.")]


@token_app.command("issue")
def issue(
    system: Annotated[
        str,
        typer.Option(
            "--system",
            help="Tên hệ thống dùng mã, ví dụ \"Cổng thông tin Công an tỉnh\".",
            callback=bounded_name("system", max_length=TITLE),
        ),
    ],
    actor: Annotated[
        str,
        typer.Option(
            "--actor",
            help="Tài khoản mà hệ thống thao tác thay (vai trò, đơn vị của nó quyết định quyền).",
            callback=bounded_name("actor"),
        ),
    ],
    scope: Annotated[
        TokenScope,
        typer.Option("--scope", help="read: chỉ đọc; act: đọc và thao tác theo vai trò."),
    ],
    by: ByOpt,
    expires: Annotated[
        str | None,
        typer.Option(
            "--expires",
            help="Hết hạn lúc (ISO 8601, giờ Việt Nam nếu thiếu múi giờ); bỏ trống: không hạn.",
            callback=bounded_name("expires"),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Cấp mã API cho một hệ thống (chỉ hiện một lần; chỉ lưu mã băm)."""
    with session_scope() as session:
        admin = authenticated(session, by)
        row, token = api_tokens.issue(
            session,
            by=admin,
            system=system,
            actor=get_actor(session, actor),
            scope=scope,
            expires_at=localtime.parse(expires, "expires") if expires else None,
        )
        token_id, expires_at = row.id, row.expires_at
    if as_json:
        print_json(
            {"id": token_id, "token": token, "system": system, "actor": actor,
             "scope": scope.value, "expires_at": localtime.iso(expires_at)}
        )  # fmt: skip
        return
    done(f"Mã API số {token_id} cho {system} (chỉ hiện lần này, hãy lưu lại): {token}")
    note(f"Dùng: Authorization: Bearer {token}")


@token_app.command("list")
def list_tokens(by: ByOpt, as_json: JsonOpt = False) -> None:
    """Danh sách mã API đã cấp và tình trạng (không bao giờ hiện mã)."""
    with session_scope() as session:
        rows = api_tokens.listing(session, by=authenticated(session, by))
    if as_json:
        print_json(
            [
                {**r.model_dump(), **{k: localtime.iso(getattr(r, k)) for k in _TIMES}}
                for r in rows
            ]
        )
        return
    t = table("Mã API", "Số", "Hệ thống", "Tài khoản", "Quyền", "Cấp lúc", "Hết hạn", "Tình trạng")
    for r in rows:
        t.add_row(
            str(r.id),
            r.system,
            r.username,
            api_tokens.SCOPE_LABELS[TokenScope(r.scope)],
            local_time(r.issued_at),
            local_time(r.expires_at),
            r.state,
        )
    out.print(t)


_TIMES = ("issued_at", "expires_at", "revoked_at")


@token_app.command("revoke")
def revoke(
    token_id: Annotated[
        int, typer.Option("--id", help="Số của mã API.", callback=bounded_id("id"))
    ],
    by: ByOpt,
) -> None:
    """Thu hồi mã API: từ lúc này mọi yêu cầu dùng mã đều bị từ chối."""
    with session_scope() as session:
        row = api_tokens.revoke(session, by=authenticated(session, by), token_id=token_id)
        system, at = row.system, row.revoked_at
    done(f"Mã API số {token_id} ({system}) đã bị thu hồi lúc {local_time(at)}")


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token", rich_help_panel=panels.ADMIN)
