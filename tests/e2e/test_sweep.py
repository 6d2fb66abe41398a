"""End to end: the deadline sweep never runs twice at once, and a sweep due while one is in
flight costs no process (its deployment's concurrency limit, CANCEL_NEW, on the real server
and worker)."""

import time
from datetime import timedelta
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.states import Cancelled, Pending, Scheduled

from models.types import utcnow
from simulation.demo import wait_for_deployments
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

SWEEP = "thidua-deadline-sweep/deadline-sweep"
# Every wait below is a deadline, polled; well inside the server's 300 s lease of a slot.
DEADLINE_SECONDS = 240


def _final(client: SyncPrefectClient, run_id: UUID) -> FlowRun:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        run = client.read_flow_run(run_id)
        if run.state is not None and run.state.is_final():
            return run
        assert time.monotonic() < deadline, f"{run.name} still {run.state_type}"
        time.sleep(0.5)


def _types(client: SyncPrefectClient, run_id: UUID) -> list[StateType]:
    return [s.type for s in client.read_flow_run_states(run_id)]


def test_a_sweep_due_while_one_is_in_flight_is_cancelled_without_a_process(stack: Stack) -> None:
    """A sweep in flight holds the deployment's one slot from the moment it is Pending (its
    process starting on a loaded machine). Sweeps due meanwhile are cancelled by the server
    when the worker asks to start them, so the worker starts no process for them; once the
    first is over, the next sweep runs."""
    wait_for_deployments([SWEEP])  # served with the others, maybe a moment later
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(SWEEP)
        assert deployment.global_concurrency_limit is not None
        assert deployment.global_concurrency_limit.limit == 1
        # The sweep in flight: taken to Pending by hand, as the worker does before it starts a
        # process, and never picked up by the worker (it picks up Scheduled runs only).
        later = Scheduled(scheduled_time=utcnow() + timedelta(days=1))
        in_flight = client.create_flow_run_from_deployment(deployment.id, state=later)
        taken = client.set_flow_run_state(in_flight.id, Pending())
        assert taken.state is not None and taken.state.type == StateType.PENDING, taken
        try:
            due = [client.create_flow_run_from_deployment(deployment.id) for _ in range(3)]
            for run in due:
                done = _final(client, run.id)
                assert done.state_type == StateType.CANCELLED, (done.name, done.state)
                types = _types(client, run.id)
                assert StateType.RUNNING not in types and StateType.PENDING not in types, types
            # The one in flight was never disturbed.
            assert client.read_flow_run(in_flight.id).state_type == StateType.PENDING
        finally:
            client.set_flow_run_state(in_flight.id, Cancelled(), force=True)
        # Its slot is free again: the next sweep due runs, start to end.
        after = client.create_flow_run_from_deployment(deployment.id)
        done = _final(client, after.id)
        assert done.state_type == StateType.COMPLETED, (done.name, done.state)
        assert StateType.RUNNING in _types(client, after.id)
