"""Notifications at the service level (no Prefect server): the outbox and real deliveries.

A real SMTP server (aiosmtpd) and a real HTTP receiver (http.server) listen on loopback; the
deliverer talks to them over sockets as it would to a mail relay or a chat bridge.
"""

import email
import email.policy
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from prefect.settings import PREFECT_UI_URL, temporary_settings
from sqlalchemy import func
from sqlmodel import col, select
from typer.testing import CliRunner

from models import (
    Actor,
    Campaign,
    Channel,
    ChannelKind,
    OutboxMessage,
    OutboxStatus,
    StageRun,
    Unit,
)
from models.types import utcnow
from notifications import events, status, webhooks
from notifications.delivery import deliver_pending
from notifications.outbox import _insert
from notifications.reminders import due_reminders
from notifications.smtp import NO_SMTP
from rules.defaults import example_scores
from rules.stages import Stage
from simulation.participants import Script, act
from thidua.cli.main import app
from thidua.db import create_schema, session_scope
from thidua.sample import load_sample
from thidua.services import decisions
from thidua.services.context import get_actor, load_campaign, open_stage_run
from thidua.services.cycles import start_cycle
from thidua.services.inputs import SelfAssessmentInput
from thidua.services.stages import close_stage
from thidua.services.submissions import return_self_assessment, submit_self_assessment
from thidua.services.waits import answer, plan_step
from thidua.settings import Settings

UI = "http://127.0.0.1:4200"
FROM = "Hệ thống thi đua CATP Hà Nội <thidua@catp.hanoi.example>"
HOOK_SECRET = "bí-mật-của-kênh-webhook"


# ---------------------------------------------------------------- servers on loopback


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage, bytes]] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Không có hộp thư này"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow relay: keeps concurrent deliverers overlapping
        raw = bytes(envelope.original_content or envelope.content)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), msg, raw))
        return "250 OK"

    def by_id(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for _, m, _ in self.messages)


class SMTPServer:
    def __init__(self, port: int, **kwargs: Any) -> None:
        self.port = port
        self.inbox = Inbox()
        self.kwargs = kwargs
        self.controller: Controller | None = None

    def start(self) -> "SMTPServer":
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **self.kwargs
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer(free_port()).start()
    yield server
    server.stop()


def mail_settings(port: int | None, **over: Any) -> Settings:
    values: dict[str, Any] = dict(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_from=FROM,
        notify_timeout_seconds=2.0,
    )
    values.update(over)
    return Settings(**values)


