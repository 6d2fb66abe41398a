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


def test_the_directorate_confirms_a_stage_escalated_past_its_deadline(
    client_as, campaign_id: int
) -> None:
    from datetime import timedelta

    from models import Decision, DecisionKind, Role, StageRun
    from models.types import utcnow
    from thidua.services.context import get_actor, load_campaign, open_stage_run

    from .conftest import USER_OF_ROLE

    def overdue(**fields: object) -> None:
        with session_scope() as s:
            run = open_stage_run(s, load_campaign(s, campaign_id))
            assert run is not None
            for name, value in fields.items():
                setattr(run, name, value)
            s.add(run)

    directorate: TestClient = client_as(USER_OF_ROLE[Role.DIRECTORATE])
    where = f"/campaigns/{campaign_id}/decide"
    page = directorate.get(where)
    assert page.status_code == 200 and 'id="escalated-form"' not in page.text
    # As deadlines.escalate_due marks a "wait" stage left past due + escalate_after (the
    # sample's rules set no escalate_after: the test marks it the same way).
    overdue(on_deadline="wait", due_at=utcnow() - timedelta(days=30), escalated_at=utcnow())
    page = directorate.get(where)
    assert 'id="escalated-form"' in page.text
    assert f"/campaigns/{campaign_id}/decide" in directorate.get("/").text  # Việc của tôi
    form = page.text.split('id="escalated-form"')[1]
    data = {"csrf_token": csrf_of(directorate), "form_nonce": nonce_of(form)}
    done = directorate.post(f"/campaigns/{campaign_id}/confirm-escalated", data=data)
    assert done.status_code == 303, done.text
    assert (
        directorate.post(f"/campaigns/{campaign_id}/confirm-escalated", data=data).status_code
        == 409
    )  # replayed
    with session_scope() as s:
        who = get_actor(s, USER_OF_ROLE[Role.DIRECTORATE])
        run = s.exec(select(StageRun).where(StageRun.confirmed_by == who.id)).one()
        decision = s.exec(select(Decision).where(Decision.kind == DecisionKind.CONFIRM)).one()
        assert run.escalated_at is not None and decision.via == "web"
    assert 'id="escalated-form"' not in directorate.get(where).text


def test_a_stage_not_escalated_is_not_the_directorates_to_confirm(
    client_as, campaign_id: int
) -> None:
    from datetime import timedelta

    from models import AuditEvent, Role, StageRun
    from models.types import utcnow

    from .conftest import USER_OF_ROLE

    directorate: TestClient = client_as(USER_OF_ROLE[Role.DIRECTORATE])
    with session_scope() as s:
        run = s.exec(select(StageRun).where(StageRun.closed_at == None)).one()  # noqa: E711
        run.escalated_at, run.due_at = utcnow(), utcnow() - timedelta(days=30)
        s.add(run)
    form = directorate.get(f"/campaigns/{campaign_id}/decide").text.split('id="escalated-form"')[1]
    with session_scope() as s:
        run = s.exec(select(StageRun).where(StageRun.closed_at == None)).one()  # noqa: E711
        run.escalated_at = None  # the stage is the leader's again
        s.add(run)
    answer = directorate.post(
        f"/campaigns/{campaign_id}/confirm-escalated",
        data={"csrf_token": csrf_of(directorate), "form_nonce": nonce_of(form)},
    )
    assert answer.status_code == 403
    with session_scope() as s:
        run = s.exec(select(StageRun).where(StageRun.closed_at == None)).one()  # noqa: E711
        assert run.confirmed_by is None
        refused = s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
        assert any("confirm-escalated" in e.entity_id for e in refused)


def test_the_directorate_decides_an_escalated_quota_tie(client_as, campaign_id: int) -> None:
    from datetime import timedelta

    from models import Decision, DecisionKind, Role, StageRun
    from models.types import utcnow
    from rules.defaults import TITLE_QUYET_THANG as QT
    from tests.test_vote_rules_cli import _everyone_votes_yes, _tie_for_one_place

    from .conftest import USER_OF_ROLE

    drive_in_process(campaign_id, SCRIPT, until=Stage.VOTE)
    a, b = _tie_for_one_place(campaign_id)
    _everyone_votes_yes(campaign_id)
    directorate: TestClient = client_as(USER_OF_ROLE[Role.DIRECTORATE])
    where = f"/campaigns/{campaign_id}/decide"
    assert "tie-escalated" not in directorate.get(where).text  # the chair's, not yet escalated
    with session_scope() as s:
        run = s.exec(select(StageRun).where(StageRun.closed_at == None)).one()  # noqa: E711
        run.escalated_at, run.due_at = utcnow(), utcnow() - timedelta(days=3)
        s.add(run)
    assert where in directorate.get("/").text  # "Việc của tôi": decide in the chair's place
    page = directorate.get(where)
    assert f'name="unit.{a}"' in page.text and f'name="unit.{b}"' in page.text
    mark = f'/campaigns/{campaign_id}/tie-escalated" class="card"'
    form = page.text.split(mark)[1]
    data = {"csrf_token": csrf_of(directorate), "form_nonce": nonce_of(form), "title": QT}
    data[f"unit.{a}"] = "on"
    bare = directorate.post(f"/campaigns/{campaign_id}/tie-escalated", data=data)
    assert bare.status_code == 422 and "phải ghi rõ lý do" in bare.text
    data["form_nonce"] = nonce_of(bare.text.split(mark)[1])
    reason = "Quá hạn, Ban Giám đốc quyết định theo thành tích đột xuất"
    done = directorate.post(
        f"/campaigns/{campaign_id}/tie-escalated", data=data | {"reason": reason}
    )
    assert done.status_code == 303, done.text
    with session_scope() as s:
        decision = s.exec(select(Decision).where(Decision.kind == DecisionKind.CHAIR_TIE)).one()
        assert decision.payload["units"] == [a] and decision.payload["by"] == "directorate"
        assert decision.via == "web"
    assert f'name="unit.{a}"' not in directorate.get(where).text
