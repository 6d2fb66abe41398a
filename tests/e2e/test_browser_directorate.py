"""Issue 18: the directorate's form on a laptop's window (1280×800) in Debian's Chromium. The
results table fits the dialog (every column inside its box, nothing to scroll sideways), and
what is being decided is visible at the top as the dialog opens: the time the form was written,
the command that shows the present, the stage. The screenshot is kept in test-artifacts/."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from simulation.demo import _directorate_answers as approve_on_the_form
from simulation.demo import run_cycle
from simulation.participants import Script
from tests.e2e.conftest import Stack
from tests.e2e.test_browser import CHROMIUM, SHOTS
from thidua import orchestration
from thidua.db import session_scope
from thidua.services.queries import CampaignState
from thidua.services.results import ranking_of, vote_of

pytestmark = pytest.mark.e2e

WINDOW = {"width": 1280, "height": 800}
HEADERS = ["#", "Đơn vị", "Danh hiệu đề nghị", "Bỏ phiếu"]


def _expected_rows(campaign_id: int) -> list[list[str]]:
    with session_scope() as s:
        vote = vote_of(s, campaign_id)
        ranking = ranking_of(s, campaign_id) or []
    assert vote is not None and ranking
    votes = {t.unit: f"{t.yes} phiếu đồng ý / cần {t.required}" for t in vote.titles}
    return [[str(r.rank), r.unit, r.proposed_title or "—", votes.get(r.unit, "—")] for r in ranking]


def _check_dialog(page: Page, ui: str, state: CampaignState) -> dict[str, Any]:
    page.goto(f"{ui}/runs/flow-run/{state.flow_run_id}", wait_until="networkidle")
    page.get_by_role("button", name="Resume").click()
    card = page.locator(".p-modal__card")
    situation = card.locator(".schema-form-property__markdown").first
    situation.wait_for(state="visible")  # the dialog fades in
    box = card.bounding_box()
    assert box is not None
    left, right = box["x"], box["x"] + box["width"]

    # What is decided is seen as the dialog opens, without scrolling: not squeezed to nothing.
    text = situation.inner_text()
    first = situation.locator(".markdown-renderer__text--paragraph").first
    top = first.bounding_box()
    assert top is not None and top["height"] > 0
    assert box["y"] <= top["y"] and top["y"] + top["height"] <= box["y"] + box["height"]
    assert "Tình hình lúc" in first.inner_text()
    assert f"thidua status --campaign {state.campaign_id}" in first.inner_text()
    assert "Giai đoạn 4/5 · Ban Giám đốc phê duyệt" in text

    table = situation.locator("table")
    headers = [h.inner_text().strip() for h in table.locator("th").all()]
    rows = [
        [c.inner_text().strip() for c in row.locator("td").all()]
        for row in table.locator("tbody tr").all()
    ]
    outside = []
    for cell in table.locator("th, td").all():
        cb = cell.bounding_box()
        assert cb is not None
        if cb["width"] <= 0 or cb["x"] < left or cb["x"] + cb["width"] > right:
            outside.append((cell.inner_text(), cb))
    # Nothing to scroll sideways to: the table's own scroller is as wide as what it holds.
    scroll = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    return {"headers": headers, "rows": rows, "outside": outside, "scroll": scroll}


def test_the_directorates_form_fits_a_laptop_window(stack: Stack) -> None:
    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: apt-get install chromium"
    year = 2042
    stack.add_year(year)
    SHOTS.mkdir(exist_ok=True)  # not pytest's tmp path: other runs of pytest rotate it away
    shot = SHOTS / "directorate-form-1280x800.png"
    seen: dict[str, Any] = {}

    def directorate(state: CampaignState) -> bool:
        assert state.flow_run_id is not None
        run = orchestration.read_run(state.flow_run_id)
        if run is None or run.state is None or not run.state.is_paused():
            return False
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport=WINDOW)
            try:
                seen.update(_check_dialog(page, stack.server.ui, state))
            finally:
                page.screenshot(path=str(shot))
                print(f"screenshot of the directorate's form: {shot}")
                browser.close()
        seen["rows_expected"] = _expected_rows(state.campaign_id)
        return approve_on_the_form(state)

    run_cycle(
        script=Script(late_unit=None, returned_unit=None),
        log=lambda _: None,
        on_change=lambda _: None,
        self_assessment_seconds=600,
        year=year,
        directorate=directorate,
    )
    assert seen["headers"] == HEADERS
    assert seen["rows"] == seen["rows_expected"]
    assert seen["outside"] == [], f"cells outside the dialog, see {shot}"
    width, visible = seen["scroll"]
    assert width <= visible, f"the table scrolls sideways ({width} > {visible}), see {shot}"
