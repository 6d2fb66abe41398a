"""The officer's pages beyond the forms: the explanation of a gap when the unit is named for
it (as `thidua submit explanation`), and next year's rules proposals (as `thidua rules
propose`), which the cluster leader reads for the cluster."""

from fastapi.testclient import TestClient
from sqlmodel import select

from models import AuditEvent, Explanation
from rules.stages import Stage
from simulation.participants import act
from simulation.synthetic import drive_in_process
from thidua.db import session_scope
from thidua.sample import officer_username

from .conftest import csrf_of
from .test_action_pages import SCRIPT, nonce_of

TEXT = "Năm 2019 Thanh tra CATP hoàn thành 12 cuộc thanh tra chuyên đề được Bộ biểu dương."


def test_the_named_unit_explains_its_gap_on_the_web(client_as, campaign_id: int) -> None:
    drive_in_process(campaign_id, SCRIPT, until=Stage.PEER_REVIEW)
    with session_scope() as s:  # every unit reviews every other; the leader has not confirmed
        act(s, campaign_id, SCRIPT)
    where = f"/campaigns/{campaign_id}/explanation"
    ttr: TestClient = client_as(officer_username("TTR"))
    assert where in ttr.get("/").text  # "Việc của tôi" links the entry to its page
    assert where in ttr.get(f"/campaigns/{campaign_id}").text  # and the campaign's tab
    page = ttr.get(where)
    assert page.status_code == 200 and 'id="explanation-form"' in page.text
    form = page.text.split('id="explanation-form"')[1]
    data = {"csrf_token": csrf_of(ttr), "form_nonce": nonce_of(form)}
    empty = ttr.post(where, data=data | {"text": "   "})
    assert empty.status_code == 422 and "không được để trống" in empty.text
    data["form_nonce"] = nonce_of(empty.text.split('id="explanation-form"')[1])
    done = ttr.post(where, data=data | {"text": TEXT})
    assert done.status_code == 303
    assert ttr.post(where, data=data | {"text": TEXT}).status_code == 409  # replayed
    shown = ttr.get(where)
    assert "Đã nhận giải trình" in shown.text and TEXT in shown.text
    with session_scope() as s:
        [row] = s.exec(select(Explanation)).all()
        assert row.text == TEXT
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "explanation.submit")).all()
        assert event.after is not None and event.after["via"] == "web"
    assert where not in ttr.get("/").text  # nothing waits any more

    # A unit not named sees why, and no form.
    phc: TestClient = client_as(officer_username("PHC"))
    page = phc.get(where)
    assert page.status_code == 200 and 'id="explanation-form"' not in page.text
