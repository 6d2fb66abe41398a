"""Times as the organisation reads them, in its zone (THIDUA_TIMEZONE, Asia/Ho_Chi_Minh by
default). Every time thidua writes for a person goes through here: forms and artifacts (the
templates' ``gio``/``ngay``/``mui_gio`` filters, thidua/templating.py), documents, CLI tables and
JSON, refusals and notifications. The database keeps UTC (models/types.py); a naive datetime
given here is taken as UTC, as the database means it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def zone() -> dt.tzinfo:
    """The organisation's zone; the default if the setting cannot be read (the CLI reports a
    bad setting; a time must still print)."""
    from thidua.settings import get_settings  # late: settings read the environment

    try:
        return get_settings().tz
    except Exception:
        return DEFAULT_ZONE


def local(moment: dt.datetime) -> dt.datetime:
    """`moment` in the organisation's zone (aware); a naive one is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone())


def wall_clock(moment: dt.datetime) -> dt.datetime:
    """The local time as a naive datetime, for templates that print its parts themselves."""
    return local(moment).replace(tzinfo=None)


def _offset_minutes(moment: dt.datetime | None) -> int:
    at = local(moment) if moment is not None else dt.datetime.now(zone())
    return int((at.utcoffset() or dt.timedelta(0)).total_seconds()) // 60


def gmt(moment: dt.datetime | None = None) -> str:
    """The zone's offset at `moment` (now if None) as documents write it: ``GMT+7``."""
    minutes = _offset_minutes(moment)
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{'+' if minutes >= 0 else '-'}{hours}" + (f":{rest:02d}" if rest else "")


def utc_offset(moment: dt.datetime | None = None) -> str:
    """The zone's offset at `moment` as messages write it: ``UTC+07:00``."""
    minutes = _offset_minutes(moment)
    return f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def clock(moment: dt.datetime | None) -> str:
    """A moment for a table or a sentence: ``05/12/2026 19:03``; None → ``—``."""
    return "—" if moment is None else local(moment).strftime("%d/%m/%Y %H:%M")


def iso(moment: dt.datetime | None) -> str | None:
    """A moment for JSON: ISO 8601 with the local offset, ``2026-12-05T19:03:00+07:00``."""
    return None if moment is None else local(moment).isoformat()


def parse(text: str, field: str) -> dt.datetime:
    """A moment as a person types it (ISO 8601, or a browser's `2019-11-20T17:00`): without an
    offset it is the organisation's local time, never UTC."""
    from thidua.errors import InvalidInput

    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(field, f"'{text}' không phải thời điểm ISO 8601") from None
    return value if value.tzinfo else value.replace(tzinfo=zone())
