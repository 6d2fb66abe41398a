"""Building e-mails: UTF-8, plain text with an HTML alternative, a stable Message-ID.

The standard library's ``email.message.EmailMessage`` encodes Vietnamese subjects and names
(RFC 2047) and bodies (UTF-8) correctly and adds no dependency.
"""

import hashlib
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from models.types import utcnow
from thidua.settings import Settings


def message_id(keys: list[str], settings: Settings) -> str:
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "thidua.localhost"
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_email(
    *,
    subject: str,
    text: str,
    html: str | None,
    to_name: str,
    to_address: str,
    message_id: str,
    event: str,
    settings: Settings,
) -> EmailMessage:
    """One UTF-8 e-mail, plain text with an HTML alternative."""
    msg = EmailMessage()
    if subject.isascii():
        msg["Subject"] = subject
    else:
        # email.policy's folder drops the space where it folds between two encoded words
        # ("kết thúc" arrives as "kếtthúc"; seen on CPython 3.11): the legacy Header folds right.
        msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode("\n"))
    msg["From"] = settings.smtp_from
    msg["To"] = Address(display_name=to_name, addr_spec=to_address)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    msg["X-Thidua-Event"] = event
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg
