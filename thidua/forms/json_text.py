"""Reading JSON as people and programs send it (a form file, an HTTP API request): nesting
bounded before parsing, keys written twice refused with their paths, parse errors named by line
and column, in Vietnamese. The keys' text checks are shared with the YAML reader
(thidua/cli/io.py)."""

import json
import re
from typing import Any

from thidua.errors import InvalidInput, Problem
from thidua.limits import MAX_DEPTH, NAME, text_problem
from thidua.parse_errors import json_reason


def field_part(part: int | str) -> int | str:
    # A key of the input is part of the field's name: an attacker's key must not carry a
    # megabyte or a control character into the message.
    if isinstance(part, int) or text_problem(part, max_length=NAME) is None:
        return part
    return "[khóa không hợp lệ]"


DUPLICATE = "khóa bị ghi hai lần; mỗi khóa chỉ được ghi một lần"


def refuse_duplicates(found: list[Problem]) -> None:
    if found:
        raise InvalidInput.of(found)


def key_text(value: object) -> str:
    return str(field_part(str(value)))


# A number of thousands of digits: Python refuses to convert it (ValueError, not a parse error).
UNREADABLE_VALUE = "có giá trị không đọc được (số quá nhiều chữ số hoặc ngày tháng sai)"


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys written twice in it."""

    duplicates: tuple[str, ...] = ()


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = []
        for key, _ in pairs:
            if key in seen:
                twice.append(key)
            seen.add(key)
        obj.duplicates = tuple(twice)
    return obj


def _json_duplicates(root: Any) -> list[Problem]:
    found: list[Problem] = []
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                child = f"{path}.{key_text(key)}" if path else key_text(key)
                found.append(Problem(child, DUPLICATE))
            stack.extend(
                (v, f"{path}.{key_text(k)}" if path else key_text(k)) for k, v in value.items()
            )
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    return sorted(found, key=lambda p: p.field)


_JSON_SPECIAL = re.compile(r'["\\\[\]{}]')


def _json_too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH; one pass, no recursion."""
    depth, in_string, escaped_at = 0, False, -1
    for m in _JSON_SPECIAL.finditer(text):
        i, ch = m.start(), m.group()
        if i == escaped_at:
            continue
        if in_string:
            if ch == "\\":
                escaped_at = i + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def parse_json(text: str, field: str = "file") -> Any:
    """The data of JSON `text`, or InvalidInput naming `field` and the problem."""
    if _json_too_deep(text):
        raise InvalidInput(field, f"JSON lồng nhau quá {MAX_DEPTH} tầng")
    try:
        data = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            field,
            f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}: {json_reason(exc.msg)}",
        ) from None
    except ValueError:
        raise InvalidInput(field, f"JSON {UNREADABLE_VALUE}") from None
    except RecursionError:  # the pre-scan should have caught it; never a traceback
        raise InvalidInput(field, f"JSON lồng nhau quá {MAX_DEPTH} tầng") from None
    refuse_duplicates(_json_duplicates(data))
    return data
