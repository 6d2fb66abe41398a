"""Every page of the portal as each role reads it, in Vietnamese and in English, at phone
width (390 px) and on a desktop (1280 px), in Debian's Chromium: nothing runs off the side of
the screen except a table inside its scroll box, every field has a label, the page title names
the page, headings go in order; and a score sheet's errors show at phone width beside their
boxes. The portal runs as `thidua web` does, on the sample with the 2019 campaign open."""

import re
from collections.abc import Iterator
from itertools import pairwise

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlmodel import select

from models import Actor
from tests.e2e.test_web_cycle import CHROMIUM, SHOTS
from tests.e2e.test_web_cycle import portal as running_portal
from thidua.db import create_schema, engine_for, session_scope
from thidua.sample import ADMIN, COUNCIL, DIRECTORATE, commander_username, load_sample
from thidua.sample import officer_username as officer
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.waits import plan_step

pytestmark = pytest.mark.e2e

C = "/campaigns/1"
PAGES = {
    officer("PTCCB"): ["/", "/campaigns", C, f"{C}/results", f"{C}/self-assessment",
                       f"{C}/reviews", f"{C}/ballot", f"{C}/ballot/verify",
                       f"{C}/explanation", f"{C}/rules-proposals", "/delegations"],
    commander_username("PTM"): ["/", C, f"{C}/lead", f"{C}/rules-proposals", "/delegations"],
    DIRECTORATE[0]: ["/", C, f"{C}/decide", f"{C}/audit"],
    COUNCIL[0]: ["/", "/campaigns"],
    ADMIN[0]: ["/", f"{C}/audit"],
}  # fmt: skip
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}

# What a reader of the page meets, measured in the browser: elements sticking out to the right
# (a table may, inside its scroll box), fields without a label, the headings' levels in order.
LAYOUT = """() => {
  const width = document.documentElement.clientWidth, out = [], unlabelled = [];
  for (const e of document.querySelectorAll("body *")) {
    const box = e.getBoundingClientRect();
    const boxed = e.closest(".table-wrap, .doc");
    if (box.width && box.right > width + 1 && !boxed) out.push(e.outerHTML.slice(0, 80));
  }
  for (const f of document.querySelectorAll("input:not([type=hidden]), select, textarea"))
    if (!(f.labels && f.labels.length) && !f.getAttribute("aria-label")) unlabelled.push(f.name);
  const levels = [...document.querySelectorAll("h1, h2, h3, h4")].map(h => +h.tagName[1]);
  return {scroll: document.documentElement.scrollWidth, width, out, unlabelled, levels};
}"""


def secret_for(username: str) -> str:
    return f"bi-mat-dien-thoai-{username}"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("phone")
    url = f"sqlite:///{home / 'thidua.db'}"
    engine = engine_for(url)
    create_schema(engine)
    with session_scope(engine) as s:
        load_sample(s)
        for actor in s.exec(select(Actor)).all():
            set_secret(s, actor, secret_for(actor.username))
    with session_scope(engine) as s:
        _, started = start_cycle(
            s, actor=get_actor(s, ADMIN[0]), year=2019, movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )  # fmt: skip
    with session_scope(engine) as s:
        plan_step(s, started[0].campaign_id)
    engine.dispose()
    # The portal as test_web_cycle starts it, on this database; no page here wakes a flow run.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("THIDUA_HOME", str(home))
        env.setenv("THIDUA_DATABASE_URL", url)
        env.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
        with running_portal(home) as base:
            yield base


def _signed_in(browser, base: str, username: str, size: str) -> Page:
    width, height = SIZES[size]
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(f"{base}/signin")
    page.fill("#username", username)
    page.fill("#secret", secret_for(username))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_every_page_fits_a_phone_and_reads_in_both_languages(portal: str) -> None:
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        for username, paths in PAGES.items():
            for size in SIZES:
                page = _signed_in(browser, portal, username, size)
                for path in paths:
                    for lang in ("vi", "en"):
                        answer = page.goto(f"{portal}{path}?lang={lang}")
                        where = f"{username} {path} {lang} {size}"
                        assert answer is not None and answer.status == 200, where
                        assert page.locator("html").get_attribute("lang") == lang, where
                        seen = page.evaluate(LAYOUT)
                        if seen["scroll"] > seen["width"] or seen["out"]:
                            problems.append(f"{where}: wider than the screen: {seen['out'][:3]}")
                        if seen["unlabelled"]:
                            problems.append(f"{where}: fields without a label {seen['unlabelled']}")
                        levels = seen["levels"]
                        if (
                            not levels
                            or levels[0] != 1
                            or any(b > a + 1 for a, b in pairwise(levels))
                        ):
                            problems.append(f"{where}: headings out of order {levels}")
                        h1 = page.locator("h1").first.inner_text().strip()
                        if not page.title().startswith(h1) and h1 not in page.title():
                            problems.append(f"{where}: title {page.title()!r} does not name {h1!r}")
                page.context.close()
        browser.close()
    assert not problems, "\n".join(problems)


def test_a_score_sheets_errors_show_beside_their_boxes_on_a_phone(portal: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = _signed_in(browser, portal, officer("PTCCB"), "phone")
        page.goto(f"{portal}{C}/self-assessment")
        page.fill('input[name="scores.XDD1"]', "7")  # above its maximum of 5
        page.fill('input[name="scores.XDD2"]', "bốn")
        page.fill('input[name="scores.CM3"]', "2,5")  # the Vietnamese decimal comma is a number
        page.get_by_role("button", name="Tính tổng và kiểm tra").click()
        page.locator("p.error").wait_for()
        summary = page.locator("p.error").inner_text()
        n = int(re.search(r"có (\d+) chỗ cần sửa", summary).group(1))  # type: ignore[union-attr]
        assert page.locator(".field-error").count() >= n > 2  # all at once, one beside each box
        for name, reason in (("scores.XDD1", "vượt quá điểm tối đa 5"), ("scores.XDD2", "số")):
            box = page.locator(f'input[name="{name}"]')
            assert box.get_attribute("aria-invalid") == "true"
            cell = page.locator("td", has=box)
            assert reason in cell.locator(".field-error").inner_text()
        three = page.locator("td", has=page.locator('input[name="scores.CM3"]'))
        assert three.locator(".field-error").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "web-phone-errors.png"))
        browser.close()
