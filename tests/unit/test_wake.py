"""Waking a campaign's run never fails the caller: what could not be done is an outcome."""

from uuid import uuid4

from prefect.settings import PREFECT_API_URL, temporary_settings

from thidua.wake import MESSAGES, WakeOutcome, wake


def test_a_campaign_without_a_run_or_without_prefect_is_not_woken() -> None:
    assert wake(None) == WakeOutcome.NO_RUN
    with temporary_settings(updates={PREFECT_API_URL: ""}):
        assert wake(uuid4()) == WakeOutcome.NO_PREFECT
    assert set(MESSAGES) == set(WakeOutcome)
