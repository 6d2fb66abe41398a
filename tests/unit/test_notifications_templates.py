"""Every notification template, in Vietnamese and English, rendered with realistic data."""

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import markupsafe
import pytest

from notifications.render import EVENTS, local_naive, render_message, utc_offset
from thidua.settings import get_settings
from thidua.templating import all_templates, environment, render

from .notification_samples import (
    CAMPAIGN,
    LANGS,
    LINK,
    digest_context,
    message_context,
)
from .notification_samples import EVENTS as SAMPLE_EVENTS

# (event, variant): every branch a template has (stage, role, outcome)
CASES = [
    ("stage_opened", "1"),
    ("stage_opened", "2"),
    ("stage_opened", "3"),
    ("decision_requested", ""),
    ("reminder", "officer"),
    ("reminder", "reviews"),
    ("reminder", "directorate"),
    ("overdue", "officer"),
    ("overdue", "leader"),
    ("overdue", "directorate"),
    ("returned", ""),
    ("stage_closed", "1"),
    ("stage_closed", "2"),
    ("stage_closed", "3"),
    ("stage_closed", "4"),
    ("campaign_finished", ""),
    ("nominations_filed", ""),
    ("chair_tie", "leader"),
    ("chair_tie", "directorate"),
]
DEADLINE = {"vi": "17 giờ 00 ngày 28/11/2019", "en": "17:00 on 28 November 2019"}
ACTION = {"vi": "Việc cần làm", "en": "What to do"}
GREETING = {"vi": "Kính gửi: ", "en": "Dear "}
ACTIONABLE = {"stage_opened", "decision_requested", "reminder", "returned", "chair_tie"}
DATED = {*ACTIONABLE, "overdue"}  # the messages that say by when


def test_every_event_has_its_templates_in_both_languages() -> None:
    assert set(SAMPLE_EVENTS) == set(EVENTS)
    names = set(all_templates())
    for event in [*EVENTS, "digest"]:
        for lang in LANGS:
            for part in ("subject.txt.j2", "body.txt.j2", "body.html.j2"):
                assert f"messages/{event}/{lang}/{part}" in names
    assert "messages/webhook.json.j2" in names
    assert {e for e, _ in CASES} == set(EVENTS)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("event", "variant"), CASES)
def test_message(event: str, variant: str, lang: str) -> None:
    ctx = message_context(event, lang, variant)
    msg = render_message(event, lang, ctx, webhook=True)
    # the subject: one line, says which cluster and year
    assert "\n" not in msg.subject and msg.subject == msg.subject.strip()
    assert msg.subject.startswith("[Thi đua]" if lang == "vi" else "[Emulation]")
    assert "Cụm thi đua số 4 2019" in msg.subject
    # the text: to whom, about what, by when, what to do, and the link to the run
    assert msg.body_text.startswith(GREETING[lang] + ctx["recipient"]["full_name"])
    assert CAMPAIGN["name"] in msg.body_text
    assert LINK in msg.body_text
    if event in DATED:
        assert DEADLINE[lang] in msg.body_text, msg.body_text
        assert "UTC+07:00" in msg.body_text
    if event in ACTIONABLE:
        assert ACTION[lang] in msg.body_text
        assert f"--campaign {CAMPAIGN['id']} --actor {ctx['recipient']['username']}" in (
            msg.body_text
        )
    other = "en" if lang == "vi" else "vi"
    assert GREETING[other] not in msg.body_text
    assert "&lt;" not in msg.body_text and "&amp;" not in msg.body_text
    assert "\n\n\n\n" not in msg.body_text
    # the HTML: a whole page in the right language, the same link as a button
    assert msg.body_html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in msg.body_html
    assert f'<a href="{LINK}"' in msg.body_html
    assert f"<title>{markupsafe.escape(msg.subject)}</title>" in msg.body_html
    if event in DATED:
        assert DEADLINE[lang] in msg.body_html
    # the webhook body: JSON with the same content
    assert msg.payload_json is not None
    payload = json.loads(msg.payload_json)
    assert payload["event"] == event and payload["language"] == lang
    assert payload["subject"] == msg.subject and payload["text"] == msg.body_text
    assert payload["link"] == LINK and payload["campaign"]["id"] == CAMPAIGN["id"]
    assert payload["recipient"]["username"] == ctx["recipient"]["username"]
    assert payload["key"] == ctx["key"]


def test_english_is_english() -> None:
    msg = render_message(
        "stage_opened", "en", message_context("stage_opened", "en", "2"), webhook=False
    )
    assert msg.subject == (
        "[Emulation] Cụm thi đua số 4 2019: stage 2 – Peer review is open, due 28/11/2019"
    )
    assert "score and comment on every other member unit" in msg.body_text
    assert "thidua submit review --campaign 7 --actor canbo.ptccb --file FILE.yaml" in msg.body_text
    assert msg.payload_json is None  # e-mail only: no webhook body


def test_vietnamese_wording() -> None:
    msg = render_message(
        "stage_opened", "vi", message_context("stage_opened", "vi", "3"), webhook=False
    )
    assert msg.subject == (
        "[Thi đua] Cụm thi đua số 4 2019: mở giai đoạn 3 – Bình xét, bỏ phiếu kín, hạn 28/11/2019"
    )
    assert "bỏ phiếu kín: suy tôn đơn vị dẫn đầu" in msg.body_text
    assert msg.body_text.rstrip().endswith("— Hệ thống thidua")
    closed = render_message(
        "stage_closed", "vi", message_context("stage_closed", "vi", "2"), webhook=False
    )
    assert "1. Phòng Tổ chức cán bộ: 94,95 điểm, đề nghị Đơn vị Quyết thắng" in closed.body_text
    assert "cần giải trình" in closed.body_text
    en = render_message(
        "stage_closed", "en", message_context("stage_closed", "en", "2"), webhook=False
    )
    assert "1. Phòng Tổ chức cán bộ: 94.95 points" in en.body_text


