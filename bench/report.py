"""The benchmark's results as text: `python -m bench.report results.json` prints them again."""

import json
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

from .targets import (
    CLOSE_MS_TARGET,
    COMMAND_TARGET,
    FLOOR_TARGET,
    GROWTH_TARGET,
    HELP_TARGET,
    SCOPE_TARGET,
    SQL_TARGET,
)

SCOPE = (
    "The Prefect path runs at 1 and 10 clusters by default: each campaign costs five flow-run\n"
    "process starts (its first run and one per resumed wait) of about 5 CPU-seconds each, so\n"
    "100 clusters is ~500 starts, half an hour or more on 2 cores (--large runs it). The\n"
    "domain path (thidua's own work without Prefect, floor a) runs at 1, 10 and 100 clusters\n"
    "(1000 with --large)."
)


def _by_size(d: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return sorted(((int(k), v) for k, v in (d or {}).items()), key=lambda kv: kv[0])


def _f(x: Any, digits: int = 1) -> str:
    if x is None or x == "":
        return "—"
    if isinstance(x, float | int):
        return f"{x:,.{digits}f}"
    return str(x)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def _ok(value: float | None, target: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value <= target else "MISSED"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).rjust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return [line(head), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _run_row(path: str, n: int, r: dict[str, Any]) -> list[str]:
    if "error" in r:
        return [path, str(n), "failed", r.get("log", ""), "", "", "", "", "", ""]
    cpu = r.get("cpu_by_process_s")
    cpu_text = _f(r["cpu_s"])
    if cpu:
        cpu_text += f" ({_f(cpu['server'])}/{_f(cpu['worker'])}/{_f(cpu['client'])})"
    peak = r.get("peak_mb", {})
    mem = "/".join(
        _f(peak.get(k), 0) if peak.get(k) else "—"
        for k in ("server_mb", "worker_mb", "worker_children_max_mb", "client_mb")
    )
    pf = r.get("prefect") or {}
    counts = (
        f"{pf.get('flow_runs', '—')}/{pf.get('process_starts', '—')}/"
        f"{pf.get('suspends', '—')}/{pf.get('resumes', '—')}"
        if pf
        else "—"
    )
    return [
        path,
        str(n),
        _f(r["wall_s"]),
        cpu_text,
        mem,
        _f(r.get("transitions_per_s"), 3) if r.get("transitions_per_s") else "—",
        _f(r.get("rows"), 0) if r.get("rows") is not None else "—",
        _f(r.get("prefect_rows"), 0) if r.get("prefect_rows") is not None else "—",
        counts,
    ]


def render(results: dict[str, Any]) -> str:
    out: list[str] = []
    m = results.get("machine", {})
    out.append(f"thidua bench · {results.get('started', '')} · {results.get('command', '')}")
    out.append(
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu')}), {m.get('memory_gb')} GB; "
        f"Python {m.get('python')}, Prefect {m.get('prefect')}, SQLAlchemy "
        f"{m.get('sqlalchemy')}, SQLite {m.get('sqlite')}"
        + (f", PostgreSQL {m['postgresql']}" if m.get("postgresql") else "")
    )
    out.append("")
    out.append(SCOPE)
    targets: list[str] = []

    # 1. the runs
    domain, prefect, empty = (_by_size(results.get(k, {})) for k in ("domain", "prefect", "empty"))
    if domain or prefect:
        out += ["", "1. A simulated cycle: 20-criterion scheme, 10 units per cluster, everyone"]
        out.append("   acting as soon as their campaign waits. Wall and CPU seconds from the")
        out.append("   trigger until every run is final; CPU = server/worker(+flow runs)/client.")
        head = [
            "path",
            "clusters",
            "wall s",
            "CPU s",
            "peak MB srv/wrk/run/cli",
            "stages/s",
            "rows",
            "Prefect rows",
            "runs/starts/susp/res",
        ]
        rows = [_run_row("domain", n, r) for n, r in domain]
        for n, r in prefect:
            rows.append(_run_row("prefect", n, r))
            e = dict(empty).get(n)
            if e:
                rows.append(_run_row("empty (b)", n, e))
        out += ["   " + ln for ln in _table(head, rows)]
        out.append(
            "   rows: application rows written; stages/s: campaign stages closed per second."
        )

    # 2. floors
    d, p, e = dict(domain), dict(prefect), dict(empty)
    floor_rows: list[list[str]] = []
    ratio_at: dict[int, float | None] = {}
    for n in sorted(p):
        a, b, t = d.get(n, {}), e.get(n, {}), p[n]
        if "wall_s" not in t or "wall_s" not in a or "wall_s" not in b:
            continue
        wall = _ratio(t["wall_s"], a["wall_s"] + b["wall_s"])
        cpu = _ratio(t["cpu_s"], a["cpu_s"] + b["cpu_s"])
        ratio_at[n] = wall
        floor_rows.append(
            [
                str(n),
                _f(t["wall_s"]),
                _f(a["wall_s"]),
                _f(b["wall_s"]),
                _f(wall, 2) + "×",
                _f(t["cpu_s"]),
                _f(a["cpu_s"]),
                _f(b["cpu_s"]),
                _f(cpu, 2) + "×",
            ]
        )
    if floor_rows:
        out += ["", "2. thidua on Prefect against its floors: (a) the same domain work without"]
        out.append(
            "   Prefect, (b) Prefect alone running empty flows with the same runs and waits."
        )
        head = ["clusters", "thidua s", "(a) s", "(b) s", "wall ratio", "thidua CPU"]
        head += ["(a) CPU", "(b) CPU", "CPU ratio"]
        out += ["   " + ln for ln in _table(head, floor_rows)]
    at100 = ratio_at.get(100)
    largest = max(ratio_at) if ratio_at else None
    targets.append(
        f"thidua ≤ {FLOOR_TARGET}× floors (a)+(b) at 100 clusters: "
        + (
            f"{at100}× → {_ok(at100, FLOOR_TARGET)}"
            if at100 is not None
            else f"not measured at 100 (Prefect path needs --large); at {largest} clusters "
            f"{ratio_at[largest]}× → {_ok(ratio_at[largest], FLOOR_TARGET)} there"
            if largest
            else "not measured"
        )
    )

    # 3. growth
    growth: list[str] = []
    for label, runs in (("domain", domain), ("prefect", prefect)):
        ok = [(n, r) for n, r in runs if "wall_s" in r]
        for (n1, r1), (n2, r2) in pairwise(ok):
            growth.append(
                f"   {label:8} {n1:>5} → {n2:<5} clusters ({n2 // n1}×): wall "
                f"{_ratio(r2['wall_s'], r1['wall_s'])}×, CPU {_ratio(r2['cpu_s'], r1['cpu_s'])}×,"
                f" rows {_ratio(r2.get('rows'), r1.get('rows'))}×"
            )
    if growth:
        out += ["", "3. Growth between sizes (linear = the ratio of sizes)", *growth]
    g = dict(domain)
    g100 = _ratio(g.get(100, {}).get("wall_s"), g.get(10, {}).get("wall_s"))
    targets.append(
        f"linear growth, 100 clusters ≤ {GROWTH_TARGET}× 10 (domain path, wall): "
        + (f"{g100}× → {_ok(g100, GROWTH_TARGET)}" if g100 is not None else "not measured")
    )
    gp = dict(prefect)
    gp100 = _ratio(gp.get(100, {}).get("wall_s"), gp.get(10, {}).get("wall_s"))
    if gp100 is not None:
        targets.append(
            f"linear growth on Prefect, 100 ≤ {GROWTH_TARGET}× 10: {gp100}× → "
            f"{_ok(gp100, GROWTH_TARGET)}"
        )

    # 4. latency
    lat = results.get("latency") or {}
    if lat and "error" not in lat:
        out += [
            "",
            f"4. What people wait for: each command a fresh process ({lat['pending']['runs']}",
        ]
        out.append(f"   runs each; {lat.get('open_campaigns')} open campaigns in their vote stage)")
        names = {
            "typer_floor": ('floor: python -c "import typer"', "typer_floor"),
            "typer_help_floor": ("floor: a two-command Typer app's --help", "typer_floor"),
            "help": ("thidua --help", "typer_floor"),
            "import_floor": ('floor: python -c "import thidua.db"', "import_floor"),
            "pending": ("thidua pending --actor X", "import_floor"),
            "status": ("thidua status --actor X", "import_floor"),
            "ballot": ("thidua submit ballot …", "import_floor"),
        }
        rows = [
            [
                label,
                _f(lat[k]["median_s"], 3),
                _f(lat[k]["p95_s"], 3),
                _f(_ratio(lat[k]["median_s"], lat[floor]["median_s"]), 2) + "×",
            ]
            for k, (label, floor) in names.items()
            if k in lat
        ]
        out += ["   " + ln for ln in _table(["command", "median s", "p95 s", "× floor"], rows)]
        help_ratio = _ratio(lat["help"]["median_s"], lat["typer_floor"]["median_s"])
        panels_ratio = _ratio(lat["help"]["median_s"], lat["typer_help_floor"]["median_s"])
        targets.append(
            f"thidua --help ≤ {HELP_TARGET}× import typer: {help_ratio}× → "
            f"{_ok(help_ratio, HELP_TARGET)} ({panels_ratio}× a two-command Typer app's --help)"
        )
        each = {
            name: _ratio(r["median_s"], r["floor_median_s"])
            for name, r in (lat.get("help_each") or {}).items()
        }
        if each:
            worst = max(each, key=lambda n: each[n] or 0)
            met = sorted(n for n, r in each.items() if r is not None and r <= HELP_TARGET)
            out.append(
                "   thidua <command> --help, × its own typer floor (median of 3): "
                + ", ".join(f"{n} {r}×" for n, r in each.items())
            )
            targets.append(
                f"every thidua <command> --help ≤ {HELP_TARGET}× import typer: worst {worst} "
                f"{each[worst]}× → {_ok(each[worst], HELP_TARGET)} ({len(met)} of {len(each)} met)"
            )
        for k in ("pending", "status", "ballot"):
            r = _ratio(lat[k]["median_s"], lat["import_floor"]["median_s"])
            targets.append(
                f"{k} ≤ {COMMAND_TARGET}× import thidua.db: {r}× → {_ok(r, COMMAND_TARGET)}"
            )
    elif lat:
        out += ["", f"4. Latency: failed ({lat.get('log')})"]
    scale = results.get("pending_scale") or {}
    small, large = scale.get("10") or {}, scale.get("1000") or {}
    if "median_s" in small and "median_s" in large:
        r = _ratio(large["median_s"], small["median_s"])
        out.append(
            f"   pending for one officer: {small['median_s']} s with {small['open_campaigns']} "
            f"open campaigns, {large['median_s']} s with {large['open_campaigns']}"
        )
        targets.append(
            f"pending at 1000 open ≤ {SCOPE_TARGET}× at 10: {r}× → {_ok(r, SCOPE_TARGET)}"
        )

    # 5. scoring
    scoring = results.get("scoring") or {}
    for backend, s in scoring.items():
        if "error" in s:
            out += ["", f"5. Scoring on {backend}: failed ({s.get('log')})"]
            continue
        pr, vt, gen = s["peer_review"], s["vote"], s["generate"]
        rows_gen = s["rows_generated"]
        out += [
            "",
            f"5. Scoring and tallying {s['clusters']} clusters on {backend}, against the same",
        ]
        out.append("   aggregation as one SQL statement (every row fetched)")
        out.append(
            f"   generated: {rows_gen.get('peerscore', 0):,} peer-score rows, "
            f"{rows_gen.get('peerreview', 0):,} reviews, {rows_gen.get('selfscore', 0):,} "
            f"self-score rows, {rows_gen.get('ballot', 0):,} ballots in "
            f"{gen['bulk_peer_review_s'] + gen.get('bulk_votes_s', 0):.1f} s bulk "
            f"(organisation {gen['organisation_s']:.1f} s, "
            f"start_cycle {gen['start_cycle_s']:.1f} s)"
        )
        sql = pr["sql_from_totals_s"]
        rows = [
            ["SQL: consolidate + rank from review totals", _f(sql, 3), "1.00×"],
            [
                "SQL: same, totals re-summed from peer scores",
                _f(pr["sql_from_scores_s"], 3),
                _f(_ratio(pr["sql_from_scores_s"], sql), 2) + "×",
            ],
            [
                "service: read + consolidate + rank, all at once",
                _f(pr["service_compute_s"], 3),
                _f(_ratio(pr["service_compute_s"], sql), 2) + "×",
            ],
            [
                "service: the same, campaign by campaign",
                _f(pr.get("per_campaign_compute_s"), 3),
                _f(_ratio(pr.get("per_campaign_compute_s"), sql), 2) + "×",
            ],
            [
                "service: close_stage (+store, audit, notify, open)",
                _f(pr["service_close_s"], 3),
                _f(_ratio(pr["service_close_s"], sql), 2) + "×",
            ],
            ["SQL: tally every question of every vote", _f(vt["sql_tally_s"], 3), ""],
            [
                "service: read ballots + tally",
                _f(vt["service_compute_s"], 3),
                _f(_ratio(vt["service_compute_s"], vt["sql_tally_s"]), 2) + "× SQL tally",
            ],
            [
                "service: close_stage (+minutes, audit, notify)",
                _f(vt["service_close_s"], 3),
                _f(_ratio(vt["service_close_s"], vt["sql_tally_s"]), 2) + "× SQL tally",
            ],
        ]
        out += [
            "   " + ln for ln in _table(["peer review / vote, all clusters", "s", "ratio"], rows)
        ]
        out.append(
            f"   SQL and service agree on the consolidated scores: {pr.get('sql_matches_service')}"
        )
        pend = s.get("pending_at_scale")
        if pend:
            out.append(
                f"   thidua pending with {s['clusters']} open campaigns: median "
                f"{pend['median_s']} s, p95 {pend['p95_s']} s ({pend['runs']} runs)"
            )
        ratio = _ratio(pr["service_compute_s"], sql)
        close_ms = pr.get("close_ms_per_campaign")
        if close_ms is not None:
            out.append(
                f"   close_stage per campaign: peer review {close_ms:.1f} ms "
                f"(CPU {pr.get('close_cpu_ms_per_campaign', 0):.1f} ms), vote "
                f"{vt.get('close_ms_per_campaign', 0):.1f} ms "
                f"(CPU {vt.get('close_cpu_ms_per_campaign', 0):.1f} ms)"
            )
        targets.append(
            f"{s['clusters']}-cluster scoring ({backend}): computation within {SQL_TARGET}× SQL: "
            f"{ratio}× → {_ok(ratio, SQL_TARGET)}; peer-review close_stage under "
            f"{CLOSE_MS_TARGET:.0f} ms per campaign: "
            + (f"{close_ms:.1f} ms → {_ok(close_ms, CLOSE_MS_TARGET)}" if close_ms else "–")
        )

    prof = results.get("profile") or {}
    if prof.get("by_package"):
        out += ["", f"6. Where the domain path's time goes ({prof['clusters']} clusters, cProfile:"]
        out.append(
            f"   {prof['wall_s']} s under the profiler; full listing in {prof.get('profile_text')})"
        )
        rows = [
            [r["package"], _f(r["own_s"], 2), f"{r['share']:.0%}"] for r in prof["by_package"][:10]
        ]
        out += ["   " + ln for ln in _table(["own time in", "s", "share"], rows)]
        rows = [
            [r["function"][-72:], str(r["calls"]), _f(r["cumulative_s"], 2), f"{r['share']:.0%}"]
            for r in prof["project_cumulative"][:16]
        ]
        out.append("")
        out += [
            "   " + ln
            for ln in _table(["thidua function (cumulative)", "calls", "s", "share"], rows)
        ]

    if results.get("web"):
        from .web_report import render as render_web

        for key, db in (("web", "SQLite"), ("web_postgresql", "PostgreSQL")):
            lines, web_targets = render_web(results.get(key) or {}, _table, db)
            out += lines
            targets += web_targets

    out += ["", "Targets (measured, not asserted):", *("  - " + t for t in targets)]
    out.append(f"\nTotal time: {results.get('total_s')} s")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text())))