class Receiver:
    """An HTTP server that accepts a webhook only with a valid signature and a fresh timestamp."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()
        self.received: list[dict[str, Any]] = []
        self.rejected = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Thidua-Timestamp"]
                expected = hmac.new(
                    receiver.secret, timestamp.encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                fresh = abs(time.time() - int(timestamp)) < 300
                if not fresh or not hmac.compare_digest(
                    f"sha256={expected}", self.headers["X-Thidua-Signature"]
                ):
                    with receiver.lock:
                        receiver.rejected += 1
                    self.send_response(401)
                    self.end_headers()
                    self.wfile.write(b"bad signature")
                    return
                with receiver.lock:
                    receiver.received.append(
                        {
                            "delivery": self.headers["X-Thidua-Delivery"],
                            "event": self.headers["X-Thidua-Event"],
                            "content_type": self.headers["Content-Type"],
                            "body": json.loads(body.decode("utf-8")),
                        }
                    )
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(HOOK_SECRET)
    yield r
    r.close()


# ---------------------------------------------------------------- the campaign


@pytest.fixture
def campaign(database_url: str) -> int:
    """The 2019 campaign of Cụm thi đua số 4, started; its first stage not opened yet. The
    campaign is bound to a (made-up) flow run so that messages carry a link to it."""
    return _started_campaign()


def _started_campaign() -> int:
    create_schema()
    with session_scope() as s:
        load_sample(s)
    with session_scope() as s:
        _, started = start_cycle(
            s,
            actor=get_actor(s, "quantri"),
            year=2019,
            movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )
        c = s.get(Campaign, started[0].campaign_id)
        assert c is not None and c.id is not None
        c.flow_run_id = uuid.uuid4()
        s.add(c)
        return c.id


def open_first_stage(cid: int) -> None:
    with temporary_settings(updates={PREFECT_UI_URL: UI}), session_scope() as s:
        step = plan_step(s, cid)
    assert step.stage == Stage.SELF_ASSESSMENT


def link(cid: int) -> str:
    with session_scope() as s:
        c = s.get(Campaign, cid)
        assert c is not None
        return f"{UI}/runs/flow-run/{c.flow_run_id}"


def outbox(**where: Any) -> list[OutboxMessage]:
    with session_scope() as s:
        stmt = select(OutboxMessage).order_by(col(OutboxMessage.id))
        for k, v in where.items():
            stmt = stmt.where(getattr(OutboxMessage, k) == v)
        return list(s.exec(stmt).all())


def usernames(messages: list[OutboxMessage]) -> list[str]:
    with session_scope() as s:
        names = {a.id: a.username for a in s.exec(select(Actor)).all()}
    return sorted(names[m.actor_id] for m in messages)


OFFICERS = sorted(
    f"canbo.{c}"
    for c in (["ptm", "ptccb", "phc", "ptc", "bantd", "tthl", "pxdpt", "ctt8", "ttr", "pctd"])
)


def advance(cid: int, to: Stage | None, script: Script | None = None) -> None:
    """Let the simulated participants act until stage `to` waits (None: to the end)."""
    script = script or Script(late_unit=None, returned_unit=None)
    with temporary_settings(updates={PREFECT_UI_URL: UI}):
        for _ in range(60):
            with session_scope() as s:
                step = plan_step(s, cid)
            if step.kind == "done" or (step.kind == "wait" and step.stage == to):
                return
            if step.kind == "close":
                assert step.verdict is not None
                with session_scope() as s:
                    run = s.get(StageRun, step.stage_run_id)
                    assert run is not None
                    close_stage(s, load_campaign(s, cid), run, step.verdict)
                continue
            with session_scope() as s:
                if step.stage == Stage.APPROVAL:
                    decisions.decide(
                        s,
                        actor=get_actor(s, "bgd.phogiamdoc"),
                        campaign_id=cid,
                        outcome=decisions.Outcome.APPROVE,
                        reason="Đúng quy trình",
                    )
                else:
                    act(s, cid, script)
            assert step.wait_id is not None
            with session_scope() as s:
                answer(s, cid, step.wait_id, {})
    raise AssertionError(f"campaign {cid} did not reach {to}")


# ---------------------------------------------------------------- the outbox


def test_opening_a_stage_writes_its_messages_in_the_same_transaction(campaign: int) -> None:
    with pytest.raises(RuntimeError), session_scope() as s:
        plan_step(s, campaign)
        inside = s.exec(select(func.count()).select_from(OutboxMessage)).one()
        assert inside == 10  # written with the stage...
        raise RuntimeError("the stage task fails before it commits")
    assert outbox() == []  # ...and gone with it
    with session_scope() as s:
        assert s.exec(select(StageRun)).all() == []

    open_first_stage(campaign)
    messages = outbox()
    assert len(messages) == 10
    assert usernames(messages) == OFFICERS  # the member units' officers, nobody else
    assert {m.event for m in messages} == {"stage_opened"}
    assert {m.campaign_id for m in messages} == {campaign}
    assert all(m.status == OutboxStatus.PENDING and m.attempts == 0 for m in messages)
    first = messages[0]
    assert first.subject.startswith(
        "[Thi đua] Cụm thi đua số 4 2019: mở giai đoạn 1 – Tự chấm điểm, hạn "
    )
    assert link(campaign) in first.body_text and link(campaign) in (first.body_html or "")
    assert "Việc cần làm" in first.body_text and "Hạn chót" in first.body_text


def test_a_cause_enqueues_once(campaign: int) -> None:
    open_first_stage(campaign)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = open_stage_run(s, view)
        assert run is not None
        assert events.stage_opened(s, view, run) == 0  # a retried task: every key is taken
        assert events.stage_opened(s, view, run) == 0
    assert len(outbox()) == 10
    # a resumed campaign plans again: nothing new
    with session_scope() as s:
        plan_step(s, campaign)
    assert len(outbox()) == 10
    # closing twice (a retry after the commit) writes the results once
    advance(campaign, Stage.PEER_REVIEW)
    closed = outbox(event="stage_closed")
    assert len(closed) == 11
    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = s.exec(select(StageRun).where(StageRun.stage == Stage.SELF_ASSESSMENT)).one()
        assert close_stage(s, view, run, decisions_verdict()) is False
        assert events.stage_closed(s, view, run) == 0
    assert len(outbox(event="stage_closed")) == 11


@pytest.fixture(params=["sqlite", "postgresql"])
def on_either_database(
    request: pytest.FixtureRequest, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The test's database on SQLite, then on PostgreSQL (the insert is dialect-specific)."""
    if request.param == "sqlite":
        yield
        return
    from thidua.settings import get_settings

    from .postgres import temporary_database

    with temporary_database("thidua_outbox") as url:
        monkeypatch.setenv("THIDUA_DATABASE_URL", url)
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()


