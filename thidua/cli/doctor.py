"""`thidua doctor`: is everything thidua needs there? Database, migrations, Prefect, deployments,
workers. Each check says ok or failed, and how to fix it; the exit code is 1 if any failed.
A warning (files others can read) is shown with its fix but does not fail: everything works."""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import typer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from deployments.names import POOL
from thidua import migrate
from thidua.cli import panels
from thidua.cli.io import out, print_json
from thidua.db import get_engine
from thidua.homedir import exposed, sqlite_file
from thidua.settings import get_settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False


class Failed(Exception):
    """A check failed: its detail and how to fix it."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {text_[0] if text_ else ''}"


class Warned(Exception):
    """A check passed but found something to fix: its detail and how."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fix = fix


def check_privacy() -> str:
    settings = get_settings()
    database = sqlite_file(settings.effective_database_url)
    found = list(exposed(settings.home, database))
    if found:
        raise Warned(
            "người dùng khác trên máy đọc được: "
            + ", ".join(f"{p} ({mode:o})" for p, mode in found),
            "chmod 700 cho thư mục, chmod 600 cho tệp cơ sở dữ liệu (hoặc chạy lại `thidua init`)",
        )
    return f"chỉ chủ sở hữu đọc được {settings.home}"


def check_database() -> str:
    url = make_url(get_settings().effective_database_url)
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise Failed(
            f"{url.render_as_string(hide_password=True)}: {_first_line(exc)}",
            "Kiểm tra THIDUA_DATABASE_URL và máy chủ cơ sở dữ liệu (PostgreSQL có chạy, "
            "người dùng có quyền).",
        ) from None
    return url.render_as_string(hide_password=True)


def check_migrations() -> str:
    current, head = migrate.current_revision(get_engine()), migrate.head_revision()
    if current != head:
        raise Failed(
            f"cơ sở dữ liệu ở phiên bản {current or '(chưa có)'}, mã cần {head}",
            "Chạy `thidua db upgrade` (sao lưu trước: docs/deploy.md).",
        )
    return f"phiên bản {head}"


def check_api(url: str) -> str:
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=5)
    except httpx.HTTPError as exc:
        raise Failed(
            f"{url}: {type(exc).__name__}",
            "Đặt PREFECT_API_URL trỏ tới máy chủ Prefect (…/api), hoặc chạy `thidua server`.",
        ) from None
    if response.status_code != 200:
        raise Failed(f"{url}: HTTP {response.status_code}", "Xem nhật ký của máy chủ Prefect.")
    # /health answers without the auth string; a real call tells whether ours is accepted.
    from prefect import get_client
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as c:
            c.hello()
    except PrefectHTTPStatusError as exc:
        if exc.response.status_code == 401:
            raise Failed(
                f"{url}: 401, máy chủ đòi xác thực",
                "Đặt PREFECT_API_AUTH_STRING (user:password) giống PREFECT_SERVER_API_AUTH_STRING "
                "của máy chủ.",
            ) from None
        raise Failed(
            f"{url}: HTTP {exc.response.status_code}", "Xem nhật ký của máy chủ Prefect."
        ) from None
    return url


def _read_deployments() -> dict[str, Any]:
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    from deployments.definitions import full_names

    found: dict[str, Any] = {}
    with get_client(sync_client=True) as client:
        for name in full_names():
            with suppress(ObjectNotFound):
                found[name] = client.read_deployment_by_name(name)
    return found


def check_deployments(found: dict[str, Any]) -> str:
    from deployments.definitions import full_names

    missing = [n for n in full_names() if n not in found]
    if missing:
        raise Failed(
            f"thiếu {', '.join(missing)}",
            f"Chạy `thidua deploy --pool {POOL}` (work pool), hoặc `thidua worker` (một máy).",
        )
    pools = {d.work_pool_name for d in found.values()}
    if pools == {None}:
        return "mô hình serve (một máy): " + ", ".join(found)
    return f"work pool {', '.join(sorted(p or '(serve)' for p in pools))}: " + ", ".join(found)


