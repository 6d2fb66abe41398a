"""Bounds on everything a person can send: files, nesting, text, characters, ids.

One place, so that the command line, the Prefect forms and the services refuse the same things,
and an attacker's input is turned away with a message before it can cost memory, a traceback
or a row in the database.
"""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

from thidua.errors import InvalidInput

# An input file is a few kilobytes of YAML; a mebibyte leaves room and keeps parsing cheap.
MAX_FILE_BYTES = 1024 * 1024
# The deepest legitimate input (the cycle rules) nests about five levels.
MAX_DEPTH = 20
# PostgreSQL's `integer`: the ids of every table, so a larger one can never name a row.
MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 2999

NAME = 64  # usernames, unit, cluster and movement codes, score item codes
TITLE = 200  # an emulation title in an amendment
REASON = 2_000  # a reason or comment of a decision, a return or an extension
REVIEW_COMMENT = 2_000
TEXT = 10_000  # achievements, shortcomings
EVIDENCE_ITEM = 2_000
EVIDENCE_ITEMS = 100

# Characters that rewrite what a terminal or a document shows (a carriage return over a reason,
# a right-to-left override or mark in a name), that no one sees (a zero-width space making a
# second "Phòng Tham mưu" look like the first) or that no database column should hold (NUL).
_BIDI = {
    chr(c)
    for c in (
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        *range(0x200B, 0x2010),  # zero-width space, joiners, left-to-right / right-to-left marks
        *range(0x2060, 0x2065),  # word joiner, invisible operators
        0x061C,  # Arabic letter mark
        0x180E,  # Mongolian vowel separator
        0xFEFF,  # zero-width no-break space (a byte-order mark inside text)
    )
}
_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


def _forbidden_char(value: str, multiline: bool) -> str | None:
    allowed = "\n\t" if multiline else ""
    for ch in value:
        if ch in allowed:
            continue
        if ch in _BIDI or unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return ch
    return None


def newlines(value: str) -> str:
    """A text typed on Windows (CR LF) or an old Mac (CR) with its lines ended by LF alone, as
    a multi-line text is stored: a carriage return left in it would be refused."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def text_problem(value: str, *, max_length: int, multiline: bool = False) -> str | None:
    """Why `value` cannot be stored, in Vietnamese, or None."""
    if len(value) > max_length:
        return f"dài quá {max_length} ký tự (nhận được {len(value)})"
    bad = _forbidden_char(value, multiline)
    if bad is None:
        return None
    if bad in "\n\t":
        return "phải nằm trên một dòng (không có xuống dòng hay tab)"
    return f"chứa ký tự điều khiển không được phép (U+{ord(bad):04X})"


def check_text(field: str, value: str, *, max_length: int, multiline: bool = False) -> str:
    problem = text_problem(value, max_length=max_length, multiline=multiline)
    if problem is not None:
        raise InvalidInput(field, problem)
    return value


def check_name(field: str, value: str, *, max_length: int) -> str:
    """A username, a code or a moment: on one line, bounded, and not blank (an empty --actor
    would otherwise read as a person who does not exist)."""
    if not value.strip():
        raise InvalidInput(field, "không được để trống")
    return check_text(field, value, max_length=max_length)


def check_id(field: str, value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise InvalidInput(field, f"phải là số nguyên từ 1 đến {MAX_ID} (nhận được {value})")
    return value


def check_year(field: str, value: int) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise InvalidInput(field, f"phải là năm từ {MIN_YEAR} đến {MAX_YEAR} (nhận được {value})")
    return value


def _validator(max_length: int, multiline: bool) -> AfterValidator:
    def check(value: str) -> str:
        # pydantic names the field; the ValueError's text becomes the reason.
        problem = text_problem(value, max_length=max_length, multiline=multiline)
        if problem is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


# Text fields of the input models (thidua/services/inputs.py).
Name = Annotated[str, _validator(NAME, multiline=False)]
ReviewComment = Annotated[str, _validator(REVIEW_COMMENT, multiline=True)]
LongText = Annotated[str, _validator(TEXT, multiline=True)]
EvidenceItem = Annotated[str, _validator(EVIDENCE_ITEM, multiline=True)]