def test_insert_skips_a_key_taken_meanwhile(on_either_database: None, database_url: str) -> None:
    """What a concurrent retry of the same cause meets: the key was taken after we looked."""
    campaign = _started_campaign()
    open_first_stage(campaign)
    first = outbox()[0]
    with session_scope() as s:
        taken = first.model_dump(exclude={"id"})
        new = {**taken, "idempotency_key": "stage_opened:thử:1:1"}
        assert _insert(s, [taken, new]) == 1
    assert len(outbox()) == 11


def decisions_verdict() -> Any:
    from thidua.services.progress import Verdict

    return Verdict.CONFIRMED


def test_who_hears_what_through_a_whole_campaign(campaign: int) -> None:
    with session_scope() as s:
        officer = get_actor(s, "canbo.ptccb")
        officer.language = "en"
        s.add(officer)
    open_first_stage(campaign)
    advance(campaign, None, Script(late_unit=None, returned_unit="BANTD"))
    everything = outbox()
    by_event: dict[str, list[OutboxMessage]] = {}
    for m in everything:
        by_event.setdefault(m.event, []).append(m)

    # stage 1–3 opened: each officer once per stage
    assert usernames(by_event["stage_opened"]) == sorted(OFFICERS * 3)
    # stage 4 opened: the directorate only
    assert usernames(by_event["decision_requested"]) == ["bgd.phogiamdoc"]
    # a return: that unit's officer only
    (ret,) = by_event["returned"]
    assert usernames([ret]) == ["canbo.bantd"]
    assert "Báo An ninh Thủ đô" in ret.subject and "Thiếu minh chứng" in ret.body_text
    # stage 1–4 closed: the officers and the cluster leader of 2019 (Phòng Tham mưu)
    assert usernames(by_event["stage_closed"]) == sorted([*OFFICERS, "chihuy.ptm"] * 4)
    assert usernames(by_event["campaign_finished"]) == sorted([*OFFICERS, "chihuy.ptm"])
    # nominations: directorate and leader see all, an officer their own unit's only
    filed = by_event["nominations_filed"]
    with session_scope() as s:
        report = (
            s.exec(select(StageRun).where(StageRun.stage == Stage.NOMINATION)).one().result_json
        )
    assert report is not None
    nominations: list[dict[str, Any]] = report["nominations"]  # type: ignore[assignment]
    nominated = {n["unit"] for n in nominations}
    assert nominated
    expected = {"bgd.phogiamdoc", "chihuy.ptm", *(f"canbo.{u.lower()}" for u in nominated)}
    assert set(usernames(filed)) == expected and len(filed) == len(expected)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        names = {u.code: u.name for u in view.members}
        actors = {a.id: a for a in s.exec(select(Actor)).all()}
    for m in filed:
        actor = actors[m.actor_id]
        if actor.username.startswith("canbo."):
            own = actor.username.removeprefix("canbo.").upper()
            for code in nominated - {own}:
                assert f"- {names[code]}:" not in m.body_text, (actor.username, m.body_text)
    # every message of the officer who chose English is in English, the others in Vietnamese
    for m in everything:
        english = actors[m.actor_id].username == "canbo.ptccb"
        assert m.language == ("en" if english else "vi")
        assert m.body_text.startswith("Dear " if english else "Kính gửi: ")
    # a message carries tallies, never a ballot: no notification module reads a Ballot row
    import notifications.outbox
    import notifications.reminders

    for module in (events, notifications.outbox, notifications.reminders, status):
        assert "Ballot" not in vars(module)
    (vote_closed, *_) = [m for m in by_event["stage_closed"] if "giai đoạn 3 – " in m.subject]
    assert "đơn vị bỏ phiếu" in vote_closed.body_text
    # and nobody got anything twice
    assert len({m.idempotency_key for m in everything}) == len(everything)


