"""Realistic variables for every notification template (notifications/templates/messages).

Shared by tests/unit/test_notifications_templates.py and the every-template check in
tests/unit/test_documents.py. The shape is what notifications/events.py passes.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

EVENTS = (
    "stage_opened",
    "decision_requested",
    "reminder",
    "overdue",
    "returned",
    "stage_closed",
    "campaign_finished",
    "nominations_filed",
    "chair_tie",
)
LANGS = ("vi", "en")
LINK = "http://127.0.0.1:4200/runs/flow-run/6f1c2d1e-0b8a-4c55-9d7e-2f3a4b5c6d7e"
DUE = dt.datetime(2019, 11, 28, 17, 0)  # local wall-clock time (settings.tz)
CAMPAIGN: dict[str, Any] = {
    "id": 7,
    "name": "2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc",
    "year": 2019,
    "cluster": "Cụm thi đua số 4",
    "movement": "Vì an ninh Tổ quốc",
}
OFFICER = {
    "full_name": "Cán bộ thi đua Phòng Tổ chức cán bộ",
    "username": "canbo.ptccb",
    "role": "officer",
}
LEADER = {"full_name": "Chỉ huy Phòng Tham mưu", "username": "chihuy.ptm", "role": "leader"}
DIRECTORATE = {
    "full_name": "Phó Giám đốc CATP Hà Nội (Ban Giám đốc)",
    "username": "bgd.phogiamdoc",
    "role": "directorate",
}
UNIT = {"code": "PTCCB", "name": "Phòng Tổ chức cán bộ"}
QT, TT = "Đơn vị Quyết thắng", "Đơn vị tiên tiến"


def _stage(number: int, attempt: int = 1) -> dict[str, Any]:
    keys = ["self_assessment", "peer_review", "vote", "approval", "nomination"]
    return {"number": number, "key": keys[number - 1], "attempt": attempt}


def base(event: str, lang: str, **over: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "lang": lang,
        "event": event,
        "key": f"{event}:12:3:4",
        "recipient": OFFICER,
        "unit": UNIT,
        "campaign": CAMPAIGN,
        "stage": _stage(1),
        "due": DUE,
        "due_at_utc": "2019-11-28T10:00:00+00:00",
        "tz": "UTC+07:00",
        "link": LINK,
    }
    ctx.update(over)
    return ctx


def stage_result(number: int, *, returned_to: int | None = None) -> dict[str, Any]:
    if number == 1:
        return {
            "submitted": ["Phòng Tham mưu", "Phòng Tổ chức cán bộ", "Phòng Hậu cần"],
            "missing": ["Công ty Tháng Tám"],
        }
    if number == 2:
        return {
            "ranking": [
                {
                    "rank": 1,
                    "unit": "Phòng Tổ chức cán bộ",
                    "consolidated": Decimal("94.95"),
                    "proposed_title": QT,
                    "gap_flagged": False,
                },
                {
                    "rank": 2,
                    "unit": "Trung tâm Huấn luyện và bồi dưỡng nghiệp vụ CATP",
                    "consolidated": Decimal("89.6"),
                    "proposed_title": TT,
                    "gap_flagged": True,
                },
                {
                    "rank": 3,
                    "unit": "Công ty Tháng Tám",
                    "consolidated": Decimal("59.5"),
                    "proposed_title": None,
                    "gap_flagged": False,
                },
            ]
        }
    if number == 3:
        return {
            "ballots_cast": 9,
            "members": 10,
            "quorum_met": True,
            "acclaimed": "Phòng Tổ chức cán bộ",
            "leader": "Phòng Tổ chức cán bộ",
            "deputy": "Phòng Tài chính",
            "titles": [
                {"unit": "Phòng Tổ chức cán bộ", "title": QT, "yes": 9, "required": 8},
                {"unit": "Phòng Hậu cần", "title": QT, "yes": 6, "required": 8},
            ],
            "absent": ["Thanh tra CATP"],
        }
    if returned_to:
        return {
            "decision": "return",
            "reason": "Cần chấm lại tiêu chí 3 cho đúng hướng dẫn",
            "returned_to": returned_to,
            "titles": [],
        }
    return {
        "decision": "amend",
        "reason": "Phòng Hậu cần chưa đủ tiêu chuẩn",
        "returned_to": None,
        "titles": [{"unit": "Phòng Tổ chức cán bộ", "title": QT}],
    }


def _with_approved(result: dict[str, Any]) -> dict[str, Any]:
    for t in result.get("titles", []):
        t.setdefault("approved", t.get("yes", 0) >= t.get("required", 0))
    return result


NOMINATIONS = [
    {
        "code": "PTCCB",
        "unit": "Phòng Tổ chức cán bộ",
        "title": "Cờ thi đua của Công an thành phố",
        "eligible": True,
        "reasons": [],
    },
    {
        "code": "PHC",
        "unit": "Phòng Hậu cần",
        "title": QT,
        "eligible": False,
        "reasons": ["chưa đủ 2 năm liên tục đạt Đơn vị tiên tiến"],
    },
]


def message_context(event: str, lang: str, variant: str = "", **over: Any) -> dict[str, Any]:
    """Variables for one event; `variant` picks a stage or a role where the event has several."""
    if event == "stage_opened":
        return base(event, lang, stage=_stage(int(variant or 1)), **over)
    if event == "decision_requested":
        return base(
            event,
            lang,
            recipient=DIRECTORATE,
            unit=None,
            stage=_stage(4),
            vote={
                "ballots_cast": 9,
                "members": 10,
                "quorum_met": True,
                "acclaimed": "Phòng Tổ chức cán bộ",
                "leader": "Phòng Tổ chức cán bộ",
                "deputy": "Phòng Tài chính",
            },
            titles=_with_approved(stage_result(3))["titles"],
            **over,
        )
    if event in ("reminder", "overdue"):
        role = variant or "officer"
        if role == "directorate":
            who: dict[str, Any] = dict(recipient=DIRECTORATE, unit=None, stage=_stage(4))
            missing = [{"name": "Ban Giám đốc", "kind": "not_decided", "count": 0}]
        elif role == "leader":
            who = dict(recipient=LEADER, unit={"code": "PTM", "name": "Phòng Tham mưu"})
            missing = [
                {"name": "Công ty Tháng Tám", "kind": "not_submitted", "count": 0},
                {"name": "Báo An ninh Thủ đô", "kind": "returned", "count": 0},
            ]
        elif role == "reviews":
            who = dict(stage=_stage(2))
            missing = [{"name": UNIT["name"], "kind": "pending_reviews", "count": 3}]
        else:
            who = {}
            missing = [{"name": UNIT["name"], "kind": "not_submitted", "count": 0}]
        ctx = base(event, lang, missing=missing, closes=event == "overdue", **who)
        ctx.update(over)
        return ctx
    if event == "returned":
        return base(
            event,
            lang,
            comment="Thiếu minh chứng cho tiêu chí 2.1 <bảng số liệu> & báo cáo quý IV",
            returned_by="Chỉ huy Phòng Tham mưu",
            version=1,
            **over,
        )
    if event == "stage_closed":
        number = int(variant or 1)
        returned_to = 2 if number == 4 and over.pop("returned", False) else None
        return base(
            event,
            lang,
            stage=_stage(number),
            reason="returned" if returned_to else ("decided" if number == 4 else "deadline"),
            result=_with_approved(stage_result(number, returned_to=returned_to)),
            **over,
        )
    if event == "campaign_finished":
        return base(
            event,
            lang,
            stage=None,
            due=None,
            due_at_utc=None,
            titles=[
                {"unit": "Phòng Tổ chức cán bộ", "title": QT},
                {"unit": "Phòng Tài chính", "title": QT},
                {"unit": "Thanh tra CATP", "title": TT},
            ],
            acclaimed="Phòng Tổ chức cán bộ",
            leader="Phòng Tổ chức cán bộ",
            deputy="Phòng Tài chính",
            nominations=1,
            **over,
        )
    if event == "nominations_filed":
        ctx = base(
            event,
            lang,
            stage=None,
            due=None,
            due_at_utc=None,
            nominations=NOMINATIONS,
            whole_cluster=True,
            recipient=DIRECTORATE,
            unit=None,
        )
        ctx.update(over)
        return ctx
    if event == "chair_tie":
        role = variant or "leader"
        who = (
            dict(recipient=DIRECTORATE, unit=None)
            if role == "directorate"
            else dict(recipient=LEADER, unit={"code": "PTM", "name": "Phòng Tham mưu"})
        )
        ties = [
            {
                "title": QT,
                "places": 1,
                "units": [
                    {"code": "PHC", "name": "Phòng Hậu cần", "yes": 9, "score": Decimal("92.5")},
                    {"code": "PTC", "name": "Phòng Tài chính", "yes": 9, "score": Decimal("92.5")},
                ],
            }
        ]
        ctx = base(event, lang, stage=_stage(3), ties=ties, escalated=role == "directorate", **who)
        ctx.update(over)
        return ctx
    raise KeyError(event)


def digest_context(lang: str) -> dict[str, Any]:
    return {
        "lang": lang,
        "recipient": OFFICER,
        "day": dt.datetime(2019, 11, 20, 7, 0),
        "link": "",
        "subject": "Tổng hợp",
        "messages": [
            {
                "subject": "[Thi đua] Cụm thi đua số 4 2019: mở giai đoạn 1 – Tự chấm điểm",
                "body_text": "Việc cần làm: nộp bản tự chấm điểm <trước hạn> & đủ minh chứng.",
                "created": dt.datetime(2019, 11, 19, 8, 30),
            },
            {
                "subject": "[Thi đua] Nhắc hạn",
                "body_text": "Phòng Tổ chức cán bộ chưa nộp bản tự chấm điểm.",
                "created": dt.datetime(2019, 11, 19, 16, 5),
            },
        ],
    }


def _template_sample(name: str) -> dict[str, Any]:
    parts = name.split("/")
    if parts[1] in ("_vi.j2", "_en.j2"):
        return {}
    if parts[1] == "_layout.html.j2":
        return {**base("stage_opened", "vi"), "subject": "Thông báo"}
    if parts[1] == "webhook.json.j2":
        return {**base("stage_opened", "vi"), "subject": "Thông báo", "body_text": "Nội dung"}
    event, lang = parts[1], parts[2]
    if event == "digest":
        return digest_context(lang)
    return {**message_context(event, lang), "subject": "Tiêu đề"}


def template_samples(names: list[str]) -> dict[str, Any]:
    """Sample variables for every template under messages/, keyed by template name."""
    return {n: (lambda n=n: _template_sample(n)) for n in names if n.startswith("messages/")}
