"""People: secrets (issued once, kept as a hash), one-time codes for Prefect forms."""

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import col, select

from models import Actor, Unit
from thidua import localtime
from thidua.cli import panels
from thidua.cli.codes import code_app
from thidua.cli.io import authenticated, done, local_time, note, out, print_json, table
from thidua.cli.options import bounded_id, bounded_name, bounded_reason
from thidua.cli.roles import role_labels
from thidua.db import session_scope
from thidua.errors import InvalidInput
from thidua.services import auth, deadlines, delegation
from thidua.services.context import get_actor

actors_app = typer.Typer(
    help="Người dùng: cấp, thu hồi mã bí mật; danh sách.", no_args_is_help=True
)

ActorOpt = Annotated[
    str, typer.Option("--actor", help="Tên đăng nhập.", callback=bounded_name("actor"))
]


@actors_app.command("secret")
def issue_secret(
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Tên đăng nhập.", callback=bounded_name("actor")),
    ] = None,
    all_missing: Annotated[
        bool,
        typer.Option(
            "--all-missing",
            help="Cấp cho mọi người dùng chưa có mã; ghi vào tệp --out (không in ra màn hình).",
        ),
    ] = False,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Tệp .csv mới (quyền 0600) nhận các mã, với --all-missing."),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Quản trị viên cấp mã (mã bí mật của họ trong THIDUA_SECRET).",
            callback=bounded_name("by"),
        ),
    ] = None,
    recovery_key_file: Annotated[
        Path | None,
        typer.Option(
            "--recovery-key-file",
            help="Khôi phục mã của quản trị viên: tệp khóa bí mật của máy chủ "
            "(<THIDUA_HOME>/secret.key, hoặc tệp chứa THIDUA_SECRET_KEY).",
        ),
    ] = None,
) -> None:
    """Cấp mã bí mật mới (hiện một lần). Chỉ lần cấp đầu tiên của hệ thống, cho quản trị viên,
    không cần --by; sau đó quản trị viên bị mất mã dùng --recovery-key-file."""
    if all_missing:
        if actor is not None or recovery_key_file is not None:
            raise InvalidInput("all-missing", "không dùng cùng --actor hay --recovery-key-file")
        if by is None or out_file is None:
            raise InvalidInput("out" if by else "by", "--all-missing cần --by và --out")
        _issue_missing(by, out_file)
        return
    if actor is None:
        raise InvalidInput("actor", "phải nêu --actor, hoặc --all-missing --out <tệp>")
    recovery_key = None
    if recovery_key_file is not None:
        try:
            recovery_key = recovery_key_file.read_bytes()
        except OSError as exc:
            raise InvalidInput("recovery-key-file", f"không đọc được tệp: {exc.strerror}") from None
    with session_scope() as session:
        admin = authenticated(session, by) if by else None
        target = get_actor(session, actor)
        secret = auth.issue_secret(session, by=admin, actor=target, recovery_key=recovery_key)
    done(f"Mã bí mật của {actor} (chỉ hiện lần này, hãy lưu lại): {secret}")
    note(f"Dùng: export THIDUA_SECRET='{secret}'")


