"""The targets the benchmark reports against (measured and printed, never asserted)."""

GROWTH_TARGET = 11.0  # 100 clusters ≤ 11 × 10 clusters
FLOOR_TARGET = 1.5  # thidua ≤ 1.5 × (floor a + floor b)
HELP_TARGET = 1.5  # `thidua [command] --help` ≤ 1.5 × `python -c "import typer"` (medians)
COMMAND_TARGET = 1.3  # pending, status, submit ≤ 1.3 × `python -c "import thidua.db"`
SCOPE_TARGET = 1.2  # pending with 1000 open campaigns ≤ 1.2 × with 10
SQL_TARGET = 10.0  # the scoring service's computation ≤ 10 × plain SQL (issue 14; 3 × in issue 6)
CLOSE_MS_TARGET = 20.0  # close_stage of a peer review < 20 ms per campaign (issue 14)
WEB_MEDIAN_MS = 50.0  # "việc của tôi" and casting a ballot over HTTP: median under 50 ms
WEB_P95_MS = 200.0  # … and p95 under 200 ms
