"""`thidua deploy`: the work pool and the deployments of thidua on a Prefect server.

Workers on any machine with thidua installed then run the flow runs:
`prefect worker start --pool thidua-process` (or `thidua worker --pool thidua-process`).
"""

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from deployments.names import POOL, YEARLY_CRON
from rules.config import CycleRules
from thidua.cli import panels
from thidua.cli.files import load_model
from thidua.cli.io import done, note, out
from thidua.errors import ThiduaError
from thidua.settings import get_settings


def prefect_api() -> str:
    """PREFECT_API_URL (environment or Prefect profile), else a local server that answers."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value() or f"http://127.0.0.1:{get_settings().prefect_port}/api"
    try:
        httpx.get(f"{url.rstrip('/')}/health", timeout=5)
    except httpx.HTTPError as exc:
        raise ThiduaError(
            f"Không kết nối được Prefect API tại {url} ({type(exc).__name__}). Đặt "
            "PREFECT_API_URL trỏ tới máy chủ Prefect, hoặc chạy `thidua server`."
        ) from None
    return url


def ensure_pool(name: str) -> bool:
    """Create the process work pool `name` unless it exists. True if it was created."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name,
                    type="process",
                    description="Các lượt chạy của thidua (chu kỳ, đợt bình xét, quét hạn).",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                )
            )
            return True
        if pool.type != "process":
            raise ThiduaError(
                f"Work pool '{name}' đã có nhưng là loại '{pool.type}', không phải 'process'"
            )
        return False


def deploy_all(
    pool: str = POOL,
    *,
    sweep_every: timedelta = timedelta(minutes=5),
    yearly_cron: str | None = YEARLY_CRON,
    cycle: dict[str, Any] | None = None,
) -> list[str]:
    """The pool (if missing) and every deployment on it; returns the deployments' full names.
    Safe to run again: it updates what exists (the way to roll out a new thidua version)."""
    from deployments.definitions import deployments

    ensure_pool(pool)
    names = []
    for d in deployments(sweep_every=sweep_every, yearly_cron=yearly_cron, cycle=cycle):
        d.apply(work_pool_name=pool)
        names.append(d.full_name)
    return names


def deploy(
    pool: Annotated[str, typer.Option("--pool", help="Work pool loại process")] = POOL,
    sweep_minutes: Annotated[
        float, typer.Option(help="Chu kỳ quét hạn (phút)", min=0.1, max=1440)
    ] = 5,
    yearly_cron: Annotated[
        str,
        typer.Option(help="Lịch chu kỳ hằng năm (cron, theo THIDUA_TIMEZONE); '' = không lịch"),
    ] = YEARLY_CRON,
    movement: Annotated[str, typer.Option(help="Mã phong trào của chu kỳ theo lịch")] = "VANTQ",
    admin: Annotated[str, typer.Option(help="Quản trị viên đứng tên chu kỳ theo lịch")] = "quantri",
    rules_file: Annotated[
        Path | None,
        typer.Option("--rules", help="Quy định cho chu kỳ theo lịch (mặc định: quy định mẫu)"),
    ] = None,
) -> None:
    """Tạo work pool (nếu chưa có) và đăng ký các deployment của thidua lên máy chủ Prefect."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from deployments.definitions import cycle_parameters

    rules = load_model(rules_file, CycleRules, prefix="rules") if rules_file else None
    url = prefect_api()
    cycle = cycle_parameters(
        movement=movement, admin=admin, rules=rules.model_dump(mode="json") if rules else None
    )
    with temporary_settings(updates={PREFECT_API_URL: url}):
        names = deploy_all(
            pool,
            sweep_every=timedelta(minutes=sweep_minutes),
            yearly_cron=yearly_cron or None,
            cycle=cycle,
        )
    done(f"Đã đăng ký {len(names)} deployment lên work pool '{pool}' ({url}):")
    for name in names:
        out.print(f"  • {name}", markup=False, highlight=False)
    if yearly_cron:
        note(f"Chu kỳ hằng năm chạy theo lịch '{yearly_cron}' ({get_settings().timezone}).")
    note(
        f"Trên mỗi máy chạy: prefect worker start --pool {pool}  (hoặc: thidua worker --pool "
        f"{pool}), với THIDUA_DATABASE_URL và PREFECT_API_URL như máy này."
    )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=panels.OPERATIONS)(deploy)
