"""Deliberate transient failures, for proving that retries never duplicate anything.

THIDUA_INJECT_FAULT lists task points, comma separated, each optionally scoped to a cycle year
(`close_vote@2031`). Such a point raises once, on the task run's first attempt, right after its
transaction committed: the hardest moment for a retry.
"""

import os

from prefect.context import TaskRunContext


class InjectedFault(RuntimeError):
    pass


def maybe_fail(point: str, scope: str) -> None:
    wanted = {p.strip() for p in os.environ.get("THIDUA_INJECT_FAULT", "").split(",") if p.strip()}
    if point not in wanted and f"{point}@{scope}" not in wanted:
        return
    ctx = TaskRunContext.get()
    if ctx is not None and ctx.task_run.run_count <= 1:
        raise InjectedFault(f"lỗi tạm thời được chèn vào tại {point} (lần chạy đầu)")
