"""Floor (b): Prefect's own cost of thidua's shape with nothing inside.

`empty-cycle` starts one `empty-campaign` run per cluster (as the yearly cycle starts the
campaign runs); each suspends `waits` times with explicit keys and a typed input, and is resumed
as many times, like a campaign run whose stages wait for people. No task, no database.

`python -m bench.serve_empty` serves both deployments, as `deployments.serve` serves thidua's.
"""

from prefect import flow
from prefect.deployments import run_deployment
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput

CYCLE = "bench-empty-cycle/empty-cycle"
CAMPAIGN = "bench-empty-campaign/empty-campaign"


class Ack(RunInput):
    ok: bool = True


@flow(name="bench-empty-campaign")
def empty_campaign(index: int, waits: int) -> int:
    # Resumed runs start again from the top; a key already answered returns its input at once.
    for i in range(1, waits + 1):
        suspend_flow_run(wait_for_input=Ack, key=f"e{index}-w{i}", timeout=None)
    return waits


@flow(name="bench-empty-cycle")
def empty_cycle(waits: list[int]) -> list[str]:
    return [
        str(
            run_deployment(
                CAMPAIGN,
                parameters={"index": i, "waits": k},
                idempotency_key=f"bench-empty-{i}",
                timeout=0,
                as_subflow=False,
            ).id
        )
        for i, k in enumerate(waits)
    ]