def test_directorate_return_reopens_with_new_notices(campaign: int) -> None:
    open_first_stage(campaign)
    advance(campaign, Stage.APPROVAL)
    with session_scope() as s:
        wait = plan_step(s, campaign)
    with session_scope() as s:
        decisions.decide(
            s,
            actor=get_actor(s, "bgd.phogiamdoc"),
            campaign_id=campaign,
            outcome=decisions.Outcome.RETURN,
            reason="Cần bỏ phiếu lại theo đúng hướng dẫn",
            return_to=Stage.VOTE,
        )
    assert wait.wait_id is not None
    with session_scope() as s:
        answer(s, campaign, wait.wait_id, {})
    advance(campaign, Stage.APPROVAL)
    returned = [m for m in outbox(event="stage_closed") if "trả lại về giai đoạn 3" in m.subject]
    assert len(returned) == 11
    assert "Cần bỏ phiếu lại" in returned[0].body_text
    vote_opened = [m for m in outbox(event="stage_opened") if "giai đoạn 3" in m.subject]
    assert len(vote_opened) == 20  # the vote opened twice: attempt 1 and 2
    assert any("(lần 2)" in m.body_text for m in vote_opened)
    assert len(outbox(event="decision_requested")) == 2


def submit(cid: int, *units: str) -> None:
    with session_scope() as s:
        view = load_campaign(s, cid)
        for code in units:
            submit_self_assessment(
                s,
                actor=get_actor(s, f"canbo.{code.lower()}"),
                campaign_id=cid,
                data=SelfAssessmentInput(scores=example_scores(view.rules.scheme, 0.9)),
            )


def test_reminders_and_overdue_go_to_whoever_still_owes(campaign: int) -> None:
    open_first_stage(campaign)
    submit(campaign, "PTM", "PTCCB", "PHC", "PTC", "BANTD", "TTHL", "PXDPT", "TTR")
    with session_scope() as s:
        return_self_assessment(
            s,
            actor=get_actor(s, "chihuy.ptm"),
            campaign_id=campaign,
            unit_code="BANTD",
            comment="Bổ sung minh chứng",
        )
        run = open_stage_run(s, load_campaign(s, campaign))
        assert run is not None
        due = run.due_at
    with session_scope() as s:
        assert due_reminders(s, due - timedelta(days=3)) == 0  # too early
    with session_scope() as s:
        assert due_reminders(s, due - timedelta(hours=2)) == 3
    with session_scope() as s:
        assert due_reminders(s, due - timedelta(hours=1)) == 0  # once per stage run
    reminders = outbox(event="reminder")
    assert usernames(reminders) == ["canbo.bantd", "canbo.ctt8", "canbo.pctd"]
    texts = {u: m.body_text for u, m in zip(usernames(reminders), reminders, strict=True)}
    assert "Báo An ninh Thủ đô có bản tự chấm bị trả lại, chưa nộp lại." in texts["canbo.bantd"]
    assert "Công ty Tháng Tám chưa nộp bản tự chấm điểm." in texts["canbo.ctt8"]
    assert "Công ty Tháng Tám" not in texts["canbo.pctd"]  # each hears about their own unit

    with session_scope() as s:
        assert due_reminders(s, due + timedelta(minutes=1)) == 4
    with session_scope() as s:
        assert due_reminders(s, due + timedelta(minutes=2)) == 0
    overdue = outbox(event="overdue")
    assert usernames(overdue) == ["canbo.bantd", "canbo.ctt8", "canbo.pctd", "chihuy.ptm"]
    (leader,) = [m for m in overdue if "Chỉ huy Phòng Tham mưu" in m.body_text]
    for name in ("Báo An ninh Thủ đô", "Công ty Tháng Tám", "Phòng Công tác Đảng"):
        assert name in leader.body_text
    assert "Giai đoạn đóng lại với những gì đã nhận" in leader.body_text


def test_an_extension_moves_a_units_reminders(campaign: int) -> None:
    from thidua.services.deadlines import grant_extension

    open_first_stage(campaign)
    submit(campaign, "PTM", "PTCCB", "PHC", "PTC", "BANTD", "TTHL", "PXDPT", "TTR", "PCTD")
    with session_scope() as s:
        run = open_stage_run(s, load_campaign(s, campaign))
        assert run is not None
        due = run.due_at
        grant_extension(
            s,
            actor=get_actor(s, "chihuy.ptm"),
            campaign_id=campaign,
            unit_code="CTT8",
            until=due + timedelta(days=3),
            reason="Đơn vị đang tham gia đợt cao điểm",
        )
    with session_scope() as s:
        assert due_reminders(s, due + timedelta(minutes=1)) == 0  # not due for CTT8 yet
    with session_scope() as s:
        assert due_reminders(s, due + timedelta(days=2, hours=12)) == 1
    (reminder,) = outbox(event="reminder")
    assert usernames([reminder]) == ["canbo.ctt8"]
    assert "ngày " + (due + timedelta(days=3)).astimezone(Settings().tz).strftime("%d/%m/%Y") in (
        reminder.body_text
    )
    with session_scope() as s:
        assert due_reminders(s, due + timedelta(days=3, minutes=1)) == 2
    assert usernames(outbox(event="overdue")) == ["canbo.ctt8", "chihuy.ptm"]


