"""The officers', the leader's and the directorate's action pages, each as its user against the
sample campaign: what the page shows, what a posted form files (through the same services as
the CLI), every problem next to its field, and refusals (no session, another role, another
unit, a missing CSRF token, a form sent twice)."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from models import (
    AuditEvent,
    Decision,
    DecisionKind,
    Extension,
    PeerReview,
    SelfAssessment,
    SubmissionStatus,
)
from rules.defaults import default_rules, example_scores
from rules.stages import Stage
from simulation.participants import Script
from simulation.synthetic import drive_in_process
from thidua import localtime
from thidua.db import session_scope
from thidua.sample import commander_username, officer_username
from thidua.services import submissions
from thidua.services.context import get_actor, load_campaign, open_stage_run
from thidua.services.inputs import SelfAssessmentInput

from .conftest import csrf_of
from .test_pages import _outsider

SCHEME = default_rules().scheme
OFFICER, LEADER = officer_username("PTM"), commander_username("PTM")
SCRIPT = Script(late_unit=None, returned_unit=None)


def nonce_of(html: str) -> str:
    found = re.search(r'name="form_nonce" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def full_sheet(prefix: str = "scores.") -> dict[str, str]:
    return {f"{prefix}{c.code}": str(c.max_points) for c in SCHEME.criteria}


def refusals(action_like: str) -> int:
    with session_scope() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
        return sum(1 for r in rows if action_like in str(r.after))


def test_the_self_assessment_form_total_errors_and_submit(client_as, campaign_id: int) -> None:
    officer: TestClient = client_as(OFFICER)
    path = f"/campaigns/{campaign_id}/self-assessment"
    form = officer.get(path)
    assert form.status_code == 200
    assert 'name="scores.XDD1"' in form.text and 'data-max="5"' in form.text
    assert "/static/total.js" in form.text
    sheet = full_sheet() | {"scores.XDD1": "7", "scores.XDD2": "", "scores.THUONG1": "1"}
    base = {"csrf_token": csrf_of(officer), "form_nonce": nonce_of(form.text)}
    preview = officer.post(path, data=base | sheet | {"action": "preview"})
    assert preview.status_code == 200
    # Both problems at once, each right after its own input; the total of the valid lines.
    text = preview.text
    assert re.search(r'name="scores.XDD1"[^>]*>\s*<p class="field-error"[^>]*>vượt quá', text)
    assert re.search(r'name="scores.XDD2"[^>]*>\s*<p class="field-error"[^>]*>thiếu điểm', text)
    assert ">91,00</output>" in text  # 100 - XDD1 - XDD2 (5 each, counted 0) + 1
    refused = officer.post(path, data=base | sheet | {"action": "submit"})
    assert refused.status_code == 422 and "vượt quá điểm tối đa 5" in refused.text
    with session_scope() as s:
        assert s.exec(select(SelfAssessment)).all() == []
    good = full_sheet() | {"achievements": "Hoàn thành xuất sắc nhiệm vụ"}
    fresh = {"csrf_token": csrf_of(officer), "form_nonce": nonce_of(refused.text)}
    sent = officer.post(path, data=fresh | good | {"action": "submit"})
    assert sent.status_code == 303, sent.text
    after = officer.get(path)
    assert "Đã nhận bản tự chấm điểm của Phòng Tham mưu (lần 1)" in after.text
    assert "đã nộp bản tự chấm lần 1" in after.text and 'name="form_nonce"' not in after.text
    with session_scope() as s:
        [sa] = s.exec(select(SelfAssessment)).all()
        assert sa.achievements == "Hoàn thành xuất sắc nhiệm vụ" and sa.total == 100
        event = s.exec(
            select(AuditEvent).where(AuditEvent.action == "self_assessment.submit")
        ).one()
        assert event.after["via"] == "web"
    # The same form sent again: refused as a replay, audited, nothing written.
    again = officer.post(path, data=fresh | good | {"action": "submit"})
    assert again.status_code == 409 and "đã được gửi" in again.text
    assert refusals("đã được gửi") == 1


def test_the_leader_returns_and_the_officer_revises(client_as, campaign_id: int) -> None:
    with session_scope() as s:
        submissions.submit_self_assessment(
            s,
            actor=get_actor(s, OFFICER),
            campaign_id=campaign_id,
            data=SelfAssessmentInput(scores=dict(example_scores(SCHEME, 0.8))),
        )
    leader: TestClient = client_as(LEADER)
    lead = leader.get(f"/campaigns/{campaign_id}/lead")
    assert lead.status_code == 200 and "Phòng Tham mưu (PTM)" in lead.text
    nonce = re.search(
        r'/return">\s*<input[^>]*>\s*<input type="hidden" name="form_nonce" '
        r'value="([^"]+)"',
        lead.text,
    )
    assert nonce, lead.text
    data = {"csrf_token": csrf_of(leader), "form_nonce": nonce.group(1), "unit": "PTM"}
    empty = leader.post(f"/campaigns/{campaign_id}/return", data=data | {"comment": " "})
    assert empty.status_code == 422 and "phải nêu lý do trả lại" in empty.text
    data["form_nonce"] = nonce_of(empty.text.split('/return">')[1])
    comment = "Tiêu chí XDD1 chưa có minh chứng"
    back = leader.post(f"/campaigns/{campaign_id}/return", data=data | {"comment": comment})
    assert back.status_code == 303
    officer: TestClient = client_as(OFFICER)
    path = f"/campaigns/{campaign_id}/self-assessment"
    form = officer.get(path)
    assert "bị Cụm trưởng trả lại để sửa" in form.text and comment in form.text
    assert 'name="scores.XDD1" id="scores.XDD1" value="4"' in form.text  # the last version
    data = {"csrf_token": csrf_of(officer), "form_nonce": nonce_of(form.text), "action": "submit"}
    revised = officer.post(path, data=data | full_sheet())
    assert revised.status_code == 303
    with session_scope() as s:
        versions = s.exec(select(SelfAssessment).order_by(SelfAssessment.version)).all()
        assert [(v.version, v.status) for v in versions] == [
            (1, SubmissionStatus.RETURNED),
            (2, SubmissionStatus.SUBMITTED),
        ]


def test_the_leader_extends_a_deadline_and_confirms(client_as, campaign_id: int) -> None:
    leader: TestClient = client_as(LEADER)
    lead = leader.get(f"/campaigns/{campaign_id}/lead")
    form = lead.text.split('id="extend-form"')[1]
    with session_scope() as s:
        run = open_stage_run(s, load_campaign(s, campaign_id))
        assert run is not None
        due = run.due_at
    too_late = localtime.local(due + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    data = {"csrf_token": csrf_of(leader), "form_nonce": nonce_of(form), "unit": "PHC"}
    refused = leader.post(
        f"/campaigns/{campaign_id}/extend", data=data | {"until": too_late, "reason": "Ốm"}
    )
    assert refused.status_code == 422
    assert re.search(r'name="until"[^>]*>\s*<p class="field-error"[^>]*>phải sau hạn', refused.text)
    later = localtime.local(due + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    data["form_nonce"] = nonce_of(refused.text.split('id="extend-form"')[1])
    ok = leader.post(
        f"/campaigns/{campaign_id}/extend",
        data=data | {"until": later, "reason": "Đơn vị đi công tác đột xuất"},
    )
    assert ok.status_code == 303
    with session_scope() as s:
        [ext] = s.exec(select(Extension)).all()
        assert ext.reason == "Đơn vị đi công tác đột xuất"
        assert ext.until == (due + timedelta(hours=2)).replace(second=0, microsecond=0)
    # Confirming before every unit has sent is refused with the missing units named.
    lead = leader.get(f"/campaigns/{campaign_id}/lead")
    data = {"csrf_token": csrf_of(leader), "form_nonce": nonce_of(lead.text)}
    early = leader.post(f"/campaigns/{campaign_id}/confirm", data=data)
    assert early.status_code == 409 and "Chưa thể xác nhận" in early.text
    drive_in_process(campaign_id, SCRIPT, until=Stage.PEER_REVIEW)  # stage 1 done by the others
    drive_in_process(campaign_id, SCRIPT, until=Stage.VOTE)
    with session_scope() as s:
        view = load_campaign(s, campaign_id)
        from simulation.participants import ballot_for

        for unit in view.members:
            submissions.cast_ballot(
                s,
                actor=get_actor(s, officer_username(unit.code)),
                campaign_id=campaign_id,
                ballot=ballot_for(s, view, unit.code, SCRIPT),
            )
    lead = leader.get(f"/campaigns/{campaign_id}/lead")
    assert 'name="chair" value="' in lead.text  # prefilled: the leader unit's commander
    data = {"csrf_token": csrf_of(leader), "form_nonce": nonce_of(lead.text)}
    data |= {"chair": "Đại tá Nguyễn Văn A", "place": "Hội trường CATP"}
    done = leader.post(f"/campaigns/{campaign_id}/confirm", data=data)
    assert done.status_code == 303, done.text
    with session_scope() as s:
        decision = s.exec(select(Decision).where(Decision.kind == DecisionKind.CONFIRM)).all()[-1]
        assert decision.via == "web"
        assert decision.payload["meeting"]["place"] == "Hội trường CATP"


def test_the_review_grid_never_shows_ones_own_unit(client_as, campaign_id: int) -> None:
    drive_in_process(campaign_id, SCRIPT, until=Stage.PEER_REVIEW)
    officer: TestClient = client_as(OFFICER)
    path = f"/campaigns/{campaign_id}/reviews"
    grid = officer.get(path)
    assert grid.status_code == 200
    columns = re.findall(r'name="reviews\[(\d+)\]\.reviewee" value="(\w+)"', grid.text)
    assert len(columns) == 9 and "PTM" not in {code for _, code in columns}
    index = {code: i for i, code in columns}
    i = index["PHC"]
    row = full_sheet(f"reviews[{i}].scores.") | {f"reviews[{i}].scores.XDD3": "x"}
    # A forged reviewee is ignored: a column reviews the unit the grid put there.
    row[f"reviews[{i}].reviewee"] = "PTM"
    data = {"csrf_token": csrf_of(officer), "form_nonce": nonce_of(grid.text), "action": "submit"}
    refused = officer.post(path, data=data | row)
    assert refused.status_code == 422
    field = re.escape(f"reviews[{i}].scores.XDD3")
    assert re.search(
        rf'name="{field}"[^>]*>\s*<p class="field-error"[^>]*>không phải là số', refused.text
    )
    row[f"reviews[{i}].scores.XDD3"] = "3"
    data["form_nonce"] = nonce_of(refused.text)
    sent = officer.post(path, data=data | row)
    assert sent.status_code == 303
    with session_scope() as s:
        [review] = s.exec(select(PeerReview)).all()
        assert load_campaign(s, campaign_id).unit_by_id(review.reviewee_unit_id).code == "PHC"
    assert "đã nộp" in officer.get(path).text


def test_the_directorate_decides_with_its_reason(client_as, campaign_id: int) -> None:
    drive_in_process(campaign_id, SCRIPT, until=Stage.APPROVAL)
    director: TestClient = client_as("bgd.phogiamdoc")
    page = director.get(f"/campaigns/{campaign_id}/decide")
    assert page.status_code == 200 and "Kết quả bỏ phiếu" in page.text
    data = {"csrf_token": csrf_of(director), "form_nonce": nonce_of(page.text)}
    amend = director.post(
        f"/campaigns/{campaign_id}/decide",
        data=data | {"outcome": "amend", "reason": "", "amend.PTC": "Đơn vị tiên tiến"},
    )
    assert amend.status_code == 422
    assert re.search(r'name="reason"[^>]*>[^<]*</textarea>\s*<p class="field-error"', amend.text)
    data["form_nonce"] = nonce_of(amend.text)
    ok = director.post(
        f"/campaigns/{campaign_id}/decide",
        data=data | {"outcome": "amend", "reason": "Theo kết luận thanh tra", "amend.PTC": ""},
    )
    assert ok.status_code == 303, ok.text
    with session_scope() as s:
        decision = s.exec(select(Decision).where(Decision.kind == DecisionKind.AMEND)).one()
        assert decision.payload["amendments"] == {"PTC": None} and decision.via == "web"


def test_refusals_no_session_other_role_other_unit_and_csrf(
    client_as, anonymous: TestClient, campaign_id: int
) -> None:
    path = f"/campaigns/{campaign_id}/self-assessment"
    assert anonymous.get(path).status_code == 303
    assert anonymous.post(path, data={}).status_code in (303, 403)
    leader: TestClient = client_as(LEADER)
    assert leader.get(path).status_code == 403  # not an officer
    officer: TestClient = client_as(OFFICER)
    assert officer.get(f"/campaigns/{campaign_id}/lead").status_code == 403
    # The commander of another member unit is not the cluster's leader.
    other_leader: TestClient = client_as(commander_username("PHC"))
    assert other_leader.get(f"/campaigns/{campaign_id}/lead").status_code == 403
    # An officer of a unit outside the cluster.
    stranger: TestClient = client_as(_outsider())
    answer = stranger.get(path)
    assert answer.status_code == 403 and "không thuộc đơn vị thành viên" in answer.text
    form = officer.get(path)
    data = full_sheet() | {"form_nonce": nonce_of(form.text), "action": "submit"}
    assert officer.post(path, data=data).status_code == 403  # no CSRF token
    wrong = officer.post(path, data=data | {"csrf_token": "x" * 43})
    assert wrong.status_code == 403 and "CSRF" in wrong.text
    with session_scope() as s:
        assert s.exec(select(SelfAssessment)).all() == []
    assert refusals("CSRF") >= 2


def test_the_campaign_page_links_each_role_to_its_action(client_as, campaign_id: int) -> None:
    base = f"/campaigns/{campaign_id}"
    officer = client_as(OFFICER).get(base).text
    assert f'href="{base}/self-assessment"' in officer and f'href="{base}/ballot"' not in officer
    assert f'href="{base}/lead"' in client_as(LEADER).get(base).text
    director = client_as("bgd.phogiamdoc").get(base).text
    assert f'href="{base}/decide"' not in director  # not before the approval stage
    assert f'href="{base}/ballot/verify"' in director


def test_the_chair_decides_a_quota_tie_on_the_leaders_page(client_as, campaign_id: int) -> None:
    from rules.defaults import TITLE_QUYET_THANG as QT
    from tests.test_vote_rules_cli import _everyone_votes_yes, _tie_for_one_place

    drive_in_process(campaign_id, SCRIPT, until=Stage.VOTE)
    a, b = _tie_for_one_place(campaign_id)
    leader: TestClient = client_as(LEADER)
    assert 'name="unit.' not in leader.get(f"/campaigns/{campaign_id}/lead").text  # ballots due
    _everyone_votes_yes(campaign_id)
    lead = leader.get(f"/campaigns/{campaign_id}/lead")
    assert f'name="unit.{a}"' in lead.text and f'name="unit.{b}"' in lead.text
    form = lead.text.split(f'/campaigns/{campaign_id}/tie"')[1]
    data = {"csrf_token": csrf_of(leader), "form_nonce": nonce_of(form), "title": QT}
    data[f"unit.{b}"] = "on"
    bare = leader.post(f"/campaigns/{campaign_id}/tie", data=data | {"reason": ""})
    assert bare.status_code == 422 and "phải ghi rõ lý do" in bare.text
    data["form_nonce"] = nonce_of(bare.text.split(f'/campaigns/{campaign_id}/tie"')[1])
    reason = "Đơn vị có thành tích đột xuất trong đợt cao điểm"
    done = leader.post(f"/campaigns/{campaign_id}/tie", data=data | {"reason": reason})
    assert done.status_code == 303, done.text
    with session_scope() as s:
        decision = s.exec(select(Decision).where(Decision.kind == DecisionKind.CHAIR_TIE)).one()
        assert decision.payload["units"] == [b] and decision.via == "web"
        assert decision.reason == reason
    assert 'name="unit.' not in leader.get(f"/campaigns/{campaign_id}/lead").text
