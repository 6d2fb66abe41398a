"""The project's single Jinja2 environment, its Vietnamese formatting filters and `render`.

Templates live in three packages and are looked up in this order:
``documents/templates`` (minutes, memo, achievement report), ``notifications/templates``
(e-mail and chat messages) and ``thidua/forms/templates`` (the YAML forms people fill). Names
ending in ``.html.j2`` or ``.html`` are autoescaped; every other template (Markdown, plain
text, YAML) is rendered as is. A missing variable raises
``jinja2.UndefinedError`` instead of printing an empty string.

Filters (Vietnamese conventions):

- ``diem``: points with a decimal comma and 2 decimals, dots between thousands
  (``Decimal("92.5")`` → ``"92,50"``, ``1000`` → ``"1.000,00"``, ``None`` → ``"—"``);
  ``diem(sign=True)`` prefixes positive values with ``+`` (for self/peer gaps).
- ``ngay``: a date as ``dd/mm/yyyy``; ``gio``: a time as ``"08 giờ 30"``;
  ``ngay_thang``: the date line of an administrative document, ``"ngày 14 tháng 11 năm 2019"``.
  ``mui_gio``: the zone those times are in, ``"GMT+7"``. Timezone-aware datetimes are shown
  in the organisation's zone (THIDUA_TIMEZONE, Asia/Ho_Chi_Minh by default); naive ones are
  taken as already local.
- ``ty_le``: a Fraction as ``"2/3"``; ``phan_tram``: a share as a percent, ``"66,67%"``
  (``"80%"`` when whole).
- ``md_cell``: a name as plain text inside Markdown (escapes ``|``, brackets, ``<>``, code;
  joins lines).
- ``md_text``: a person's free text inside Markdown, every Markdown character escaped;
  ``mot_dong``: text on one line; ``yaml_value`` / ``yaml_key``: a scalar or a key of a YAML
  form, quoted where YAML would read it back as something else.
- ``unescape``: undoes HTML escaping, for a non-HTML template printing a macro written in an
  autoescaped file (the documents' shared sentences, see documents/templates/_cau_*.html.j2).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING

from thidua import localtime

if TYPE_CHECKING:
    from jinja2 import Environment

TIMEZONE = localtime.DEFAULT_ZONE  # the default; the settings name the one in use
EMPTY = "—"  # printed for a missing number or date

_SEPARATORS = str.maketrans(",.", ".,")


def _autoescape(template_name: str | None) -> bool:
    return template_name is not None and template_name.endswith((".html.j2", ".html"))


def _round(value: Decimal, places: int) -> Decimal:
    if not value.is_finite():
        raise ValueError(f"không định dạng được số {value}")
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(q) if q == 0 else q  # no "-0,00"


def _format(value: Decimal, places: int) -> str:
    """`value` already rounded to `places`: thousands with dots, decimal comma."""
    return f"{value:,.{places}f}".translate(_SEPARATORS)


def diem(value: Decimal | int | float | None, places: int = 2, sign: bool = False) -> str:
    """Points Vietnamese style: ``92,50``; ``1.000,00``; ``None`` → ``—``. Rounds half up."""
    if value is None:
        return EMPTY
    q = _round(value if isinstance(value, Decimal) else Decimal(str(value)), places)
    return ("+" if sign and q > 0 else "") + _format(q, places)


def _local(value: dt.date) -> dt.date:
    # Naive datetimes here are wall-clock times already (notifications.render passes them so).
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return localtime.local(value)
    return value


def mui_gio(value: dt.datetime | None = None) -> str:
    """The UTC offset of the organisation's zone at `value` (now if None): ``GMT+7``."""
    return localtime.gmt(value if value is not None and value.tzinfo is not None else None)


def ngay(value: dt.date | None) -> str:
    """A date or datetime as ``dd/mm/yyyy`` (aware datetimes in Vietnam time); None → ``—``."""
    if value is None:
        return EMPTY
    return _local(value).strftime("%d/%m/%Y")


