"""`thidua web`: the web portal for every role (thidua/web), served by Uvicorn."""

from typing import Annotated

import typer

from thidua.cli import panels


def web(
    host: Annotated[
        str | None, typer.Option(help="Địa chỉ lắng nghe (mặc định THIDUA_WEB_HOST, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Cổng (mặc định THIDUA_WEB_PORT, 8420).", min=1024, max=65535),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Số tiến trình Uvicorn (mặc định THIDUA_WEB_WORKERS, 1).", min=1, max=64),
    ] = None,
) -> None:
    """Chạy cổng thông tin web (đăng nhập, việc của tôi, tình hình, kết quả) cho mọi vai trò.
    Chạy sau reverse proxy khi dùng thật: xem docs/deploy.md."""
    from thidua.web.serve import run

    run(host=host, port=port, workers=workers)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=panels.OPERATIONS)(web)
