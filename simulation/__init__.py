"""Simulation, apart from what a real user runs: `thidua demo`, simulated participants that act
through the same services as people, and synthetic organisations of any size.

Used by the demo, the tests and the benchmarks; nothing in thidua/, flows/ or tasks/ imports it.
"""