def gio(value: dt.datetime | None) -> str:
    """The time of a datetime as ``08 giờ 30`` (aware datetimes in Vietnam time)."""
    if value is None:
        return EMPTY
    local = _local(value)
    assert isinstance(local, dt.datetime)
    return f"{local.hour:02d} giờ {local.minute:02d}"


def ngay_thang(value: dt.date) -> str:
    """The date line of an administrative document: ``ngày 05 tháng 02 năm 2020``.

    Days below 10 and the months January and February take a leading zero, as in
    Nghị định 30/2020/NĐ-CP on administrative documents.
    """
    d = _local(value)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def ty_le(value: Fraction) -> str:
    """A share as a fraction: ``Fraction(2, 3)`` → ``2/3``, ``Fraction(1)`` → ``1/1``."""
    return f"{value.numerator}/{value.denominator}"


def phan_tram(value: Fraction | Decimal | int, places: int = 2) -> str:
    """A share as a percent: ``Fraction(2, 3)`` → ``66,67%``; ``Fraction(4, 5)`` → ``80%``."""
    f = Fraction(value) * 100
    if f.denominator == 1:
        return f"{_format(Decimal(f.numerator), 0)}%"
    q = _round(Decimal(f.numerator) / Decimal(f.denominator), places)
    return f"{_format(q, places)}%"


# What turns a name into something else in Markdown: a cell's end, a link or image (brackets),
# raw HTML or an autolink (angle brackets), code, and the backslash that would undo an escape.
_MD_ALIVE = re.compile(r"([\\`\[\]<>|])")


def md_cell(value: object) -> str:
    """A name (set by an admin, shown on forms others act on) as text inside Markdown, on one
    line: no cell break, link, image, HTML or code of its own. Ordinary punctuation is kept, so
    the .md documents stay readable as files."""
    return _MD_ALIVE.sub(r"\\\1", " ".join(str(value).split("\n")))


def unescape(value: object) -> str:
    """The text an autoescaped macro printed, with its HTML escaping undone."""
    import html  # its table of entities is large; only templates use this filter

    return html.unescape(str(value))


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!<>|~])")


def md_text(value: object) -> str:
    """Free text a person typed, shown inside Markdown as text only, on one line: no link,
    image, HTML or table cell of theirs comes alive on a form others read."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(value).split()))


def mot_dong(value: object) -> str:
    """Text on one line (a name inside a comment of a YAML form): whitespace runs joined."""
    return " ".join(str(value).split())


def yaml_value(value: object) -> str:
    """A scalar of a YAML form, read back exactly as given: null for None, numbers as written,
    text double-quoted (JSON's quoting is valid YAML and keeps ``yes`` or ``08`` text)."""
    if value is None:
        return "null"
    if isinstance(value, bool | int):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def yaml_key(value: object) -> str:
    """A key of a YAML form: bare when YAML reads it back as the same text, else quoted
    (a unit coded ``NO`` would otherwise come back as false)."""
    text = str(value)
    if _PLAIN_KEY.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


FILTERS = {
    "md_text": md_text,
    "mot_dong": mot_dong,
    "yaml_value": yaml_value,
    "yaml_key": yaml_key,
    "diem": diem,
    "ngay": ngay,
    "gio": gio,
    "mui_gio": mui_gio,
    "ngay_thang": ngay_thang,
    "ty_le": ty_le,
    "phan_tram": phan_tram,
    "md_cell": md_cell,
    "unescape": unescape,
}


@cache
def environment() -> Environment:
    """The one Jinja2 environment of the project, built on first use and then reused."""
    # Imported here: the filters (`diem`, `ngay`…) serve commands that render no template.
    from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("documents", "templates"),
                PackageLoader("notifications", "templates"),
                PackageLoader("thidua.forms", "templates"),
            ]
        ),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates are package data, fixed while a process runs: not checked on the disk at
        # every render (thousands of messages per national stage close).
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    return env


def all_templates() -> list[str]:
    """Every template name the environment can load (``*.j2``), sorted, partials included."""
    return environment().list_templates(filter_func=lambda name: name.endswith(".j2"))


def render(template_name: str, /, **context: object) -> str:
    """Render one template of the environment with `context` as its variables."""
    return environment().get_template(template_name).render(**context)
