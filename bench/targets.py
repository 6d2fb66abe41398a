"""The targets the benchmark reports against (measured and printed, never asserted)."""

GROWTH_TARGET = 11.0  # 100 clusters ≤ 11 × 10 clusters
FLOOR_TARGET = 1.5  # thidua ≤ 1.5 × (floor a + floor b)
LATENCY_TARGET = 0.5  # seconds, median
SQL_TARGET = 3.0  # service ≤ 3 × plain SQL
