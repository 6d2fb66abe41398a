"""Serve floor (b)'s empty flows on this machine, as `deployments.serve` serves thidua's.

A module of its own: flows served from `__main__` could not be found again by the flow-run
subprocesses, which import their entrypoint by module path. With the same limit of flow-run
processes at once as thidua's worker (THIDUA_FLOW_RUN_LIMIT): without it, 100 clusters' empty
flows started 56 processes at once, and the floor measured a thrashing machine.
"""

from prefect import serve
from prefect.deployments.runner import EntrypointType

from bench.empty_flow import empty_campaign, empty_cycle
from thidua.settings import get_settings


def main() -> None:
    serve(
        empty_cycle.to_deployment(name="empty-cycle", entrypoint_type=EntrypointType.MODULE_PATH),
        empty_campaign.to_deployment(
            name="empty-campaign", entrypoint_type=EntrypointType.MODULE_PATH
        ),
        print_starting_message=False,
        limit=get_settings().flow_run_limit,
    )


if __name__ == "__main__":
    main()
