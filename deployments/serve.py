"""The deployments thidua runs, and `serve` for one machine (a process that runs them).

Entrypoints are module paths (`flows.campaign:campaign`), so any worker with the package
installed can run them, whatever its working directory.
"""

from datetime import timedelta

from prefect import serve
from prefect.deployments.runner import EntrypointType, RunnerDeployment

from flows.campaign import campaign
from flows.sweep import deadline_sweep
from flows.yearly_cycle import yearly_cycle


def deployments(*, sweep_every: timedelta = timedelta(minutes=1)) -> list[RunnerDeployment]:
    common = dict(entrypoint_type=EntrypointType.MODULE_PATH, tags=["thidua"])
    return [
        yearly_cycle.to_deployment(name="yearly-cycle", **common),  # type: ignore[arg-type]
        campaign.to_deployment(name="campaign", **common),  # type: ignore[arg-type]
        deadline_sweep.to_deployment(name="deadline-sweep", interval=sweep_every, **common),  # type: ignore[arg-type]
    ]


def main(limit: int | None = None, sweep_seconds: int = 60) -> None:
    serve(
        *deployments(sweep_every=timedelta(seconds=sweep_seconds)),
        limit=limit,
        print_starting_message=False,
    )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Serve thidua's deployments on this machine.")
    parser.add_argument("--limit", type=int, default=None, help="most flow runs at once")
    parser.add_argument("--sweep-seconds", type=int, default=60, help="deadline sweep interval")
    args = parser.parse_args()
    main(limit=args.limit, sweep_seconds=args.sweep_seconds)
