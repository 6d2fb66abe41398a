"""The leader's and the directorate's pages beyond confirm/return/extend: an absent unit's
written ballot entered by the leader (as `thidua submit ballot --written`), and the
directorate confirming a stage the leader left past its deadline (escalated)."""

from fastapi.testclient import TestClient
from sqlmodel import select

from models import VoterRoll
from rules.stages import Stage
from simulation.synthetic import drive_in_process
from thidua.db import session_scope
from thidua.sample import officer_username
from thidua.services.context import get_unit

from .conftest import csrf_of
from .test_action_pages import LEADER, SCRIPT, nonce_of


def test_the_leader_enters_an_absent_units_written_ballot(client_as, campaign_id: int) -> None:
    drive_in_process(campaign_id, SCRIPT, until=Stage.VOTE)
    leader: TestClient = client_as(LEADER)
    where = f"/campaigns/{campaign_id}/written-ballot/PHC"
    assert where in leader.get(f"/campaigns/{campaign_id}/lead").text
    form = leader.get(where)
    assert form.status_code == 200 and "(PHC)" in form.text
    assert form.headers["cache-control"] == "no-store"
    # Its own unit is no candidate on its ballot: choosing PHC for PHC is refused by field.
    own = leader.post(
        where, data={"csrf_token": csrf_of(leader), "action": "review", "ballot.leader": "PHC"}
    )
    assert own.status_code == 422 and 'class="field-error"' in own.text
    review = leader.post(
        where, data={"csrf_token": csrf_of(leader), "action": "review", "ballot.leader": "PTM"}
    )
    assert review.status_code == 200 and f'action="{where}"' in review.text
    cast = {
        "csrf_token": csrf_of(leader),
        "form_nonce": nonce_of(review.text),
        "action": "cast",
        "ballot.leader": "PTM",
    }
    done = leader.post(where, data=cast)
    assert done.status_code == 200, done.text
    assert "bằng văn bản của" in done.text and "(vắng mặt)" in done.text
    assert "Mã biên nhận phiếu:" in done.text and 'id="receipt"' in done.text
    assert leader.post(where, data=cast).status_code == 409  # the same form again
    with session_scope() as s:
        phc = get_unit(s, "PHC")
        [roll] = s.exec(select(VoterRoll).where(VoterRoll.unit_id == phc.id)).all()
        assert roll.written
    # The unit itself now finds its ballot cast; an officer may not use the leader's form.
    officer = client_as(officer_username("PHC"))
    assert officer.get(where).status_code == 403
