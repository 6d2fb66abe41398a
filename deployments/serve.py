"""`serve` for one machine: a process that registers thidua's deployments and runs their flow runs.

The deployments themselves are defined once, in deployments/definitions.py; a work pool with
workers on several machines uses the same definitions (`thidua deploy`, docs/deploy.md).
"""

from datetime import timedelta

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from deployments.definitions import deployments as definitions
from thidua.settings import get_settings


def deployments(
    *, sweep_every: timedelta = timedelta(minutes=1), yearly_cron: str | None = None
) -> list[RunnerDeployment]:
    """The deployments as served here: the yearly cycle unscheduled unless `yearly_cron` is given
    (a laptop running the demo should not start a real cycle on 1 November)."""
    return definitions(sweep_every=sweep_every, yearly_cron=yearly_cron)


def main(limit: int | None = None, sweep_seconds: int = 60, yearly_cron: str | None = None) -> None:
    """Serve until stopped; at most `limit` flow-run processes at once (THIDUA_FLOW_RUN_LIMIT
    by default), so a loaded machine queues runs instead of piling up processes."""
    serve(
        *deployments(sweep_every=timedelta(seconds=sweep_seconds), yearly_cron=yearly_cron),
        limit=limit or get_settings().flow_run_limit,
        print_starting_message=False,
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Serve thidua's deployments on this machine.")
    parser.add_argument("--limit", type=int, default=None, help="most flow runs at once")
    parser.add_argument("--sweep-seconds", type=int, default=60, help="deadline sweep interval")
    parser.add_argument(
        "--yearly-cron",
        default=None,
        help="schedule the yearly cycle (cron, in THIDUA_TIMEZONE), e.g. '0 7 1 11 *'",
    )
    args = parser.parse_args()
    main(limit=args.limit, sweep_seconds=args.sweep_seconds, yearly_cron=args.yearly_cron)
