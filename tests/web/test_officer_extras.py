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


PROPOSAL = "Tiêu chí 2.3: tăng điểm tối đa từ 5 lên 8 cho công tác phòng cháy, chữa cháy.\nLý do: …"


def test_an_officer_proposes_next_years_rules_and_the_leader_reads_them(
    client_as, campaign_id: int
) -> None:
    from models import RulesProposal
    from thidua.sample import commander_username

    where = f"/campaigns/{campaign_id}/rules-proposals"
    ttr: TestClient = client_as(officer_username("TTR"))
    assert where in ttr.get(f"/campaigns/{campaign_id}").text  # the campaign's tab
    page = ttr.get(where)
    form = page.text.split('id="propose-form"')[1]
    data = {"csrf_token": csrf_of(ttr), "form_nonce": nonce_of(form)}
    empty = ttr.post(where, data=data | {"text": " "})
    assert empty.status_code == 422 and "không được để trống" in empty.text
    data["form_nonce"] = nonce_of(empty.text.split('id="propose-form"')[1])
    assert ttr.post(where, data=data | {"text": PROPOSAL}).status_code == 303
    assert ttr.post(where, data=data | {"text": PROPOSAL}).status_code == 409  # replayed
    mine = ttr.get(where)
    assert "Đã ghi đề xuất #" in mine.text and "tăng điểm tối đa từ 5 lên 8" in mine.text

    # Another unit's officer sees only its own; the leader sees the cluster's, and cannot post.
    phc: TestClient = client_as(officer_username("PHC"))
    assert "tăng điểm tối đa" not in phc.get(where).text
    leader: TestClient = client_as(commander_username("PTM"))
    read = leader.get(where)
    assert read.status_code == 200 and "tăng điểm tối đa từ 5 lên 8" in read.text
    assert "Thanh tra CATP" in read.text and 'id="propose-form"' not in read.text
    assert leader.post(where, data={"csrf_token": csrf_of(leader), "text": "x"}).status_code == 403
    with session_scope() as s:
        [row] = s.exec(select(RulesProposal)).all()
        assert row.text == PROPOSAL.strip()
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "rules.propose")).all()
        assert event.after is not None and event.after["unit"] == "TTR"