def _issue_missing(by: str, path: Path) -> None:
    """Secrets for everyone active without one, written only to a new file readable by its
    owner: they are handed out from there, never shown on a terminal or kept in a log."""
    import csv
    import io
    import os

    from thidua.sheet_text import csv_text

    with session_scope() as session:
        admin = authenticated(session, by)
        people = session.exec(
            select(Actor)
            .where(col(Actor.secret_hash).is_(None), col(Actor.active).is_(True))
            .order_by(col(Actor.username))
        ).all()
        if not people:
            done("Mọi người dùng đều đã có mã bí mật; không cấp gì, không ghi tệp.")
            return
        units = {u.id: u.code for u in session.exec(select(Unit)).all()}
        text = io.StringIO()
        # Lines end in LF: a clerk who cuts a secret out with a shell tool gets no stray CR.
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["username", "full_name", "unit", "role", "secret"])
        for person in people:
            secret = auth.issue_secret(session, by=admin, actor=person)
            writer.writerow(
                [csv_text(person.username), csv_text(person.full_name),
                 units.get(person.unit_id, ""), person.role.value, secret]
            )  # fmt: skip
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InvalidInput("out", f"tệp '{path}' đã có; chọn tệp mới") from None
        except OSError as exc:
            raise InvalidInput("out", f"không tạo được tệp '{path}': {exc.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text.getvalue())
            session.commit()
        except BaseException:
            path.unlink(missing_ok=True)  # secrets that were never committed must not linger
            raise
        count = len(people)
    done(f"Đã cấp mã bí mật cho {count} người dùng, ghi vào {path} (chỉ chủ tệp đọc được).")
    note("Trao từng mã cho đúng người, rồi xóa tệp.")


@actors_app.command("revoke")
def revoke_secret(
    actor: ActorOpt,
    by: Annotated[
        str, typer.Option("--by", help="Quản trị viên thu hồi.", callback=bounded_name("by"))
    ],
) -> None:
    """Thu hồi mã bí mật: người dùng không thao tác được cho tới khi được cấp mã mới."""
    with session_scope() as session:
        admin = authenticated(session, by)
        auth.revoke_secret(session, by=admin, actor=get_actor(session, actor))
    done(f"Đã thu hồi mã bí mật của {actor}")


@actors_app.command("list")
def list_actors(json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Danh sách người dùng, vai trò, đơn vị và việc đã có mã bí mật hay chưa."""
    with session_scope() as session:
        actors = list(session.exec(select(Actor).order_by(Actor.username)).all())
        labels = role_labels(session, actors)
        rows = [
            {
                "username": a.username,
                "full_name": a.full_name,
                "role": a.role.value,
                "role_label": labels[a.username],
                "has_secret": a.secret_hash is not None,
                "active": a.active,
            }
            for a in actors
        ]
    if json_:
        print_json(rows)
        return
    t = table("Người dùng", "Tên đăng nhập", "Họ tên", "Vai trò", "Có mã bí mật")
    for r in rows:
        t.add_row(
            r["username"],
            r["full_name"],
            r["role_label"],
            "có" if r["has_secret"] else "chưa",
        )
    out.print(t)


def delegate(
    actor: ActorOpt,
    to: Annotated[
        str,
        typer.Option("--to", help="Người làm thay (tên đăng nhập).", callback=bounded_name("to")),
    ],
    from_: Annotated[
        str,
        typer.Option(
            "--from", help="Từ (ISO 8601, giờ Việt Nam nếu thiếu).", callback=bounded_name("from")
        ),
    ],
    until: Annotated[
        str, typer.Option("--until", help="Đến (ISO 8601).", callback=bounded_name("until"))
    ],
) -> None:
    """Ủy quyền cho người khác làm thay trong một khoảng thời gian (ghi nhận cả hai tên)."""
    with session_scope() as session:
        who = authenticated(session, actor)
        row = delegation.delegate(
            session,
            principal=who,
            substitute=to,
            starts=localtime.parse(from_, "from"),
            ends=localtime.parse(until, "until"),
        )
        ends, number = row.ends, row.id
    done(
        f"{to} được làm thay {actor} đến {local_time(ends)} (ủy quyền số {number}); "
        f"dùng: thidua --thay-cho {actor} …"
    )


def undelegate(
    actor: ActorOpt,
    number: Annotated[
        int,
        typer.Option(
            "--id", help="Số của ủy quyền (in ra khi ủy quyền).", callback=bounded_id("id")
        ),
    ],
) -> None:
    """Thu hồi ủy quyền mình đã cấp: người làm thay thôi làm thay từ bây giờ."""
    with session_scope() as session:
        who = authenticated(session, actor)
        delegation.revoke(session, principal=who, delegation_id=number)
    done(f"Đã thu hồi ủy quyền số {number}.")


def extend(
    campaign: Annotated[
        int,
        typer.Option("--campaign", help="Số của đợt bình xét.", callback=bounded_id("campaign")),
    ],
    actor: ActorOpt,
    unit: Annotated[
        str, typer.Option("--unit", help="Mã đơn vị được gia hạn.", callback=bounded_name("unit"))
    ],
    until: Annotated[
        str, typer.Option("--until", help="Hạn mới (ISO 8601).", callback=bounded_name("until"))
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Lý do gia hạn.", callback=bounded_reason("reason"))
    ],
) -> None:
    """Cụm trưởng gia hạn cho một đơn vị trong giai đoạn đang mở."""
    with session_scope() as session:
        who = authenticated(session, actor)
        ext = deadlines.grant_extension(
            session,
            actor=who,
            campaign_id=campaign,
            unit_code=unit,
            until=localtime.parse(until, "until"),
            reason=reason,
        )
        new_due = ext.until
    done(f"Đã gia hạn cho {unit} đến {local_time(new_due)}")


def register(app: typer.Typer) -> None:
    app.add_typer(code_app, name="code", rich_help_panel=panels.APPROVERS)
    app.command(rich_help_panel=panels.EVERYONE)(delegate)
    app.command(rich_help_panel=panels.EVERYONE)(undelegate)
    app.command(rich_help_panel=panels.LEADER)(extend)
    app.add_typer(actors_app, name="actor", rich_help_panel=panels.ADMIN)
