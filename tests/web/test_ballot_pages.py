"""The secret ballot in the browser: questions and candidates, the confirmation step, the
receipt shown once and checked after the count; two tabs casting the same unit's ballot; a
ballot after the vote closed; a ballot page kept by no cache."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from httpx2 import Response  # what Starlette's TestClient returns
from sqlmodel import select

from models import AuditEvent, Ballot, StageRun, VoterRoll
from models.types import utcnow
from rules.stages import Stage
from simulation.participants import Script, ballot_for
from simulation.synthetic import drive_in_process
from thidua.db import session_scope
from thidua.sample import officer_username
from thidua.services.context import load_campaign

from .conftest import csrf_of
from .test_action_pages import nonce_of

SCRIPT = Script(late_unit=None, returned_unit=None)
OFFICER = officer_username("PTM")
RECEIPT = re.compile(r'<code id="receipt">([A-Z2-7-]{23})</code>')


def choices(campaign_id: int, unit: str = "PTM") -> dict[str, str]:
    """A valid ballot of `unit` as its form posts it."""
    with session_scope() as s:
        content = ballot_for(s, load_campaign(s, campaign_id), unit, SCRIPT)
    form = {f"ballot.{k}": getattr(content, k) or "" for k in ("acclaim", "leader", "deputy")}
    form |= {f"ballot.titles.{u}": "yes" if yes else "no" for u, yes in content.titles.items()}
    return form


def confirmation(client: TestClient, campaign_id: int, form: dict[str, str]) -> str:
    page = client.post(
        f"/campaigns/{campaign_id}/ballot",
        data={"csrf_token": csrf_of(client), "action": "review", **form},
    )
    assert page.status_code == 200, page.text
    assert "Xác nhận phiếu bầu" in page.text
    return page.text


def cast(client: TestClient, campaign_id: int, form: dict[str, str], nonce: str) -> Response:
    return client.post(
        f"/campaigns/{campaign_id}/ballot",
        data={"csrf_token": csrf_of(client), "action": "cast", "form_nonce": nonce, **form},
    )


def test_a_ballot_is_confirmed_cast_and_its_receipt_verified(client_as, campaign_id: int) -> None:
    drive_in_process(campaign_id, SCRIPT, until=Stage.VOTE)
    officer: TestClient = client_as(OFFICER)
    form_page = officer.get(f"/campaigns/{campaign_id}/ballot")
    assert form_page.status_code == 200
    assert form_page.headers["cache-control"] == "no-store"
    text = form_page.text
    assert "Cụm trưởng năm sau" in text and "chọn tối đa 1" in text
    assert 'name="ballot.leader" value="PHC"' in text
    assert 'name="ballot.leader" value="PTM"' not in text  # never one's own unit
    # Leader and deputy the same unit: refused next to the field, nothing cast.
    bad = choices(campaign_id) | {"ballot.deputy": choices(campaign_id)["ballot.leader"]}
    refused = officer.post(
        f"/campaigns/{campaign_id}/ballot",
        data={"csrf_token": csrf_of(officer), "action": "review", **bad},
    )
    assert refused.status_code == 422 and 'class="field-error"' in refused.text
    form = choices(campaign_id)
    page = confirmation(officer, campaign_id, form)
    assert f'value="{form["ballot.leader"]}"' in page  # carried as hidden fields
    edit = officer.post(
        f"/campaigns/{campaign_id}/ballot",
        data={"csrf_token": csrf_of(officer), "action": "edit", **form},
    )
    assert f'name="ballot.leader" value="{form["ballot.leader"]}" checked' in edit.text
    done = cast(officer, campaign_id, form, nonce_of(page))
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    found = RECEIPT.search(done.text)
    assert found, done.text
    receipt = found.group(1)
    with session_scope() as s:
        assert len(s.exec(select(Ballot)).all()) == 1
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "ballot.cast")).all()
        assert [e.after["via"] for e in events] == ["web"]
        assert receipt not in str([e.after for e in s.exec(select(AuditEvent)).all()])
    again = officer.get(f"/campaigns/{campaign_id}/ballot")
    assert "Đơn vị đã bỏ phiếu" in again.text and 'name="ballot.leader"' not in again.text

    verify = f"/campaigns/{campaign_id}/ballot/verify"
    before = officer.post(verify, data={"csrf_token": csrf_of(officer), "receipt": receipt})
    assert "chưa kiểm phiếu" in before.text
    drive_in_process(campaign_id, SCRIPT, until=Stage.APPROVAL)
    # Anyone signed in may check a receipt: it is the receipt that proves, not the person.
    director: TestClient = client_as("bgd.phogiamdoc")
    after = director.post(verify, data={"csrf_token": csrf_of(director), "receipt": receipt})
    assert after.status_code == 200 and "Phiếu đã được kiểm" in after.text
    wrong = director.post(
        verify, data={"csrf_token": csrf_of(director), "receipt": "AAAAA-BBBBB-CCCCC-DDDDD"}
    )
    assert wrong.status_code == 404 and "không khớp" in wrong.text
    junk = director.post(verify, data={"csrf_token": csrf_of(director), "receipt": "01"})
    assert junk.status_code == 422
    assert re.search(r'name="receipt"[^>]*>\s*<p class="field-error"', junk.text)


def test_two_tabs_cast_one_ballot(client_as, campaign_id: int) -> None:
    drive_in_process(campaign_id, SCRIPT, until=Stage.VOTE)
    officer: TestClient = client_as(OFFICER)
    form = choices(campaign_id)
    first_tab = nonce_of(confirmation(officer, campaign_id, form))
    second_tab = nonce_of(confirmation(officer, campaign_id, form))
    assert RECEIPT.search(cast(officer, campaign_id, form, first_tab).text)
    other = cast(officer, campaign_id, form, second_tab)
    assert other.status_code == 409
    assert "đã bỏ phiếu; mỗi đơn vị chỉ bỏ một phiếu" in other.text
    assert not RECEIPT.search(other.text)
    # The same confirmation sent once more: a replay, refused before it reaches the vote.
    replay = cast(officer, campaign_id, form, first_tab)
    assert replay.status_code == 409 and "đã được gửi" in replay.text
    with session_scope() as s:
        assert len(s.exec(select(Ballot)).all()) == 1
        assert len(s.exec(select(VoterRoll)).all()) == 1


def test_a_ballot_after_the_vote_closed_is_refused(client_as, campaign_id: int) -> None:
    drive_in_process(campaign_id, SCRIPT, until=Stage.VOTE)
    officer: TestClient = client_as(OFFICER)
    form = choices(campaign_id)
    nonce = nonce_of(confirmation(officer, campaign_id, form))
    with session_scope() as s:  # the vote's deadline passes while the page is open
        run = s.exec(select(StageRun).where(StageRun.stage == Stage.VOTE)).one()
        run.due_at = utcnow() - timedelta(minutes=1)
        s.add(run)
    late = cast(officer, campaign_id, form, nonce)
    assert late.status_code == 409 and "đã hết hạn" in late.text
    with session_scope() as s:
        assert s.exec(select(Ballot)).all() == [] and s.exec(select(VoterRoll)).all() == []
        refused = s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
        assert any("đã hết hạn" in str(e.after) for e in refused)
