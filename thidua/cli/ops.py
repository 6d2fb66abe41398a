"""Operations: a local Prefect server, a worker, the deadline sweep, and the demo.

Prefect and the simulation are imported inside the commands that use them: `thidua --help`
and the commands of officers and approvers never pay for them.
"""

import os
import signal
import time
from types import FrameType
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from rules.stages import Stage
from thidua.cli import panels
from thidua.cli.io import done, note
from thidua.cli.io import out as console
from thidua.cli.views import print_report
from thidua.db import session_scope
from thidua.homedir import private_dir
from thidua.localserver import StartupError, start_server
from thidua.services.queries import CampaignState, report
from thidua.settings import get_settings


def _stop_on_sigterm() -> None:
    # A terminated demo or server must still stop its child processes (finally blocks run).
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _local_api() -> str:
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    url = f"http://127.0.0.1:{get_settings().prefect_port}/api"
    try:
        httpx.get(f"{url}/health", timeout=2).raise_for_status()
    except httpx.HTTPError:
        raise typer.BadParameter(
            f"không có máy chủ Prefect ở {url}: chạy `thidua server` trước, "
            "hoặc đặt PREFECT_API_URL"
        ) from None
    return url


def server(
    port: Annotated[int, typer.Option(help="Cổng của máy chủ Prefect")] = 0,
) -> None:
    """Chạy máy chủ Prefect cục bộ (có giao diện) cho tới khi nhấn Ctrl-C."""
    _stop_on_sigterm()
    settings = get_settings()
    private_dir(settings.home)
    try:
        local = start_server(settings.home / "prefect", port=port or settings.prefect_port)
    except StartupError as exc:
        raise typer.BadParameter(str(exc)) from None
    done(f"Máy chủ Prefect: {local.ui}  (API: {local.url})")
    note(f"Trong cửa sổ khác: export PREFECT_API_URL={local.url}; thidua worker")
    try:
        while all(c.process.poll() is None for c in local.children):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        local.stop()


def worker(
    limit: Annotated[
        int | None,
        typer.Option(help="Số lượt chạy cùng lúc tối đa (mặc định THIDUA_FLOW_RUN_LIMIT)"),
    ] = None,
    sweep_seconds: Annotated[int, typer.Option(help="Chu kỳ quét hạn (giây)")] = 60,
    pool: Annotated[
        str | None,
        typer.Option(help="Chạy worker của work pool này (sau `thidua deploy`) thay cho serve"),
    ] = None,
) -> None:
    """Phục vụ các deployment của thidua (chu kỳ, đợt bình xét, quét hạn) trên máy này;
    với --pool: một worker của work pool (prefect worker start --pool …)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from deployments.serve import main

    url = _local_api()
    if pool:
        from thidua.localserver import worker_command

        args = worker_command(pool, limit=limit)
        os.environ["PREFECT_API_URL"] = url
        os.execvp(args[0], args)  # the worker is this process: Ctrl-C and SIGTERM reach it
    with temporary_settings(updates={PREFECT_API_URL: url}):
        main(limit=limit, sweep_seconds=sweep_seconds)


def sweep() -> None:
    """Đánh thức các đợt bình xét đã đến hạn hoặc đã đủ điều kiện chuyển giai đoạn."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from thidua import orchestration

    with temporary_settings(updates={PREFECT_API_URL: _local_api()}):
        woken = orchestration.sweep_once(lambda m: console.print(m))
    done(f"Đã đánh thức {woken} đợt bình xét")


def _next_steps(prefix: str, campaign_id: int) -> None:
    """Where the demo's data is, and the commands that read it next."""
    where = get_settings().effective_database_url
    if prefix:
        where = prefix.split("=", 1)[1].strip() + " (không phải cơ sở dữ liệu thật của bạn)"
    note(f"Dữ liệu của demo: {where}. Xem tiếp bằng:")
    for command in (
        "thidua status",
        f"thidua report --campaign {campaign_id}",
        f"thidua report --campaign {campaign_id} --document to-trinh.md",
    ):
        console.print(f"  {prefix}{command}", markup=False, highlight=False)