# ---------------------------------------------------------------- e-mail


def test_email_arrives_over_smtp(campaign: int, smtp: SMTPServer) -> None:
    open_first_stage(campaign)
    report = deliver_pending(settings=mail_settings(smtp.port))
    assert (report.sent, report.retrying, report.failed) == (10, 0, 0)
    assert sorted(r for rcpts, _, _ in smtp.inbox.messages for r in rcpts) == [
        f"{u}@catp.hanoi.example" for u in OFFICERS
    ]
    sent = {m.idempotency_key: m for m in outbox()}
    assert all(
        m.status == OutboxStatus.SENT and m.sent_at and m.attempts == 1 for m in sent.values()
    )
    with session_scope() as s:
        actors = {a.username: a.id for a in s.exec(select(Actor)).all()}
    for rcpts, msg, raw in smtp.inbox.messages:
        (address,) = rcpts
        row = next(m for m in sent.values() if m.actor_id == actors[address.split("@")[0]])
        # the subject is Vietnamese, encoded for the wire (RFC 2047) and decoded back intact
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert b"=?utf-8?" in head
        assert not any(b > 127 for b in head)
        assert msg["Subject"] == row.subject
        assert msg["To"].addresses[0].display_name.startswith("Cán bộ thi đua ")
        assert msg["From"].addresses[0].display_name == "Hệ thống thi đua CATP Hà Nội"
        assert msg["Auto-Submitted"] == "auto-generated"
        plain = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        assert plain is not None and html is not None
        text = plain.get_content()
        assert text == row.body_text
        assert "Kính gửi: Cán bộ thi đua" in text and link(campaign) in text
        assert f'href="{link(campaign)}"' in html.get_content()
    assert len(smtp.inbox.by_id()) == 10
    # nothing is due any more
    again = deliver_pending(settings=mail_settings(smtp.port))
    assert again.claimed == 0 and len(smtp.inbox.messages) == 10


def test_every_subject_and_name_arrives_intact(campaign: int, smtp: SMTPServer) -> None:
    """Long Vietnamese subjects and names are folded into encoded words without losing a space
    (the standard library's modern folder drops one: see build_email)."""
    open_first_stage(campaign)
    advance(campaign, None, Script(late_unit=None, returned_unit="TTHL"))
    deliver_pending(settings=mail_settings(smtp.port), limit=500)
    with session_scope() as s:
        actors = {a.username: a for a in s.exec(select(Actor)).all()}
    subjects = {m.idempotency_key: m.subject for m in outbox()}
    assert len(smtp.inbox.messages) == len(subjects) > 90
    assert sorted(str(m["Subject"]) for _, m, _ in smtp.inbox.messages) == sorted(subjects.values())
    for rcpts, _, raw in smtp.inbox.messages:
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        assert all(len(line) <= 78 for line in head.split("\r\n"))
        decoded = str(make_header(decode_header(unfold(head, "To"))))
        actor = actors[rcpts[0].split("@")[0]]
        assert decoded == f"{actor.full_name} <{rcpts[0]}>"


def unfold(head: str, name: str) -> str:
    """A header's value with its folding undone (RFC 5322: CRLF before whitespace)."""
    lines = head.split("\r\n")
    i = next(n for n, line in enumerate(lines) if line.startswith(f"{name}: "))
    value = [lines[i].split(": ", 1)[1]]
    for line in lines[i + 1 :]:
        if not line.startswith((" ", "\t")):
            break
        value.append(line)
    return "".join(value)


def test_smtp_login_with_credentials_from_settings(campaign: int) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"mat-khau-2019", handled=False)

    server = SMTPServer(free_port(), authenticator=authenticator, auth_require_tls=False).start()
    try:
        open_first_stage(campaign)
        wrong = mail_settings(server.port, smtp_username="thidua", smtp_password="sai")
        report = deliver_pending(settings=wrong)
        assert report.sent == 0 and report.retrying == 10
        assert "SMTPAuthenticationError" in outbox()[0].last_error  # type: ignore[operator]
        # smtplib sends credentials as ASCII: a Vietnamese password is an error, not a crash
        accented = mail_settings(server.port, smtp_username="thidua", smtp_password="mật-khẩu")
        report = deliver_pending(settings=accented, now=utcnow() + timedelta(hours=1))
        assert report.retrying == 10 and "ASCII" in (outbox()[0].last_error or "")
        right = mail_settings(server.port, smtp_username="thidua", smtp_password="mat-khau-2019")
        report = deliver_pending(settings=right, now=utcnow() + timedelta(hours=2))
        assert report.sent == 10
        assert len(server.inbox.messages) == 10
        assert logins[-1] == (b"thidua", b"mat-khau-2019")
    finally:
        server.stop()


