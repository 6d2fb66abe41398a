"""A person in the Prefect UI: finds the waiting campaign run, fills in its form (once with a
wrong code, once right) in Debian's Chromium driven by Playwright, and the campaign moves on."""

import time
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import Page, sync_playwright
from prefect import get_client
from prefect.deployments import run_deployment
from prefect.input.actions import read_flow_run_input
from sqlmodel import col, select

from flows.forms import LeaderAction
from models import Actor, StageRun
from simulation.demo import demo_rules, wait_runs_final
from simulation.participants import Script, act
from tests.e2e.conftest import Stack
from thidua.db import session_scope
from thidua.errors import Forbidden
from thidua.services.auth import consume_action_code, issue_action_code
from thidua.services.context import get_actor
from thidua.services.form_decisions import FormDecision
from thidua.services.queries import status
from thidua.settings import get_settings

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CONFIRM = FormDecision(action="confirm")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _pause_key(run_id: UUID, newer_than: str | None, timeout: float = 600) -> str:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(run_id).state
            key = state.state_details.pause_key if state else None
            if state and state.is_paused() and key and key != newer_than:
                return key
            time.sleep(0.5)
    raise AssertionError("the campaign run did not suspend")


def _answer_form(page: Page, ui: str, run_id: UUID, actor: str, code: str, shot: str) -> str:
    """Open the run, press Resume, fill in the form, submit; returns the situation the form
    shows above the decision (flows.forms.with_situation)."""
    page.goto(f"{ui}/runs/flow-run/{run_id}", wait_until="networkidle")
    page.get_by_role("button", name="Resume").click()
    modal = page.locator(".p-modal")
    situation = modal.locator(".schema-form-property__markdown").first
    # The dialog fades in: until it is shown, the text it renders reads as "" (innerText).
    situation.wait_for(state="visible")
    description = situation.inner_text()
    fields = modal.locator("textarea")
    fields.nth(0).fill(actor)
    fields.nth(1).fill(code)
    choice = modal.locator(".p-select-button__control")
    choice.click()
    choice.press("ArrowDown")  # the select opens its options from the keyboard
    page.locator(".p-select-option", has_text=LeaderAction.CONFIRM.value).click()
    assert modal.locator(".p-select-button__value").inner_text() == LeaderAction.CONFIRM.value
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    modal.get_by_role("button", name="Submit").click()
    modal.wait_for(state="detached", timeout=300_000)
    return description


def test_a_leader_confirms_on_the_prefect_form_in_a_browser(stack: Stack) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium"
    year = 2039
    stack.add_year(year)
    cycle = run_deployment(
        get_settings().cycle_deployment,
        timeout=0,
        as_subflow=False,
        parameters={"year": year, "clusters": ["CTD4"], "rules": demo_rules(600)},
    )
    wait_runs_final([cycle.id])
    deadline = time.monotonic() + 600
    while True:
        with session_scope() as s:
            (state,) = status(s, year=year)
        if (state.status == "waiting" and state.flow_run_id) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert state.flow_run_id is not None
    cid, run_id = state.campaign_id, state.flow_run_id
    first = _pause_key(run_id, None)
    with session_scope() as s:
        act(s, cid, Script(late_unit=None, returned_unit=None))
        code, _ = issue_action_code(
            s, actor=get_actor(s, "chihuy.ptm"), campaign_id=cid, decision=CONFIRM
        )

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        shown = _answer_form(
            page, stack.server.ui, run_id, "chihuy.ptm", "SAI-MA-0000", "form-wrong-code.png"
        )
        assert "Tự chấm điểm" in shown and "Phòng Tham mưu" in shown
        second = _pause_key(run_id, first)
        shown = _answer_form(
            page, stack.server.ui, run_id, "chihuy.ptm", code, "form-right-code.png"
        )
        assert "Bị từ chối: Mã xác nhận một lần không đúng" in shown
        browser.close()

    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with session_scope() as s:
            runs = s.exec(
                select(StageRun).where(StageRun.campaign_id == cid).order_by(col(StageRun.id))
            ).all()
        if len(runs) == 2:
            break
        time.sleep(0.5)
    with session_scope() as s:
        leader = s.exec(select(Actor).where(Actor.username == "chihuy.ptm")).one()
    assert [(r.stage.value, r.confirmed_by, r.closed_at is not None) for r in runs] == [
        ("self_assessment", leader.id, True),
        ("peer_review", None, False),
    ]
    # The answers, which named the actor and carried the code, are gone from Prefect.
    for key in (first, second):
        assert read_flow_run_input(f"suspended-{key}-response", run_id) is None
    with session_scope() as s, pytest.raises(Forbidden):  # the code is spent
        consume_action_code(
            s,
            actor=get_actor(s, "chihuy.ptm"),
            code=code,
            stage_run_id=runs[0].id or 0,
            decision=CONFIRM,
        )
