"""`thidua bench`: the benchmarks of bench/ (a source checkout only; see BENCHMARKS.md)."""

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from thidua.cli import panels


def _bench_package() -> None:
    """bench/ sits next to thidua/ in a checkout and is not installed: put it on the path."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "runner.py").exists():
        raise typer.BadParameter(
            "thư mục bench/ chỉ có trong mã nguồn (git checkout); hãy chạy từ đó: python -m bench"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def bench(
    sizes: Annotated[str, typer.Option(help="Số cụm, đường domain (không Prefect)")] = "1,10,100",
    prefect_sizes: Annotated[str, typer.Option(help="Số cụm, đường Prefect ('' bỏ qua)")] = "1,10",
    large: Annotated[
        bool, typer.Option(help="Thêm 1000 cụm (domain) và 100 cụm (Prefect): khoảng 1 giờ")
    ] = False,
    postgres: Annotated[
        str | None, typer.Option(help="URL máy chủ PostgreSQL: chạy thêm phần chấm điểm trên đó")
    ] = None,
    only: Annotated[
        str, typer.Option(help="Chỉ chạy: domain,profile,prefect,latency,scoring,web")
    ] = "",
    skip: Annotated[str, typer.Option(help="Bỏ qua các phần này")] = "",
    latency_runs: Annotated[int, typer.Option(help="Số lần chạy mỗi lệnh")] = 15,
    scoring_clusters: Annotated[int, typer.Option(help="Số cụm của phần chấm điểm")] = 1000,
    out: Annotated[Path | None, typer.Option(help="Thư mục kết quả")] = None,
) -> None:
    """Đo hiệu năng: một chu kỳ mô phỏng ở nhiều quy mô, các mức sàn, độ trễ lệnh, chấm điểm
    1000 cụm so với SQL (benchmarks; kết quả và cách đọc: BENCHMARKS.md)."""
    _bench_package()
    # Imported by name: bench/ is not part of the installed package (nor of its type check).
    main = importlib.import_module("bench.runner").main

    argv = ["--sizes", sizes, "--prefect-sizes", prefect_sizes, "--only", only, "--skip", skip]
    argv += ["--latency-runs", str(latency_runs), "--scoring-clusters", str(scoring_clusters)]
    if large:
        argv.append("--large")
    if postgres:
        argv += ["--postgres", postgres]
    if out is not None:
        argv += ["--out", str(out)]
    main(argv)


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=panels.OPERATIONS)(bench)
