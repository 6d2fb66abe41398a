"""The exceptions a thidua command raises. The CLI turns each into a message and an exit code.

ThiduaError
├── InvalidInput      a field of the input breaks a rule (names the field and the reason)
├── NotFound          an actor, unit, cycle or campaign does not exist
├── Forbidden         the actor may not do this (role, unit, cluster)
├── WrongStage        the campaign is not in the stage the action belongs to, or it is closed
├── Conflict          the action was already done (a second ballot, a second review)
└── NotReady          the stage cannot move on yet: inputs are missing
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from rules.errors import RuleViolation, RuleViolations


class ThiduaError(Exception):
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input: where (a field path such as `reviews[0].scores.XDD1`, and
    the sheet and cell when it was read from an Excel form) and why, in Vietnamese. `place`,
    when given, is where it is already said in full (an organisation file's sheet, row and
    column)."""

    field: str
    reason: str
    cell: str | None = None  # "Tự chấm!H7"
    place: str | None = None  # "people!E5 (cột email)"

    @classmethod
    def at(cls, place: str, reason: str) -> "Problem":
        return cls(field=place, reason=reason, place=place)

    @property
    def where(self) -> str:
        if self.place:
            return self.place
        return f"ô {self.cell} ({self.field})" if self.cell else f"trường {self.field}"

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"

    def to_json(self) -> dict[str, str | None]:
        return {"where": self.where, "field": self.field, "cell": self.cell, "reason": self.reason}


class InvalidInput(ThiduaError):
    """`field` and `reason` name the first problem; `problems` holds every one found, so a
    person fixes a file once instead of once per error."""

    exit_code = 2

    def __init__(self, field: str, reason: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.problems: tuple[Problem, ...] = tuple(problems) or (Problem(field, reason),)

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> "InvalidInput":
        if not problems:
            raise ValueError("no problem to report")
        first = problems[0]
        if len(problems) == 1:
            return cls(first.field, first.reason, problems)
        return cls(first.field, f"{first.reason} (và {len(problems) - 1} chỗ sai khác)", problems)

    @classmethod
    def from_rule(cls, exc: RuleViolation, prefix: str = "") -> "InvalidInput":
        found = exc.violations if isinstance(exc, RuleViolations) else (exc,)
        return cls.of([Problem(prefix + v.field, v.reason) for v in found])


class NotFound(ThiduaError):
    exit_code = 3


class Forbidden(ThiduaError):
    exit_code = 4


class WrongStage(ThiduaError):
    exit_code = 5


class Conflict(ThiduaError):
    exit_code = 6


class NotReady(ThiduaError):
    """The stage cannot move on yet: inputs are missing."""

    exit_code = 7


def field_path(loc: Sequence[int | str], prefix: str = "") -> str:
    """pydantic's location as one path style: keys dotted, list positions in brackets
    (`reviews[0].scores.XDD1`), as the services name fields."""
    path = prefix
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path or "input"


# pydantic's messages are English; each is said in Vietnamese, and one it does not know gets a
# Vietnamese generic reason rather than its English text.
_REASONS = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép (không có trong mẫu)",
    "decimal_parsing": "không phải là số",
    "decimal_type": "không phải là số",
    "finite_number": "không phải là số hữu hạn (NaN, vô cùng)",
    "float_parsing": "không phải là số",
    "float_type": "không phải là số",
    "int_parsing": "không phải là số nguyên",
    "int_type": "không phải là số nguyên",
    "int_from_float": "phải là số nguyên (không có phần thập phân)",
    "bool_parsing": "phải là có/không (true/false)",
    "bool_type": "phải là có/không (true/false)",
    "string_type": "phải là chuỗi ký tự",
    "dict_type": "phải là một bảng khóa: giá trị",
    "model_type": "phải là một bảng khóa: giá trị",
    "model_attributes_type": "phải là một bảng khóa: giá trị",
    "list_type": "phải là một danh sách",
    "tuple_type": "phải là một danh sách",
    "date_parsing": "không phải ngày hợp lệ (YYYY-MM-DD)",
    "date_from_datetime_parsing": "không phải ngày hợp lệ (YYYY-MM-DD)",
    "datetime_parsing": "không phải thời điểm hợp lệ (YYYY-MM-DDTHH:MM)",
    "datetime_from_date_parsing": "không phải thời điểm hợp lệ (YYYY-MM-DDTHH:MM)",
    "time_delta_parsing": "không phải khoảng thời gian hợp lệ (ví dụ P7D)",
    "frozen_instance": "không được sửa",
    "is_instance_of": "không đúng kiểu",
    "none_required": "phải để trống",
    "string_pattern_mismatch": "có ký tự không được phép",
}

_BOUNDED = {
    "too_short": "phải có ít nhất {min_length} phần tử",
    "too_long": "có quá {max_length} phần tử",
    "string_too_short": "không được để trống",
    "string_too_long": "dài quá {max_length} ký tự",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "không được nhỏ hơn {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "không được lớn hơn {le}",
    "multiple_of": "phải là bội số của {multiple_of}",
    "decimal_max_digits": "có quá {max_digits} chữ số",
    "decimal_max_places": "chỉ được có tối đa {decimal_places} chữ số thập phân",
    "decimal_whole_digits": "phần nguyên có quá {whole_digits} chữ số",
    "literal_error": "phải là một trong: {expected}",
    "enum": "phải là một trong: {expected}",
}


def reason_of(error: Any) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as a Vietnamese reason."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if error.get("input", ...) is None and kind not in ("missing", "none_required"):
        return "chưa điền (để trống)"
    if kind in _REASONS:
        return _REASONS[kind]
    if kind in _BOUNDED:
        try:
            return _BOUNDED[kind].format(**ctx).replace(" or ", " hoặc ")
        except (KeyError, IndexError):
            pass
    if kind in ("value_error", "assertion_error"):
        # Our own validators speak Vietnamese; their text is the reason.
        return (
            str(error.get("msg", ""))
            .removeprefix("Value error, ")
            .removeprefix("Assertion failed, ")
        )
    return f"giá trị không hợp lệ ({kind})"


def from_validation(exc: "ValidationError", prefix: str = "") -> InvalidInput:
    """Every error of a pydantic ValidationError, each as a field path and a Vietnamese reason."""
    return InvalidInput.of(
        [Problem(field_path(e["loc"], prefix), reason_of(e)) for e in exc.errors()]
    )