@pytest.fixture
def trusted_cert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A self-signed certificate for 127.0.0.1 that the deliverer trusts (SSL_CERT_FILE), and
    the server's TLS context with it."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return server


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls(
    campaign: int, trusted_cert: ssl.SSLContext, security: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    logins: list[bytes] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        logins.append(auth_data.login)
        return AuthResult(success=auth_data.password == b"mat-khau-2019", handled=False)

    tls = (
        {"tls_context": trusted_cert, "require_starttls": True}
        if security == "starttls"
        # implicit TLS: aiosmtpd does not see it as TLS for AUTH, though the socket is
        else {"ssl_context": trusted_cert, "auth_require_tls": False}
    )
    server = SMTPServer(free_port(), authenticator=authenticator, **tls).start()
    try:
        open_first_stage(campaign)
        settings = mail_settings(
            server.port,
            smtp_security=security,
            smtp_username="thidua",
            smtp_password="mat-khau-2019",
        )
        report = deliver_pending(settings=settings)
        assert report.sent == 10 and len(server.inbox.messages) == 10
        assert logins == [b"thidua"]  # one connection, one login, ten messages
        # a certificate the deliverer does not trust: refused, nothing sent, nothing raised
        monkeypatch.delenv("SSL_CERT_FILE")
        with session_scope() as s:
            for m in s.exec(select(OutboxMessage)).all():
                m.status, m.sent_at = OutboxStatus.PENDING, None
                s.add(m)
        report = deliver_pending(settings=settings)
        assert report.sent == 0 and "CERTIFICATE_VERIFY_FAILED" in " ".join(report.errors)
    finally:
        server.stop()


def test_no_smtp_host_leaves_mail_pending_and_says_why(campaign: int) -> None:
    open_first_stage(campaign)
    report = deliver_pending(settings=mail_settings(None, smtp_host=""))
    assert report.claimed == 0
    messages = outbox()
    assert all(m.status == OutboxStatus.PENDING and m.attempts == 0 for m in messages)
    assert {m.last_error for m in messages} == {NO_SMTP}
    with session_scope() as s:
        assert status.undelivered(s, [campaign])[campaign] == {
            "pending": 10,
            "failed": 0,
            "errors": [{"status": "pending", "error": NO_SMTP, "count": 10}],
        }
    runner = CliRunner()
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    [state] = json.loads(result.stdout)
    assert state["notifications"]["pending"] == 10
    assert state["notifications"]["errors"][0]["error"] == NO_SMTP
    text = runner.invoke(app, ["status"])
    assert "Thông báo chưa gửi ở #" in text.stdout and "THIDUA_SMTP_HOST" in text.stdout


def test_server_down_while_the_stage_opens_then_back(campaign: int) -> None:
    port = free_port()  # nothing listens here yet
    settings = mail_settings(port)
    open_first_stage(campaign)  # the stage opens and commits whatever the mail server does
    with session_scope() as s:
        assert open_stage_run(s, load_campaign(s, campaign)) is not None
    started = time.monotonic()
    report = deliver_pending(settings=settings)
    assert time.monotonic() - started < 5  # one refused connection, not ten
    assert (report.sent, report.retrying) == (0, 10)
    down = outbox()
    assert all(m.status == OutboxStatus.PENDING and m.attempts == 1 for m in down)
    assert all("máy chủ thư 127.0.0.1" in (m.last_error or "") for m in down)
    assert all(m.next_attempt_at > utcnow() for m in down)  # backoff
    assert deliver_pending(settings=settings).claimed == 0  # not due yet
    server = SMTPServer(port).start()
    try:
        later = utcnow() + timedelta(minutes=5)
        report = deliver_pending(settings=settings, now=later)
        assert report.sent == 10
        deliver_pending(settings=settings, now=later + timedelta(hours=1))
        ids = server.inbox.by_id()
        assert len(ids) == 10 and set(ids.values()) == {1}  # every message exactly once
    finally:
        server.stop()
    assert all(m.status == OutboxStatus.SENT and m.last_error is None for m in outbox())


def test_a_hung_server_costs_one_timeout(campaign: int) -> None:
    """A server that accepts the connection and never greets: the round gives up after one
    timeout, however many messages wait."""
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(50)
    try:
        open_first_stage(campaign)
        settings = mail_settings(hung.getsockname()[1], notify_timeout_seconds=1.0)
        started = time.monotonic()
        report = deliver_pending(settings=settings)
        assert time.monotonic() - started < 3
        assert report.retrying == 10
        assert "timed out" in (outbox()[0].last_error or "")
    finally:
        hung.close()


def test_a_refused_recipient_fails_for_good(campaign: int, smtp: SMTPServer) -> None:
    smtp.inbox.refuse = {"canbo.ctt8@catp.hanoi.example"}
    open_first_stage(campaign)
    report = deliver_pending(settings=mail_settings(smtp.port))
    assert (report.sent, report.failed) == (9, 1)
    (failed,) = outbox(status=OutboxStatus.FAILED)
    assert "550" in (failed.last_error or "")
    with session_scope() as s:
        summary = status.undelivered(s, [campaign])[campaign]
    assert summary["failed"] == 1 and summary["errors"][0]["status"] == "failed"


def test_two_deliverers_never_send_the_same_message(campaign: int, smtp: SMTPServer) -> None:
    smtp.inbox.delay = 0.05
    open_first_stage(campaign)
    advance(campaign, Stage.PEER_REVIEW)  # more messages: opened, returned, closed, opened
    total = len(outbox())
    assert total > 30
    settings = mail_settings(smtp.port)
    reports = []

    def run() -> None:
        reports.append(deliver_pending(settings=settings, limit=total))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in reports) == total
    assert sum(1 for r in reports if r.sent) >= 1
    ids = smtp.inbox.by_id()
    assert len(ids) == total and set(ids.values()) == {1}


