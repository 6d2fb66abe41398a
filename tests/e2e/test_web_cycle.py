"""A whole cycle in the browser: the web portal (Uvicorn, on a free port) against the e2e
database and the real Prefect server and worker of conftest.py, driven by Playwright in
Debian's Chromium. The ten officers send their self-assessments, their peer reviews and their
secret ballots (one of them at phone width); the cluster leader confirms each stage; the
directorate approves; the campaign runs to its end, woken by the portal after each decision.
Every wait is a poll with a wide deadline, never a fixed sleep."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from prefect.deployments import run_deployment
from sqlmodel import col, select

from models import Actor, AuditEvent, Ballot, Campaign, CampaignStatus, Decision, StageRun
from rules.defaults import default_rules, example_scores
from rules.stages import Stage
from simulation.demo import demo_rules, wait_runs_final
from simulation.participants import Script, ballot_for
from tests.e2e.conftest import Stack
from thidua.db import session_scope
from thidua.sample import DIRECTORATE, commander_username, officer_username
from thidua.services import receipts
from thidua.services.auth import set_secret
from thidua.services.context import get_actor, load_campaign
from thidua.services.queries import status
from thidua.settings import get_settings
from thidua.templating import diem

pytestmark = pytest.mark.e2e

YEAR = 2044  # no other e2e test uses it: tests share one database and keep apart by year
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LEADER, DIRECTOR = commander_username("PTM"), DIRECTORATE[0]
WAIT = 600  # seconds: a flow run's process start costs seconds of CPU on a busy machine
SCHEME = default_rules().scheme


def secret_for(username: str) -> str:
    return f"bi-mat-web-{username}"


def poll(what: str, check: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.5)


@contextmanager
def portal(home: Path) -> Iterator[str]:
    """The portal as `thidua web` serves it: Uvicorn in a process of its own, on a free port,
    with this test's environment (the e2e database, PREFECT_API_URL to wake the runs)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (home / "web.log").open("wb")
    child = subprocess.Popen(
        [sys.executable, "-m", "thidua.web.serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PREFECT_API_URL": os.environ["PREFECT_API_URL"]},
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert child.poll() is None, (home / "web.log").read_text(errors="replace")
        try:
            return httpx.get(f"{base}/health", timeout=5).text == "ok"
        except httpx.HTTPError:
            return False

    try:
        poll("the portal starts", up, timeout=120)
        yield base
    finally:
        child.terminate()
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        log.close()


def sign_in(browser: Browser, base: str, username: str, *, phone: bool = False) -> Page:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 1000}
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{base}/signin")
    page.fill("#username", username)
    page.fill("#secret", secret_for(username))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def flash(page: Page, text: str) -> None:
    page.locator(".flash", has_text=text).wait_for(timeout=120_000)


def stage_open(cid: int, stage: Stage) -> Callable[[], bool]:
    def check() -> bool:
        with session_scope() as s:
            runs = s.exec(select(StageRun).where(StageRun.campaign_id == cid)).all()
        return any(r.stage == stage and r.closed_at is None for r in runs)

    return check


def quality(i: int) -> float:
    """Distinct for every unit, so the ranking has no tie for the chair to decide."""
    return 0.62 + 0.035 * i


def self_assess(page: Page, base: str, cid: int, q: float) -> None:
    # Found as a person finds it: "Việc của tôi", the campaign, its tab.
    page.goto(f"{base}/")
    page.click(f'main a[href="/campaigns/{cid}"]')
    page.click(f'a[href="/campaigns/{cid}/self-assessment"]')
    scores = example_scores(SCHEME, q)
    for code, points in scores.items():
        page.fill(f'input[name="scores.{code}"]', f"{points.normalize():f}")
    # The live total (static/total.js) shows what the server will count.
    total = sum(scores.values())
    page.locator("#sa-total", has_text=diem(total)).wait_for()
    page.fill("#achievements", "Hoàn thành xuất sắc nhiệm vụ được giao")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "web-self-assessment.png"), full_page=True)
    page.get_by_role("button", name="Nộp bản tự chấm", exact=True).click()
    flash(page, "Đã nhận bản tự chấm điểm")


def review(page: Page, base: str, cid: int, qualities: dict[str, float]) -> None:
    page.goto(f"{base}/campaigns/{cid}/reviews")
    columns = page.evaluate(
        "() => Array.from(document.querySelectorAll('input[name$=\"].reviewee\"]'))"
        ".map(e => [e.name.slice(0, -'reviewee'.length), e.value])"
    )
    assert len(columns) == 9
    values = {
        f"{prefix}scores.{code}": f"{points.normalize():f}"
        for prefix, unit in columns
        for code, points in example_scores(SCHEME, qualities[unit]).items()
    }
    # Typed by the page's own script: 144 boxes, as fast as a person's browser autofill.
    page.evaluate(
        "(values) => { for (const [n, v] of Object.entries(values)) {"
        " const box = document.getElementsByName(n)[0]; box.value = v;"
        " box.dispatchEvent(new Event('input', {bubbles: true})); } }",
        values,
    )
    page.screenshot(path=str(SHOTS / "web-review-grid.png"), full_page=True)
    page.get_by_role("button", name="Nộp phiếu chấm chéo", exact=True).click()
    flash(page, "Đã nhận 9 phiếu chấm chéo")