def check_workers(found: dict[str, Any], pool: str) -> str:
    from prefect import get_client
    from prefect.client.schemas.objects import DeploymentStatus, WorkerStatus
    from prefect.exceptions import ObjectNotFound

    pools = sorted({d.work_pool_name for d in found.values() if d.work_pool_name}) or (
        [pool] if not found else []
    )
    if not pools:  # the serve model: the serving process marks its deployments ready
        not_ready = [n for n, d in found.items() if d.status != DeploymentStatus.READY]
        if not_ready:
            raise Failed(
                f"không có tiến trình nào phục vụ {', '.join(not_ready)}",
                "Chạy `thidua worker` trên máy chạy các lượt.",
            )
        return "tiến trình serve đang phục vụ các deployment"
    lines = []
    with get_client(sync_client=True) as client:
        for name in pools:
            try:
                workers = client.read_workers_for_work_pool(name)
            except ObjectNotFound:
                raise Failed(
                    f"không có work pool '{name}'", f"Chạy `thidua deploy --pool {name}`."
                ) from None
            online = [w.name for w in workers if w.status == WorkerStatus.ONLINE]
            if not online:
                raise Failed(
                    f"work pool '{name}' không có worker nào đang chạy",
                    f"Trên mỗi máy chạy: prefect worker start --pool {name}",
                )
            lines.append(f"{name}: {len(online)} worker ({', '.join(sorted(online))})")
    return "; ".join(lines)


def run_checks(pool: str = POOL) -> list[Check]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    checks: list[Check] = []

    def run(name: str, fn: Callable[[], str]) -> bool:
        try:
            checks.append(Check(name, True, fn()))
            return True
        except Failed as exc:
            checks.append(Check(name, False, exc.detail, exc.fix))
        except Warned as exc:
            checks.append(Check(name, True, exc.detail, exc.fix, warning=True))
            return True
        except Exception as exc:  # a check must report, never crash the doctor
            checks.append(Check(name, False, _first_line(exc), "Xem chi tiết lỗi ở trên."))
        return False

    skipped = "bỏ qua: kiểm tra trước đó chưa đạt"
    run("privacy", check_privacy)
    if run("database", check_database):
        run("migrations", check_migrations)
    else:
        checks.append(Check("migrations", False, skipped, "Sửa kết nối cơ sở dữ liệu trước."))
    url = PREFECT_API_URL.value() or f"http://127.0.0.1:{get_settings().prefect_port}/api"
    if not run("prefect_api", lambda: check_api(url)):
        for name in ("deployments", "workers"):
            checks.append(Check(name, False, skipped, "Sửa kết nối Prefect API trước."))
        return checks
    with temporary_settings(updates={PREFECT_API_URL: url}):
        found: dict[str, Any] = {}

        def deployments() -> str:
            found.update(_read_deployments())
            return check_deployments(found)

        run("deployments", deployments)
        run("workers", lambda: check_workers(found, pool))
    return checks


LABELS = {
    "privacy": "Quyền đọc tệp",
    "database": "Cơ sở dữ liệu",
    "migrations": "Phiên bản lược đồ",
    "prefect_api": "Prefect API",
    "deployments": "Deployments",
    "workers": "Worker",
}


def doctor(
    pool: Annotated[str, typer.Option(help="Work pool cần có worker (nếu chưa deploy)")] = POOL,
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON.")] = False,
) -> None:
    """Kiểm tra cơ sở dữ liệu, migration, Prefect API, deployments và worker; chỉ cách sửa."""
    checks = run_checks(pool)
    failed = [c for c in checks if not c.ok]
    if as_json:
        print_json({"ok": not failed, "checks": [asdict(c) for c in checks]})
    else:
        for c in checks:
            mark = "[yellow]  warn[/]" if c.warning else "[green]    ok[/]"
            mark = mark if c.ok else "[red]failed[/]"
            out.print(f"{mark}  [bold]{LABELS[c.name]}[/]: ", end="")
            out.print(c.detail, markup=False, highlight=False)
            if c.fix:
                out.print(f"{'':>8}→ {c.fix}", markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=panels.OPERATIONS)(doctor)
