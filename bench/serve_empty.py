"""Serve floor (b)'s empty flows on this machine, as `deployments.serve` serves thidua's.

A module of its own: flows served from `__main__` could not be found again by the flow-run
subprocesses, which import their entrypoint by module path.
"""

from prefect import serve
from prefect.deployments.runner import EntrypointType

from bench.empty_flow import empty_campaign, empty_cycle


def main() -> None:
    serve(
        empty_cycle.to_deployment(name="empty-cycle", entrypoint_type=EntrypointType.MODULE_PATH),
        empty_campaign.to_deployment(
            name="empty-campaign", entrypoint_type=EntrypointType.MODULE_PATH
        ),
        print_starting_message=False,
    )


if __name__ == "__main__":
    main()
