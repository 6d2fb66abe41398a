"""The read pages, as each person sees them: Vietnamese text, the right rows, the refusals."""

import io
import zipfile
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from models import Actor, AuditEvent, Document, Role, StageRun, Unit
from rules.defaults import example_scores
from simulation.participants import Script
from simulation.synthetic import drive_in_process
from thidua import localtime
from thidua.db import session_scope
from thidua.services import submissions
from thidua.services.auth import set_secret
from thidua.services.context import get_actor, load_campaign
from thidua.services.inputs import SelfAssessmentInput
from thidua.services.pending import pending

from .conftest import secret_for


def _outsider() -> str:
    """An officer of a unit in no cluster this year."""
    with session_scope() as s:
        unit = Unit(code="NGOAI", name="Phòng ngoài cụm")
        s.add(unit)
        s.flush()
        actor = Actor(
            username="canbo.ngoai",
            full_name="Cán bộ phòng ngoài cụm",
            role=Role.UNIT_OFFICER,
            unit_id=unit.id,
        )
        s.add(actor)
        set_secret(s, actor, secret_for(actor.username))
    return "canbo.ngoai"


def _submit_self_assessment(campaign_id: int, username: str) -> None:
    with session_scope() as s:
        view = load_campaign(s, campaign_id)
        data = SelfAssessmentInput(
            scores=example_scores(view.rules.scheme, 0.9), achievements="Hoàn thành xuất sắc."
        )
        submissions.submit_self_assessment(
            s, actor=get_actor(s, username), campaign_id=campaign_id, data=data
        )


def test_my_tasks_lists_the_self_assessment_with_its_local_deadline(
    client_as, campaign_id: int
) -> None:
    with session_scope() as s:
        items = pending(s, get_actor(s, "canbo.ptm"))
    assert len(items) == 1 and items[0].due_at is not None
    text = client_as("canbo.ptm").get("/").text
    assert "Việc của tôi" in text and "Hạn chót (giờ địa phương)" in text
    assert f'href="/campaigns/{campaign_id}">2019 · Cụm thi đua số 4' in text
    assert items[0].what in text and items[0].stage_label in text
    # 07:00 ahead of UTC in Hà Nội: the page prints the local wall clock, not UTC.
    assert localtime.clock(items[0].due_at) in text
    assert items[0].due_at.strftime("%d/%m/%Y %H:%M") not in text


def test_status_shows_who_has_and_has_not_acted(client_as, campaign_id: int) -> None:
    _submit_self_assessment(campaign_id, "canbo.ptm")
    leader = client_as("chihuy.ptm")
    page = leader.get(f"/campaigns/{campaign_id}")
    assert page.status_code == 200
    acted = page.text.split("Đã thực hiện")[1]
    missing = page.text.split("Chưa thực hiện")[1].split("Đã thực hiện")[0]
    with session_scope() as s:
        ptm = s.exec(select(Unit).where(Unit.code == "PTM")).one().name
        phc = s.exec(select(Unit).where(Unit.code == "PHC")).one().name
    assert ptm in acted and ptm not in missing
    assert f"<strong>{phc}</strong>: chưa nộp bản tự chấm điểm" in missing
    # No audit link for a leader; the directorate has one.
    assert f"/campaigns/{campaign_id}/audit" not in page.text
    directorate = client_as("bgd.phogiamdoc")
    assert f"/campaigns/{campaign_id}/audit" in directorate.get(f"/campaigns/{campaign_id}").text


