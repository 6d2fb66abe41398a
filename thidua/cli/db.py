"""`thidua db`: migrations of the application database (upgrade, current revision, stamp)."""

from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from thidua import migrate
from thidua.cli import panels
from thidua.cli.io import done, note, out, print_json
from thidua.db import get_engine
from thidua.settings import get_settings

db_app = typer.Typer(
    help="Cơ sở dữ liệu của ứng dụng: nâng cấp lược đồ (migration), xem phiên bản.",
    no_args_is_help=True,
)


def _where() -> str:
    return make_url(get_settings().effective_database_url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Phiên bản đích (mặc định: mới nhất)")] = "head",
) -> None:
    """Nâng cấp lược đồ lên phiên bản mới nhất (alembic upgrade head); chạy lại không sao."""
    before, after = migrate.upgrade(get_engine(), revision)
    if before == after:
        done(f"Lược đồ đã ở phiên bản {after}: không có gì để nâng cấp ({_where()})")
    else:
        done(f"Đã nâng cấp lược đồ {before or '(trống)'} → {after} ({_where()})")


@db_app.command("current")
def current(
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON.")] = False,
) -> None:
    """Phiên bản lược đồ của cơ sở dữ liệu và phiên bản mới nhất của mã."""
    now, head = migrate.current_revision(get_engine()), migrate.head_revision()
    if as_json:
        print_json({"database": _where(), "current": now, "head": head, "up_to_date": now == head})
        return
    out.print(f"{_where()}: phiên bản {now or '(chưa có)'}; mới nhất: {head}", markup=False)
    if now != head:
        note("Chạy `thidua db upgrade` để nâng cấp.")
        raise typer.Exit(1)


@db_app.command("stamp")
def stamp(
    revision: Annotated[str, typer.Argument(help="Phiên bản ghi nhận, ví dụ head")],
) -> None:
    """Ghi nhận phiên bản lược đồ mà không chạy migration (nhận một cơ sở dữ liệu tạo trước khi
    có migration, khi đã chắc lược đồ khớp)."""
    migrate.stamp(get_engine(), revision)
    done(f"Đã ghi nhận phiên bản {revision} cho {_where()}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db", rich_help_panel=panels.ADMIN)
