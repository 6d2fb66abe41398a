"""Benchmarks of thidua: what a campaign costs, how it grows, how fast people get answers.

`python -m bench` (or `thidua bench` from a source checkout) runs them; BENCHMARKS.md holds
the figures and what they say. Every measurement runs in a fresh child process (`bench.job`),
so that each one's peak memory and CPU time are its own.
"""