def test_a_dead_deliverers_claim_is_taken_over_after_its_lease(
    campaign: int, smtp: SMTPServer
) -> None:
    open_first_stage(campaign)
    with session_scope() as s:
        for m in s.exec(select(OutboxMessage)).all():
            m.status = OutboxStatus.SENDING
            m.claim_token = "a-deliverer-that-died"
            m.lease_until = utcnow() + timedelta(minutes=2)
            s.add(m)
    settings = mail_settings(smtp.port)
    assert deliver_pending(settings=settings).claimed == 0  # the lease still holds
    report = deliver_pending(settings=settings, now=utcnow() + timedelta(minutes=3))
    assert report.sent == 10 and len(smtp.inbox.messages) == 10


def test_daily_digest(campaign: int, smtp: SMTPServer) -> None:
    with session_scope() as s:
        actor = get_actor(s, "canbo.bantd")
        ch = s.exec(select(Channel).where(Channel.actor_id == actor.id)).one()
        ch.digest = True
        s.add(ch)
    open_first_stage(campaign)
    submit(campaign, "BANTD")
    with session_scope() as s:
        return_self_assessment(
            s,
            actor=get_actor(s, "chihuy.ptm"),
            campaign_id=campaign,
            unit_code="BANTD",
            comment="Bổ sung minh chứng <bảng 2>",
        )
    mine = [m for m in outbox() if m.digest]
    assert len(mine) == 2
    settings = mail_settings(smtp.port)
    deliver_pending(settings=settings)
    assert len(smtp.inbox.messages) == 9  # everyone else, at once
    at = mine[0].next_attempt_at
    assert at > utcnow() and at.astimezone(settings.tz).hour == settings.digest_hour
    report = deliver_pending(settings=settings, now=at)
    assert report.sent == 2
    rcpts, msg, _ = smtp.inbox.messages[-1]
    assert rcpts == ["canbo.bantd@catp.hanoi.example"]
    assert str(msg["Subject"]).startswith("[Thi đua] Tổng hợp thông báo ngày ")
    assert str(msg["Subject"]).endswith("(2 thông báo)")
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    assert "mở giai đoạn 1" in plain.get_content() and "<bảng 2>" in plain.get_content()
    assert "&lt;bảng 2&gt;" in html.get_content()


# ---------------------------------------------------------------- webhooks


def add_webhooks(receiver: Receiver, *usernames: str, secret_ref: str | None) -> None:
    with session_scope() as s:
        for u in usernames:
            actor = get_actor(s, u)
            assert actor.id is not None
            s.add(
                Channel(
                    actor_id=actor.id,
                    kind=ChannelKind.WEBHOOK,
                    address=receiver.url,
                    secret_ref=secret_ref,
                )
            )


