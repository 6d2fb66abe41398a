"""An attacker's view of the portal: what a hostile officer, a curious unit or an outsider on the
network tries beyond the routes' own tests (read scope of every page, headers, redirects)."""

import re

from fastapi.testclient import TestClient

from .conftest import csrf_of
from .test_pages import _outsider


def test_receipt_checks_of_a_campaign_are_for_its_readers_only(client_as, campaign_id: int) -> None:
    """An officer of a unit outside the cluster is refused the campaign's receipt check (GET or
    POST) as every other page of the campaign refuses them."""
    stranger: TestClient = client_as(_outsider())
    path = f"/campaigns/{campaign_id}/ballot/verify"
    shown = stranger.get(path)
    assert shown.status_code == 403 and "không được xem" in shown.text
    assert "Kiểm tra biên nhận" not in shown.text
    checked = stranger.post(path, data={"csrf_token": csrf_of(stranger), "receipt": "A" * 20})
    assert checked.status_code == 403 and "Kiểm tra biên nhận" not in checked.text
    # A member of the cluster still checks receipts.
    assert client_as("canbo.ptm").get(path).status_code == 200


def test_no_page_links_to_another_site_through_its_own_path(anonymous: TestClient) -> None:
    """/%2F%2Fevil.example is a 404 whose language switch linked to ///evil.example?lang=en,
    which a browser opens as https://evil.example/: a phishing link dressed as the portal."""
    for path in ("/%2F%2Fevil.example", "/%5C%5Cevil.example", "/%2F%5Cevil.example"):
        page = anonymous.get(path)
        assert page.status_code == 404
        links = re.findall(r'href="([^"]*)"', page.text)
        assert links and all(not re.match(r"[/\\]{2}", link) for link in links), links


def test_an_error_page_under_the_static_files_links_the_real_stylesheet(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/static/no-such-file.css")
    assert page.status_code == 404
    assert 'href="/static/site.css"' in page.text and "/static/static/" not in page.text
    assert not any("Path=/static" in v for k, v in page.headers.multi_items() if k == "set-cookie")
