"""The web benchmark's figures as text (bench/web.py measures them; report.py prints them)."""

from typing import Any

from .targets import WEB_MEDIAN_MS, WEB_P95_MS

ROWS = (
    ("floor", "floor: the same server, a constant page"),
    ("pending_html", "việc của tôi (HTML page, signed in)"),
    ("pending_api", "việc của tôi (GET /api/v1/pending)"),
    ("ballot_api", "cast a ballot (POST /api/v1/…/ballot)"),
    ("pending_cli", "CLI: thidua pending (fresh process)"),
    ("ballot_cli", "CLI: thidua submit ballot (fresh process)"),
)
MEASURED = ("pending_html", "pending_api", "ballot_api")


def _ok(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def render(web: dict[str, Any], table: Any, db: str = "SQLite") -> tuple[list[str], list[str]]:
    """Lines of section 7 and the targets' lines, from results["web"] (or "web_postgresql")."""
    out: list[str] = []
    targets: list[str] = []
    for size, r in sorted(web.items(), key=lambda kv: int(kv[0])):
        if "error" in r:
            failed = f"failed ({r.get('log')})"
            out += ["", f"7. The portal over HTTP ({db}) at {size} clusters: {failed}"]
            continue
        out += [
            "",
            f"7. The portal over HTTP ({db}), one Uvicorn process: {r['open_campaigns']} open"
            f" campaigns"
            f" ({r['vote_campaigns']} in their vote stage); server CPU {r['server_cpu_s']} s",
        ]
        floor = r["floor"]["median_ms"] or None
        rows = []
        for key, label in ROWS:
            if key not in r:
                continue
            m = r[key]
            ratio = f"{m['median_ms'] / floor:.1f}×" if floor else "—"
            rows.append([label, f"{m['median_ms']:.1f}", f"{m['p95_ms']:.1f}", ratio,
                         str(m["runs"])])  # fmt: skip
        head = ["request", "median ms", "p95 ms", "× floor", "runs"]
        out += ["   " + ln for ln in table(head, rows)]
        c = r["crowd"]
        out.append(
            f"   {c['officers']} officers of {c['clusters']} clusters casting at once: "
            f"{c['accepted']} accepted, {c['refused']} refused, {c['errors']} errors in "
            f"{c['wall_s']} s; each request median {c['median_ms']} ms, p95 {c['p95_ms']} ms, "
            f"max {c['max_ms']} ms"
        )
        out.append(
            f"   counted after: {c['ballots']} ballots, {c['voter_roll']} on the voter roll; "
            f"lost {c['lost']}, doubled {c['doubled']}"
        )
        for key in MEASURED:
            if key in r:
                m = r[key]
                targets.append(
                    f"web {key} ({db}) at {r['open_campaigns']} open: median {m['median_ms']} ms "
                    f"(< {WEB_MEDIAN_MS:.0f}) → {_ok(m['median_ms'], WEB_MEDIAN_MS)}, p95 "
                    f"{m['p95_ms']} ms (< {WEB_P95_MS:.0f}) → {_ok(m['p95_ms'], WEB_P95_MS)}"
                )
        targets.append(
            f"web crowd ({db}) at {r['open_campaigns']} open, each of {c['officers']} ballots "
            f"at once: "
            f"median {c['median_ms']} ms → {_ok(c['median_ms'], WEB_MEDIAN_MS)}, p95 "
            f"{c['p95_ms']} ms → {_ok(c['p95_ms'], WEB_P95_MS)}"
        )
        whole = c["lost"] == 0 and c["doubled"] == 0 and c["accepted"] == c["officers"]
        targets.append(
            f"web crowd ({db}) at {r['open_campaigns']} open: {c['officers']} ballots at once, "
            f"nothing lost or doubled → {'met' if whole else 'MISSED'}"
        )
    return out, targets
