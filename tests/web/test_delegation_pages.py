"""Delegation on the web: grant, act for the person who delegated (their role, both names in
the audit as the CLI's --thay-cho records them), revoke, and stop acting."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import col, select

from models import AuditEvent, Delegation
from models.types import utcnow
from thidua import localtime
from thidua.db import session_scope
from thidua.sample import commander_username, officer_username
from thidua.services.context import get_actor, load_campaign, open_stage_run
from thidua.web.acting import ACTING_COOKIE

from .conftest import csrf_of
from .test_action_pages import nonce_of

LEADER, OFFICER = commander_username("PTM"), officer_username("PTM")


def _typed(moment) -> str:  # type: ignore[no-untyped-def]
    return localtime.local(moment).strftime("%Y-%m-%dT%H:%M")


def _grant(client: TestClient, to: str, **times: str) -> object:
    page = client.get("/delegations")
    form = page.text.split('id="grant-form"')[1]
    data = {
        "csrf_token": csrf_of(client),
        "form_nonce": nonce_of(form),
        "to": to,
        "from": times.get("from", _typed(utcnow() - timedelta(minutes=5))),
        "until": times.get("until", _typed(utcnow() + timedelta(days=2))),
    }
    return client.post("/delegations", data=data)


def _extend(client: TestClient, campaign_id: int, reason: str) -> int:
    lead = client.get(f"/campaigns/{campaign_id}/lead")
    assert lead.status_code == 200, lead.text
    form = lead.text.split('id="extend-form"')[1]
    with session_scope() as s:
        run = open_stage_run(s, load_campaign(s, campaign_id))
        assert run is not None
        later = _typed(run.due_at + timedelta(hours=2))
    answer = client.post(
        f"/campaigns/{campaign_id}/extend",
        data={
            "csrf_token": csrf_of(client),
            "form_nonce": nonce_of(form),
            "unit": "PHC",
            "until": later,
            "reason": reason,
        },
    )
    return answer.status_code


def _events(action: str) -> list[tuple[int | None, int | None]]:
    with session_scope() as s:
        rows = s.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        ).all()
        return [(e.actor_id, e.substitute_id) for e in rows]


def test_a_substitute_acts_for_the_leader_and_the_audit_names_both(
    client_as, campaign_id: int
) -> None:
    leader, officer = client_as(LEADER), client_as(OFFICER)
    assert officer.get(f"/campaigns/{campaign_id}/lead").status_code == 403

    bad = _grant(leader, OFFICER, until=_typed(utcnow() + timedelta(days=200)))
    assert bad.status_code == 422 and "không quá 90 ngày" in bad.text
    unknown = _grant(leader, "khong.co.ai")
    assert unknown.status_code == 422 and "khong.co.ai" in unknown.text
    assert _grant(leader, OFFICER).status_code == 303
    assert "được làm thay" in leader.get("/delegations").text

    # Not delegated by the directorate: refused, and nothing is chosen.
    refused = officer.post(
        "/acting", data={"csrf_token": csrf_of(officer), "principal": "bgd.phogiamdoc"}
    )
    assert refused.status_code == 403 and ACTING_COOKIE not in officer.cookies

    page = officer.get("/delegations")
    assert f'value="{LEADER}"' in page.text
    chosen = officer.post("/acting", data={"csrf_token": csrf_of(officer), "principal": LEADER})
    assert chosen.status_code == 303 and ACTING_COOKIE in officer.cookies
    home = officer.get("/")
    assert "Đang làm thay" in home.text
    assert _extend(officer, campaign_id, "Làm thay Cụm trưởng") == 303
    # The leader's own action, in another session meanwhile: no substitute leaks into it.
    assert _extend(leader, campaign_id, "Cụm trưởng tự gia hạn") == 303
    with session_scope() as s:
        ids = (get_actor(s, LEADER).id, get_actor(s, OFFICER).id)
    assert _events("stage.extend") == [ids, (ids[0], None)]

    # A refusal while acting is logged under both names too (the leader's role has no ballot).
    refused = officer.post(
        f"/campaigns/{campaign_id}/ballot", data={"csrf_token": csrf_of(officer)}
    )
    assert refused.status_code == 403
    assert _events("access.refused")[-1] == ids

    # The acting choice is bound to its session: the same cookie in another session is ignored.
    other = client_as(OFFICER)
    other.cookies.set(ACTING_COOKIE, officer.cookies[ACTING_COOKIE])
    assert other.get(f"/campaigns/{campaign_id}/lead").status_code == 403

    with session_scope() as s:
        row = s.exec(select(Delegation)).one()
    revoke_form = leader.get("/delegations").text.split(f"/delegations/{row.id}/revoke")[1]
    revoked = leader.post(
        f"/delegations/{row.id}/revoke",
        data={"csrf_token": csrf_of(leader), "form_nonce": nonce_of(revoke_form)},
    )
    assert revoked.status_code == 303
    after = officer.get(f"/campaigns/{campaign_id}/lead")
    assert after.status_code == 403 and "ủy quyền" in after.text
    stopped = officer.post("/acting", data={"csrf_token": csrf_of(officer), "principal": ""})
    assert stopped.status_code == 303
    assert "Đang làm thay" not in officer.get("/").text
