"""The HTTP API as another system uses it: tokens, scopes, the same rules and refusals as the
CLI, errors as JSON with every problem, and a whole round of self-assessments, reviews and
ballots through it (stages closed by the services the flow calls, as in tests/test_cli.py)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, func, select

from models import Actor, ApiToken, AuditEvent, Ballot, Role, TokenScope, Unit, VoterRoll
from models.types import utcnow
from rules.defaults import example_scores
from rules.stages import Stage
from simulation.participants import Script, ballot_for
from simulation.synthetic import drive_in_process
from thidua.db import session_scope
from thidua.sample import ADMIN, UNITS, commander_username, officer_username
from thidua.services import api_tokens
from thidua.services.context import get_actor, load_campaign
from thidua.services.receipts import verify

CODES = [code for code, _ in UNITS]


@pytest.fixture
def api(web: FastAPI) -> TestClient:
    """A client with no cookies: the API knows only the token in each request."""
    return TestClient(web, follow_redirects=False)


@pytest.fixture
def issue(web_db: str) -> Callable[..., dict[str, str]]:
    def make(username: str, scope: TokenScope = TokenScope.ACT, **kw: Any) -> dict[str, str]:
        with session_scope() as s:
            _, token = api_tokens.issue(
                s, by=get_actor(s, ADMIN[0]), system="Cổng thông tin thử",
                actor=get_actor(s, username), scope=scope, **kw,
            )  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    return make


def _scores(cid: int, quality: float) -> dict[str, str]:
    with session_scope() as s:
        scheme = load_campaign(s, cid).rules.scheme
    return {k: str(v) for k, v in example_scores(scheme, quality).items()}


def _refusals() -> list[AuditEvent]:
    with session_scope() as s:
        return list(
            s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
        )


def test_without_a_token_or_with_a_wrong_one_the_answer_is_401(
    api: TestClient, campaign_id: int, issue: Callable[..., dict[str, str]]
) -> None:
    for headers in ({}, {"Authorization": "Bearer thidua_sai"}, {"Authorization": "Basic eDp5"}):
        answer = api.get("/api/v1/pending", headers=headers)
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
        assert answer.json()["detail"]
    # The session cookie of a signed-in person is not a token.
    assert api.get("/api/v1/pending", cookies={"thidua_session": "x"}).status_code == 401
    # A wrong token is a refused use, logged; a request without one is no attempt.
    assert [e.after["reason"] for e in _refusals()] == ["Mã API không đúng"]  # type: ignore[index]


def test_a_revoked_or_expired_token_is_401_and_logged(
    api: TestClient, campaign_id: int, issue: Callable[..., dict[str, str]]
) -> None:
    revoked = issue(officer_username("PTM"))
    expired = issue(officer_username("PHC"), expires_at=utcnow() + timedelta(minutes=5))
    assert api.get("/api/v1/pending", headers=revoked).status_code == 200
    with session_scope() as s:
        first, second = s.exec(select(ApiToken).order_by(ApiToken.id)).all()
        api_tokens.revoke(s, by=get_actor(s, ADMIN[0]), token_id=first.id)  # type: ignore[arg-type]
        second.expires_at = utcnow() - timedelta(seconds=1)
        s.add(second)
    for headers, why in ((revoked, "thu hồi"), (expired, "hết hạn")):
        answer = api.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)
        assert answer.status_code == 401 and why in answer.json()["detail"]
    assert len(_refusals()) == 2


def test_a_read_only_token_may_read_but_not_act(
    api: TestClient, campaign_id: int, issue: Callable[..., dict[str, str]]
) -> None:
    reader = issue(officer_username("PTM"), TokenScope.READ)
    assert api.get(f"/api/v1/campaigns/{campaign_id}", headers=reader).status_code == 200
    answer = api.post(
        f"/api/v1/campaigns/{campaign_id}/self-assessment",
        headers=reader,
        json={"scores": _scores(campaign_id, 0.9)},
    )
    assert answer.status_code == 403 and "chỉ được đọc" in answer.json()["detail"]
    [event] = _refusals()
    assert event.after and event.after["claimed_username"] == officer_username("PTM")
    assert event.entity_id.startswith(f"api POST /api/v1/campaigns/{campaign_id}/self-assessment")


def test_another_units_officer_and_the_wrong_role_are_refused(
    api: TestClient, campaign_id: int, issue: Callable[..., dict[str, str]]
) -> None:
    with session_scope() as s:  # a unit in no cluster this year, with its officer
        unit = Unit(code="PXX", name="Phòng Ngoài cụm")
        s.add(unit)
        s.flush()
        s.add(Actor(username="canbo.pxx", full_name="Cán bộ ngoài cụm",
                    role=Role.UNIT_OFFICER, unit_id=unit.id))  # fmt: skip
    outsider = issue("canbo.pxx")
    sheet = {"scores": _scores(campaign_id, 0.9)}
    url = f"/api/v1/campaigns/{campaign_id}"
    assert api.get(url, headers=outsider).status_code == 403
    assert api.post(f"{url}/self-assessment", headers=outsider, json=sheet).status_code == 403
    assert api.get("/api/v1/campaigns", headers=outsider).json() == []
    # A member's officer filing a form made for another unit: refused by the form's checks.
    ptm = issue(officer_username("PTM"))
    answer = api.post(f"{url}/self-assessment", headers=ptm, json={**sheet, "unit": "PHC"})
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "unit"
    # A unit officer is not the cluster leader; the leader is not the directorate.
    comment = {"unit": "PHC", "comment": "Bổ sung minh chứng"}
    assert api.post(f"{url}/return", headers=ptm, json=comment).status_code == 403
    leader = issue(commander_username("PTM"))
    decision = {"outcome": "approve"}
    assert api.post(f"{url}/decide", headers=leader, json=decision).status_code == 403
    assert api.get("/api/v1/audit", headers=leader).status_code == 403
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(VoterRoll)).one() == 0


def test_errors_are_json_with_every_problem_and_nothing_written(
    api: TestClient, campaign_id: int, issue: Callable[..., dict[str, str]]
) -> None:
    ptm = issue(officer_username("PTM"))
    url = f"/api/v1/campaigns/{campaign_id}/self-assessment"
    scores = _scores(campaign_id, 0.9)
    first = next(iter(scores))
    bad = {"scores": {**scores, first: "999", "KHONG-CO": "1"}, "achievements": 5}
    answer = api.post(url, headers=ptm, json=bad)
    body = answer.json()
    assert answer.status_code == 422 and len(body["problems"]) >= 3
    fields = {p["field"] for p in body["problems"]}
    assert {f"scores.{first}", "achievements"} <= fields, fields
    assert all(p["reason"] and p["where"] for p in body["problems"])
    twice = '{"scores": {}, "scores": {}}'
    answer = api.post(url, headers=ptm, content=twice)
    assert answer.status_code == 422 and "hai lần" in answer.json()["problems"][0]["reason"]
    answer = api.post(url, headers=ptm, content="[" * 100)
    assert answer.status_code == 422 and answer.json()["field"] == "body"
    answer = api.get("/api/v1/audit?limit=abc", headers=issue("bgd.phogiamdoc"))
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "limit"
    with session_scope() as s:
        written = select(AuditEvent).where(col(AuditEvent.action).like("self_assessment%"))
        assert not s.exec(written).all()


def test_a_whole_round_through_the_api(
    api: TestClient, campaign_id: int, issue: Callable[..., dict[str, str]]
) -> None:
    cid, url = campaign_id, f"/api/v1/campaigns/{campaign_id}"
    officers = {code: issue(officer_username(code)) for code in CODES}
    leader = issue(commander_username("PTM"))
    pending = api.get("/api/v1/pending", headers=officers["PTM"]).json()
    assert [p["campaign_id"] for p in pending] == [cid] and pending[0]["due_at"].endswith("+07:00")

    for n, code in enumerate(CODES):
        sheet = {"scores": _scores(cid, 0.95 - n / 100), "achievements": "Hoàn thành xuất sắc"}
        answer = api.post(f"{url}/self-assessment", headers=officers[code], json=sheet)
        assert answer.status_code == 200, answer.text
        assert "Đã nhận bản tự chấm" in answer.json()["message"]
        # The same form again is a no-op, never a second version.
        assert api.post(f"{url}/self-assessment", headers=officers[code], json=sheet).json()
    status = api.get(url, headers=leader).json()
    assert status["received"] == status["expected"] == len(CODES) and not status["missing"]
    confirmed = api.post(f"{url}/confirm", headers=leader)
    assert confirmed.status_code == 200 and confirmed.json()["wake"] == "no_run"
    drive_in_process(cid, Script(late_unit=None, returned_unit=None), until=Stage.PEER_REVIEW)

    for code in CODES:
        reviews = [
            {"reviewee": other, "scores": _scores(cid, 0.9), "comment": "Tốt"}
            for other in CODES
            if other != code
        ]
        own = api.post(
            f"{url}/reviews", headers=officers[code],
            json={"reviews": [*reviews, {"reviewee": code, "scores": _scores(cid, 1)}]},
        )  # fmt: skip
        assert own.status_code == 422 and "tự chấm chéo" in own.text
        answer = api.post(f"{url}/reviews", headers=officers[code], json={"reviews": reviews})
        assert answer.status_code == 200, answer.text
    assert api.post(f"{url}/confirm", headers=leader).status_code == 200
    drive_in_process(cid, Script(late_unit=None, returned_unit=None), until=Stage.VOTE)

    with session_scope() as s:
        view = load_campaign(s, cid)
        ballots = {
            code: ballot_for(s, view, code, Script()).model_dump(mode="json") for code in CODES
        }
    receipts_given = []
    for code in CODES:
        answer = api.post(f"{url}/ballot", headers=officers[code], json=ballots[code])
        assert answer.status_code == 200, answer.text
        receipts_given.append(answer.json()["receipt"])
    assert len(set(receipts_given)) == len(CODES)  # one receipt a ballot, never the same twice
    with session_scope() as s:
        # Each receipt names a ballot recorded in this vote, not yet counted; never its content.
        checks = [verify(s, campaign_id=cid, receipt=r) for r in receipts_given]
        assert {(c.counted, c.attempt) for c in checks} == {(False, 1)}
    again = api.post(f"{url}/ballot", headers=officers["PTM"], json=ballots["PTM"])
    assert again.status_code == 409
    with session_scope() as s:
        cast = s.exec(select(func.count()).select_from(Ballot)).one()
        roll = s.exec(select(func.count()).select_from(VoterRoll)).one()
        vias = {e.after.get("via") for e in s.exec(  # type: ignore[union-attr]
            select(AuditEvent).where(AuditEvent.action == "ballot.cast")
        ).all()}  # fmt: skip
    assert cast == roll == len(CODES) and all(str(v).startswith("api:") for v in vias)
    results = api.get(f"{url}/results", headers=issue("bgd.phogiamdoc", TokenScope.READ))
    ranking = results.json()["ranking"]
    assert results.status_code == 200 and {r["unit"] for r in ranking} == set(CODES)
    audit = api.get(f"/api/v1/audit?campaign={cid}", headers=issue("bgd.phogiamdoc"))
    assert any(e["action"] == "ballot.cast" for e in audit.json())


def test_the_documentation_lists_every_route_with_its_roles(
    api: TestClient, web: FastAPI
) -> None:
    spec = api.get("/api/openapi.json").json()
    paths = {p for p in spec["paths"]}
    assert "/api/v1/campaigns/{campaign_id}/ballot" in paths and "/api/v1/audit" in paths
    assert {"SelfAssessmentInput", "ReviewsInput", "BallotForm", "DecideIn"} <= set(
        spec["components"]["schemas"]
    )
    page = api.get("/api/docs")
    assert page.status_code == 200 and "<script" not in page.text
    for path in paths:
        assert path in page.text
    assert "Ban Giám đốc" in page.text and "scores" in page.text