@pytest.mark.parametrize("lang", LANGS)
def test_directorate_return_is_said_plainly(lang: str) -> None:
    ctx = message_context("stage_closed", lang, "4", returned=True)
    msg = render_message("stage_closed", lang, ctx, webhook=False)
    stage = {"vi": "giai đoạn 2 – Chấm chéo", "en": "stage 2 – Peer review"}[lang]
    assert stage in msg.subject and stage in msg.body_text
    assert "Cần chấm lại tiêu chí 3" in msg.body_text


@pytest.mark.parametrize("lang", LANGS)
def test_html_escapes_and_text_does_not(lang: str) -> None:
    comment = "Thiếu minh chứng cho tiêu chí 2.1 <bảng số liệu> & báo cáo quý IV"
    msg = render_message("returned", lang, message_context("returned", lang), webhook=True)
    assert comment in msg.body_text
    assert "Thiếu minh chứng cho tiêu chí 2.1 &lt;bảng số liệu&gt; &amp; báo cáo quý IV" in (
        msg.body_html
    )
    assert "<bảng" not in msg.body_html
    assert json.loads(msg.payload_json or "")["text"] == msg.body_text
    # data in a table cell and in a list, too
    ctx = message_context("stage_closed", lang, "2")
    ctx["result"]["ranking"][0]["unit"] = "Phòng <i>Tham mưu</i> & Hậu cần"
    closed = render_message("stage_closed", lang, ctx, webhook=False)
    assert "Phòng <i>Tham mưu</i> & Hậu cần" in closed.body_text
    assert "<td>Phòng &lt;i&gt;Tham mưu&lt;/i&gt; &amp; Hậu cần</td>" in closed.body_html


@pytest.mark.parametrize("lang", LANGS)
def test_shared_macros_print_no_markup(lang: str) -> None:
    """The macros live in a file that is not autoescaped, and an HTML caller prints their
    output as is: so they must never print < > & (they print fixed wording only)."""
    m = environment().get_template(f"messages/_{lang}.j2").module
    stage = {"number": 2, "key": "peer_review", "attempt": 2}
    outputs = [
        *(str(m.stage_name(n)) for n in range(1, 6)),  # type: ignore[attr-defined]
        str(m.stage_line(stage)),  # type: ignore[attr-defined]
        str(m.when(dt.datetime(2019, 12, 10, 8, 5), "UTC+07:00")),  # type: ignore[attr-defined]
        *(str(m.todo(n)) for n in range(1, 5)),  # type: ignore[attr-defined]
        *(str(m.command(n, 7, "canbo.ptccb")) for n in range(1, 5)),  # type: ignore[attr-defined]
        *(
            str(m.reason(r))  # type: ignore[attr-defined]
            for r in ("confirmed", "deadline", "decided", "returned", "automatic")
        ),
        *(str(m.decision(d)) for d in ("approve", "amend", "return")),  # type: ignore[attr-defined]
        *(
            str(m.missing_text({"kind": k, "count": 3}))  # type: ignore[attr-defined]
            for k in ("not_submitted", "returned", "pending_reviews", "not_voted", "not_decided")
        ),
    ]
    for out in outputs:
        assert out.strip() and not set(out) & set("<>&"), out


@pytest.mark.parametrize("lang", LANGS)
def test_digest(lang: str) -> None:
    ctx = digest_context(lang)
    subject = " ".join(render(f"messages/digest/{lang}/subject.txt.j2", **ctx).split())
    assert (
        subject
        == {
            "vi": "[Thi đua] Tổng hợp thông báo ngày 20/11/2019 (2 thông báo)",
            "en": "[Emulation] Daily digest 20/11/2019 (2 messages)",
        }[lang]
    )
    text = render(f"messages/digest/{lang}/body.txt.j2", **ctx)
    html = render(f"messages/digest/{lang}/body.html.j2", **ctx)
    assert "nộp bản tự chấm điểm <trước hạn> & đủ minh chứng." in text
    assert "nộp bản tự chấm điểm &lt;trước hạn&gt; &amp; đủ minh chứng." in html
    assert {"vi": "08 giờ 30 ngày 19/11/2019", "en": "08:30 19/11/2019"}[lang] in text
    assert text.index("Tự chấm điểm") < text.index("Nhắc hạn")


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("THIDUA_TIMEZONE", "Europe/Paris")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_deadlines_are_local_time_of_the_settings(paris: None) -> None:
    due = dt.datetime(2019, 11, 28, 10, 0, tzinfo=dt.UTC)
    assert local_naive(due) == dt.datetime(2019, 11, 28, 11, 0)
    assert utc_offset(due) == "UTC+01:00"
    assert utc_offset(dt.datetime(2019, 7, 1, tzinfo=dt.UTC)) == "UTC+02:00"
    ctx: dict[str, Any] = message_context("stage_opened", "en", "1")
    ctx.update(due=local_naive(due), tz=utc_offset(due))
    msg = render_message("stage_opened", "en", ctx, webhook=False)
    assert "11:00 on 28 November 2019 (UTC+01:00)" in msg.body_text