def test_an_officer_outside_the_cluster_is_refused_and_audited(client_as, campaign_id) -> None:
    outsider = client_as(_outsider())
    assert f"/campaigns/{campaign_id}" not in outsider.get("/campaigns").text
    for path in ("", "/results", "/results.xlsx", "/documents/to-trinh.md"):
        answer = outsider.get(f"/campaigns/{campaign_id}{path}")
        assert answer.status_code == 403, path
        assert "không được xem đợt bình xét này" in answer.text
    with session_scope() as s:
        refused = s.exec(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert len(refused) == 4 and all(e.campaign_id == campaign_id for e in refused)


def test_the_list_shows_a_member_its_clusters_campaign(client_as, campaign_id: int) -> None:
    text = client_as("canbo.phc").get("/campaigns").text
    assert f'href="/campaigns/{campaign_id}">2019 · Cụm thi đua số 4' in text


def test_results_documents_and_downloads_of_a_finished_campaign(
    client_as, campaign_id: int
) -> None:
    drive_in_process(campaign_id, Script(late_unit=None, returned_unit=None))
    officer = client_as("canbo.phc")
    page = officer.get(f"/campaigns/{campaign_id}/results")
    assert page.status_code == 200
    assert "Xếp hạng" in page.text and "Tài liệu" in page.text
    with session_scope() as s:
        docs = s.exec(select(Document).where(Document.campaign_id == campaign_id)).all()
    md = next(d for d in docs if d.fmt == "md" and d.kind == "bien_ban")
    html = next(d for d in docs if d.fmt == "html")
    shown = officer.get(f"/campaigns/{campaign_id}/documents/{md.key}")
    assert shown.status_code == 200 and "BIÊN BẢN" in shown.text.upper()
    raw = officer.get(f"/campaigns/{campaign_id}/documents/{md.key}?download=1")
    assert raw.content.decode("utf-8") == md.content
    assert raw.headers["content-disposition"].startswith("attachment")
    view = officer.get(f"/campaigns/{campaign_id}/documents/{html.key}")
    assert view.text == html.content and "sandbox" in view.headers["content-security-policy"]
    base = md.key.removesuffix(".md")
    word = officer.get(f"/campaigns/{campaign_id}/documents/{base}.docx")
    assert word.status_code == 200 and zipfile.is_zipfile(io.BytesIO(word.content))
    xlsx = officer.get(f"/campaigns/{campaign_id}/results.xlsx")
    assert xlsx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(xlsx.content))
    assert officer.get(f"/campaigns/{campaign_id}/documents/khong-co.md").status_code == 404


def test_the_audit_history_is_the_directorates_and_the_admins(client_as, campaign_id) -> None:
    _submit_self_assessment(campaign_id, "canbo.ptm")
    for username in ("bgd.phogiamdoc", "quantri"):
        page = client_as(username).get(f"/campaigns/{campaign_id}/audit")
        assert page.status_code == 200
        assert "self_assessment.submit" in page.text and "canbo.ptm" in page.text
    for username in ("canbo.ptm", "chihuy.ptm", "hoidong.thuky"):
        assert client_as(username).get(f"/campaigns/{campaign_id}/audit").status_code == 403


def test_pages_answer_in_english_when_asked(client_as, campaign_id: int) -> None:
    officer = client_as("canbo.ptm")
    page = officer.get(f"/campaigns/{campaign_id}?lang=en")
    assert "Not done yet" in page.text and "Chưa thực hiện" not in page.text


def test_every_page_fits_a_phone(anonymous: TestClient) -> None:
    assert 'content="width=device-width, initial-scale=1"' in anonymous.get("/signin").text


def test_a_deadline_passed_is_marked_overdue(client_as) -> None:
    officer = client_as("canbo.ptm")
    assert "quá hạn" not in officer.get("/").text
    with session_scope() as s:
        for run in s.exec(select(StageRun)).all():
            run.due_at = datetime.now(UTC) - timedelta(hours=1)
            s.add(run)
    assert 'class="late"' in officer.get("/").text and "(quá hạn)" in officer.get("/").text


def test_pages_load_nothing_from_elsewhere_and_refuse_framing(client_as) -> None:
    answer = client_as("canbo.ptm").get("/")
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "http://" not in answer.text and "https://" not in answer.text