def test_signed_webhooks(
    campaign: int, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THIDUA_TEST_HOOK_SECRET", HOOK_SECRET)
    add_webhooks(receiver, "canbo.ptm", "canbo.tthl", secret_ref="env:THIDUA_TEST_HOOK_SECRET")
    open_first_stage(campaign)
    hooks = outbox(channel_kind=ChannelKind.WEBHOOK)
    assert len(hooks) == 2 and len(outbox()) == 12  # e-mail too: a person has several channels
    report = deliver_pending(settings=mail_settings(None, smtp_host=""))  # webhooks need no SMTP
    assert report.sent == 2 and receiver.rejected == 0
    assert Counter(r["delivery"] for r in receiver.received) == Counter(
        m.idempotency_key for m in hooks
    )
    for r in receiver.received:
        body = r["body"]
        assert r["event"] == "stage_opened" and r["content_type"].startswith("application/json")
        assert body["event"] == "stage_opened" and body["language"] == "vi"
        assert body["campaign"]["name"] == "2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc"
        assert body["stage"] == {"number": 1, "key": "self_assessment", "attempt": 1}
        assert body["link"] == link(campaign)
        assert body["recipient"]["username"] in {"canbo.ptm", "canbo.tthl"}
        assert body["subject"].startswith("[Thi đua] Cụm thi đua số 4 2019: mở giai đoạn 1")
        assert "Việc cần làm" in body["text"] and body["due_at"].endswith("+00:00")
    assert deliver_pending(settings=mail_settings(None, smtp_host="")).claimed == 0


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried(
    campaign: int, receiver: Receiver
) -> None:
    add_webhooks(receiver, "bgd.phogiamdoc", secret_ref="không-phải-bí-mật-này")
    open_first_stage(campaign)
    advance(campaign, Stage.APPROVAL)  # decision requested: to the directorate's webhook
    settings = mail_settings(None, smtp_host="")
    report = deliver_pending(settings=settings)
    assert report.retrying >= 1 and receiver.rejected >= 1 and receiver.received == []
    (hook,) = outbox(channel_kind=ChannelKind.WEBHOOK)
    assert hook.status == OutboxStatus.PENDING and "HTTP 401" in (hook.last_error or "")
    # the operator fixes the secret (here: the global one) and the retry goes through
    with session_scope() as s:
        ch = s.exec(select(Channel).where(Channel.kind == ChannelKind.WEBHOOK)).one()
        ch.secret_ref = None
        s.add(ch)
    fixed = mail_settings(None, smtp_host="", webhook_secret=HOOK_SECRET)
    report = deliver_pending(settings=fixed, now=utcnow() + timedelta(hours=1))
    assert report.sent == 1
    (got,) = receiver.received
    assert got["event"] == "decision_requested"
    assert got["body"]["recipient"]["username"] == "bgd.phogiamdoc"


def test_webhook_without_any_secret_waits(campaign: int, receiver: Receiver) -> None:
    add_webhooks(receiver, "canbo.ptm", secret_ref=None)
    open_first_stage(campaign)
    deliver_pending(settings=mail_settings(None, smtp_host=""))
    (hook,) = outbox(channel_kind=ChannelKind.WEBHOOK)
    assert hook.status == OutboxStatus.PENDING and hook.attempts == 0
    assert hook.last_error == webhooks.NO_SECRET and receiver.received == []


def test_sign_and_verify() -> None:
    body = json.dumps({"text": "Kính gửi"}).encode()
    sig = webhooks.sign(b"k", "1700000000", body)
    assert webhooks.verify(b"k", "1700000000", body, sig, now=1700000100)
    assert not webhooks.verify(b"k", "1700000000", body, sig, now=1700001000)  # too old
    assert not webhooks.verify(b"x", "1700000000", body, sig, now=1700000100)
    assert not webhooks.verify(b"k", "1700000000", body + b" ", sig, now=1700000100)


def test_notifications_can_be_switched_off(
    campaign: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from thidua.settings import get_settings

    monkeypatch.setenv("THIDUA_NOTIFICATIONS_ENABLED", "false")
    get_settings.cache_clear()
    try:
        open_first_stage(campaign)
        assert outbox() == []
    finally:
        get_settings.cache_clear()


def test_a_callers_broken_row_is_never_swallowed_as_a_duplicate_message(campaign: int) -> None:
    """The outbox skips a message whose key is taken; a broken row of the caller's, pending in
    the same session, must fail the caller instead of vanishing with the skipped message."""
    from sqlalchemy.exc import IntegrityError

    open_first_stage(campaign)
    taken = outbox()[0].model_dump(exclude={"id"})
    with pytest.raises(IntegrityError), session_scope() as s:
        s.add(Unit(code="PTM", name="Trùng mã với một đơn vị có sẵn"))  # unique code: broken
        _insert(s, [taken])
