"""The benchmark's smoke test: its domain path at one cluster prints sane figures.

No timing is asserted (the figures depend on the machine); only that each figure is there and
plausible: a whole cycle closed five stages and wrote its rows.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_domain_path_at_one_cluster_prints_its_figures(tmp_path: Path) -> None:
    args = ["--only", "domain", "--sizes", "1", "--prefect-sizes", "", "--out", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    row = re.search(
        r"^\s*domain\s+1\s+([\d.,]+)\s+([\d.,]+)\s+(\S+)\s+([\d.]+)\s+([\d,]+)", out, re.M
    )
    assert row, out
    wall, cpu, peak, stages_per_s, rows = row.groups()
    assert float(wall) > 0 and float(cpu) > 0 and float(stages_per_s) > 0
    assert float(peak.split("/")[-1]) > 20  # the client's peak memory, MB
    assert int(rows.replace(",", "")) > 2000  # 1800 peer-score lines alone
    assert "Targets (measured, not asserted)" in out

    result = json.loads((tmp_path / "results.json").read_text())["domain"]["1"]
    assert result["transitions"] == 5  # the five stages closed, once each
    assert result["rows_by_table"]["peerscore"] == 10 * 9 * 20  # 20-criterion sheets
    assert result["rows_by_table"]["ballot"] == 10
    assert result["cpu_s"] <= result["wall_s"] * 2 + 1


def test_web_path_at_a_tiny_size_prints_its_figures(tmp_path: Path) -> None:
    """The portal over HTTP: a real Uvicorn process, ballots through the API, the crowd counted.
    Figures are printed, never compared with a target here."""
    # 50 officers at once: more than the server's thread pool (40), where a transaction held
    # across two of its hops once starved it until SQLite's busy timeout failed them.
    args = ["--only", "web", "--web-sizes", "6", "--web-runs", "3", "--web-cli-runs", "1"]
    args += ["--web-crowd", "5", "--out", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "The portal over HTTP" in done.stdout, done.stdout
    result = json.loads((tmp_path / "results.json").read_text())["web"]["6"]
    assert "error" not in result, (tmp_path / "web-6.log").read_text()[-2000:]
    assert result["ballot_api"]["runs"] == 3 and result["html_pending"] is True
    crowd = result["crowd"]
    assert crowd["officers"] == crowd["accepted"] == crowd["ballots"] == crowd["voter_roll"] == 50
    assert crowd["lost"] == crowd["doubled"] == crowd["errors"] == 0
