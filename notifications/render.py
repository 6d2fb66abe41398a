"""Rendering a message: subject, plain text, HTML and a webhook's JSON, in the person's language.

Templates (the project's one Jinja2 environment): ``messages/<event>/<lang>/subject.txt.j2``,
``body.txt.j2`` and ``body.html.j2`` (autoescaped), and ``messages/webhook.json.j2`` (the JSON a
webhook receives). Every message template gets ``lang``, ``event``, ``recipient`` (full_name,
username, role: officer | leader | directorate), ``unit`` (code, name; or None), ``campaign``
(id, name, year, cluster, movement), ``stage`` (number, key, attempt; or None), ``due`` (the
deadline as a naive datetime in ``settings.tz``, or None), ``tz`` (e.g. ``UTC+07:00``) and
``link`` (the campaign's run in the Prefect UI, or ""); the event's own variables are listed at
the functions that enqueue it (notifications/events.py, notifications/reminders.py). The
language is the person's (``Actor.language``), Vietnamese by default.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import (
    Actor,
)
from thidua import localtime
from thidua.templating import render

LANGUAGES = ("vi", "en")


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


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    body_html: str
    payload_json: str | None


def language_of(actor: Actor) -> str:
    return actor.language if actor.language in LANGUAGES else "vi"


def local_naive(value: datetime) -> datetime:
    """An aware datetime as wall-clock time in the organisation's zone (the templates' filters
    take naive datetimes as local time)."""
    return localtime.wall_clock(value)


def utc_offset(value: datetime) -> str:
    return localtime.utc_offset(value)


def render_message(event: str, lang: str, context: Mapping[str, Any], *, webhook: bool) -> Rendered:
    """Subject, plain text, HTML and (for a webhook) the JSON body of one message."""
    folder = f"messages/{event}/{lang}/"
    subject = " ".join(render(folder + "subject.txt.j2", **context).split())
    ctx = {**context, "subject": subject}
    text = render(folder + "body.txt.j2", **ctx)
    html = render(folder + "body.html.j2", **ctx)
    payload = None
    if webhook:
        payload = render("messages/webhook.json.j2", **ctx, body_text=text)
        json.loads(payload)  # a broken template must fail here, not at the receiver
    return Rendered(subject=subject, body_text=text, body_html=html, payload_json=payload)