def vote(page: Page, base: str, cid: int, unit: str) -> str:
    with session_scope() as s:
        content = ballot_for(s, load_campaign(s, cid), unit, Script())
    page.goto(f"{base}/campaigns/{cid}/ballot")
    for key in ("acclaim", "leader", "deputy"):
        choice = getattr(content, key) or ""
        page.check(f'input[name="ballot.{key}"][value="{choice}"]')
    for code, yes in content.titles.items():
        page.check(f'input[name="ballot.titles.{code}"][value="{"yes" if yes else "no"}"]')
    page.screenshot(path=str(SHOTS / f"web-ballot-{unit}.png"), full_page=True)
    page.get_by_role("button", name="Xem lại trước khi bỏ phiếu", exact=True).click()
    page.get_by_role("button", name="Bỏ phiếu", exact=True).click()
    receipt = page.locator("#receipt")
    receipt.wait_for(timeout=120_000)
    return receipt.inner_text().strip()


def confirm(page: Page, base: str, cid: int) -> None:
    page.goto(f"{base}/campaigns/{cid}/lead")
    page.screenshot(path=str(SHOTS / "web-lead.png"), full_page=True)
    page.locator("#confirm-form button[type=submit]").click()
    flash(page, "Đã xác nhận giai đoạn")


def test_a_whole_cycle_in_the_browser(stack: Stack) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium"
    stack.add_year(YEAR)
    with session_scope() as s:
        for actor in s.exec(select(Actor)).all():
            set_secret(s, actor, secret_for(actor.username))
    cycle = run_deployment(
        get_settings().cycle_deployment,
        timeout=0,
        as_subflow=False,
        parameters={"year": YEAR, "clusters": ["CTD4"], "rules": demo_rules(3600)},
    )
    wait_runs_final([cycle.id])
    states: list = []

    def waiting() -> bool:
        with session_scope() as s:
            states[:] = status(s, year=YEAR)
        return bool(states) and states[0].status == "waiting" and bool(states[0].flow_run_id)

    poll("the campaign run waits for its self-assessments", waiting)
    cid = states[0].campaign_id
    with session_scope() as s:
        campaign_units = [u.code for u in load_campaign(s, cid).members]
    qualities = {code: quality(i) for i, code in enumerate(campaign_units)}
    receipts_of: dict[str, str] = {}

    with sync_playwright() as p, portal(stack.home) as base:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        officers = {u: sign_in(browser, base, officer_username(u)) for u in campaign_units}
        leader = sign_in(browser, base, LEADER)
        assert "Tự chấm điểm" in officers["PTM"].content()  # "Việc của tôi" lists it

        for unit, page in officers.items():
            self_assess(page, base, cid, qualities[unit])
        confirm(leader, base, cid)
        poll("the peer review opens", stage_open(cid, Stage.PEER_REVIEW))

        for unit, page in officers.items():
            review(page, base, cid, {u: q for u, q in qualities.items() if u != unit})
        confirm(leader, base, cid)
        poll("the vote opens", stage_open(cid, Stage.VOTE))

        phone = sign_in(browser, base, officer_username("PHC"), phone=True)
        for unit, page in officers.items():
            # One officer votes from a phone.
            receipts_of[unit] = vote(phone if unit == "PHC" else page, base, cid, unit)
        SHOTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(SHOTS / "web-ballot-receipt-phone.png"), full_page=True)
        confirm(leader, base, cid)
        poll("the approval opens", stage_open(cid, Stage.APPROVAL))

        director = sign_in(browser, base, DIRECTOR)
        director.goto(f"{base}/campaigns/{cid}/decide")
        director.fill("#reason", "Kết quả bình xét đúng quy trình, đúng tiêu chí.")
        director.get_by_role("button", name="Ghi quyết định", exact=True).click()
        flash(director, "Đã ghi quyết định phê duyệt")

        def completed() -> bool:
            with session_scope() as s:
                campaign = s.get(Campaign, cid)
                return campaign is not None and campaign.status == CampaignStatus.COMPLETED

        poll("the campaign completes", completed)
        # A receipt checked in the browser after the count.
        check = officers["TTR"]
        check.goto(f"{base}/campaigns/{cid}/ballot/verify")
        check.fill("#receipt", receipts_of["TTR"])
        check.get_by_role("button", name="Kiểm tra", exact=True).click()
        check.locator("#verdict", has_text="Phiếu đã được kiểm").wait_for()
        browser.close()

    with session_scope() as s:
        runs = s.exec(select(StageRun).where(StageRun.campaign_id == cid)).all()
        assert [(r.stage.value, r.close_reason) for r in sorted(runs, key=lambda r: r.id)] == [
            ("self_assessment", "confirmed"),
            ("peer_review", "confirmed"),
            ("vote", "confirmed"),
            ("approval", "decided"),
            ("nomination", "automatic"),
        ]
        vote_run = next(r for r in runs if r.stage == Stage.VOTE)
        ballots = s.exec(select(Ballot).where(Ballot.stage_run_id == vote_run.id)).all()
        assert len(ballots) == 10
        for receipt in receipts_of.values():
            assert receipts.verify(s, campaign_id=cid, receipt=receipt).counted
        decisions = s.exec(
            select(Decision).where(col(Decision.stage_run_id).in_([r.id for r in runs]))
        ).all()
        assert {d.via for d in decisions} == {"web"}
        events = s.exec(select(AuditEvent).where(AuditEvent.campaign_id == cid)).all()
        via = {e.action: e.after.get("via") for e in events if e.after and "via" in e.after}
        assert via["ballot.cast"] == "web" and via["self_assessment.submit"] == "web"
        assert get_actor(s, LEADER).id in {d.actor_id for d in decisions}