def demo_progress(console: Console) -> Progress:
    """One line per campaign that fits 80 columns: the cluster, a short bar, the stage with
    what it has received, the time taken."""
    return Progress(
        TextColumn(
            "{task.description}", table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)
        ),
        BarColumn(bar_width=12),
        TextColumn("{task.fields[stage]}", table_column=Column(no_wrap=True)),
        TimeElapsedColumn(),
        console=console,
    )


def _cluster(state: CampaignState) -> str:
    # The run's name is "year · cluster · movement"; the demo's header says the year and movement.
    parts = state.name.split(" · ")
    return f"#{state.campaign_id} " + (parts[1] if len(parts) == 3 else state.name)


def show_progress(bar: Progress, tasks: dict[int, TaskID], states: list[CampaignState]) -> None:
    for s in states:
        if s.campaign_id not in tasks:
            tasks[s.campaign_id] = bar.add_task(_cluster(s), total=len(Stage), stage="")
        number = Stage(s.stage).number - 1
        finished = s.status == "completed"
        count = f" ({s.received}/{s.expected})" if s.expected else ""
        label = "hoàn thành" if finished else f"{number + 1}/5 {s.stage_label}{count}"
        bar.update(tasks[s.campaign_id], completed=len(Stage) if finished else number, stage=label)


def demo(
    seed: Annotated[int, typer.Option(help="Hạt giống của người tham gia mô phỏng")] = 2019,
    self_assessment_seconds: Annotated[
        int, typer.Option(help="Thời hạn giai đoạn tự chấm trong demo (giây)")
    ] = 30,
    keep_running: Annotated[
        bool,
        typer.Option(help="Giữ máy chủ Prefect và cổng web chạy sau demo (Ctrl-C để dừng)"),
    ] = False,
) -> None:
    """Chạy trọn một chu kỳ của Cụm thi đua số 4 (dữ liệu mẫu) trên Prefect, có người tham gia
    mô phỏng: một bản tự chấm bị trả lại, một đơn vị trễ hạn."""
    from simulation.demo import DemoError, prefect_for_demo, prepare_database, run_cycle
    from simulation.participants import Script
    from thidua.links import ui_url

    _stop_on_sigterm()
    settings = get_settings()
    home = settings.home
    prefix = prepare_database(home)
    console.print(
        "[bold]thidua demo[/]: chu kỳ thi đua 2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc"
    )
    log = lambda m: console.print(f"  [dim]{m}[/]")  # noqa: E731
    try:
        with prefect_for_demo(home, log) as local:
            local.start_worker(log=home / "worker.log")
            log(f"Máy chủ Prefect: {local.ui}; worker đang phục vụ các deployment")
            if keep_running:
                web_url = local.start_web(log=home / "web.log", port=settings.web_port)
                log(f"Cổng thông tin web: {web_url} (đăng nhập bằng mã bí mật của người dùng)")
            with demo_progress(console) as bar:
                tasks: dict[int, TaskID] = {}

                def on_change(states: list[CampaignState]) -> None:
                    show_progress(bar, tasks, states)

                campaign_ids, run_ids = run_cycle(
                    script=Script(seed=seed),
                    log=log,
                    on_change=on_change,
                    self_assessment_seconds=self_assessment_seconds,
                )
            with session_scope() as session:
                for cid in campaign_ids:
                    data = report(session, cid)
                    print_report(data, Stage(data["stage"]).label)
            for rid in run_ids:
                done(f"Xem trên giao diện Prefect: {ui_url(rid)}")
            _next_steps(prefix, campaign_ids[0])
            if keep_running:
                note(
                    f"Máy chủ Prefect ({local.ui}) và cổng web ({web_url}) vẫn chạy; "
                    "Ctrl-C để dừng."
                )
                while True:
                    time.sleep(1)
    except KeyboardInterrupt:
        note("Đã dừng.")
    except (DemoError, StartupError) as exc:
        console.print(f"Lỗi: {exc}", style="red", markup=False)
        raise typer.Exit(1) from None
    if not keep_running:
        note(
            "Máy chủ Prefect đã dừng; các lượt chạy vẫn được lưu. Mở lại giao diện bằng "
            "`thidua server` rồi vào đường dẫn ở trên."
        )


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=panels.OPERATIONS)(server)
    app.command(rich_help_panel=panels.OPERATIONS)(worker)
    app.command(rich_help_panel=panels.OPERATIONS)(sweep)
    app.command(rich_help_panel=panels.OPERATIONS)(demo)
