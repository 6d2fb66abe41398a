"""An attacker's view of the portal: what a hostile officer, a curious unit or an outsider on the
network tries beyond the routes' own tests (read scope of every page, headers, redirects)."""

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
