"""Daily digests: one e-mail a day for a channel that asks for it, at ``settings.digest_hour``."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from models.types import utcnow
from thidua import localtime
from thidua.settings import Settings, get_settings
from thidua.templating import render

if TYPE_CHECKING:
    from email.message import EmailMessage

    from notifications.jobs import Job


def digest_email(group: "list[Job]", settings: Settings) -> "EmailMessage":
    # Imported here: writing to the outbox (every submission) needs only next_digest_at.
    from notifications.mail import build_email, message_id

    first = group[0]
    lang = first.language if first.language in ("vi", "en") else "vi"
    now = utcnow()
    local = localtime.local(now)
    context: dict[str, Any] = {
        "lang": lang,
        "recipient": {"full_name": first.full_name, "username": first.username, "role": ""},
        "day": local.replace(tzinfo=None),
        "link": "",
        "messages": [
            {
                "subject": j.subject,
                "body_text": j.body_text,
                "created": localtime.wall_clock(j.created_at),
            }
            for j in group
        ],
    }
    folder = f"messages/digest/{lang}/"
    subject = " ".join(render(folder + "subject.txt.j2", **context).split())
    context["subject"] = subject
    return build_email(
        subject=subject,
        text=render(folder + "body.txt.j2", **context),
        html=render(folder + "body.html.j2", **context),
        to_name=first.full_name,
        to_address=first.address,
        message_id=message_id([j.key for j in group], settings),
        event="digest",
        settings=settings,
    )


def next_digest_at(now: datetime) -> datetime:
    """The next daily digest time (settings.digest_hour, local time) after `now`."""
    settings = get_settings()
    local = now.astimezone(settings.tz)
    at = local.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)
    return at.astimezone(UTC)
