"""What a web form posts, in the shape of a YAML form, so the same checks read it
(thidua/forms/checks.py) and refuse it with the same problems.

Each input is named by the field path its problems carry (`scores.XDD1`, `achievements`,
`reviews[2].scores.XDD1`, `reviews[2].reviewee`, `ballot.leader`, `ballot.titles.PTM`), so a
page shows each problem next to the input it names, without a table of names to keep in step.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from thidua.errors import Problem
from thidua.forms.filled import Filled

_REVIEW = re.compile(r"reviews\[(\d{1,3})\]\.(reviewee|comment|scores\.(.+))")
# A title answer as a radio button posts it; nothing chosen (or "") abstains.
_TITLE_ANSWERS = {"yes": True, "no": False}


def _value(form: Mapping[str, str], name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _score(value: str) -> str | None:
    """An empty box is no score (the check says "thiếu điểm" for a criterion), not zero. A
    decimal comma is read as Vietnamese write it ("2,5"), as the page's live total does; with
    a dot present too it is left for the check to refuse, never guessed."""
    text = value.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return text or None


def self_assessment(form: Mapping[str, str]) -> Filled:
    scores = {
        name.removeprefix("scores."): _score(_value(form, name))
        for name in form
        if name.startswith("scores.")
    }
    evidence = [line.strip() for line in _value(form, "evidence").splitlines() if line.strip()]
    return Filled(
        {
            "scores": scores,
            "achievements": _value(form, "achievements").strip(),
            "shortcomings": _value(form, "shortcomings").strip(),
            "evidence": evidence,
        }
    )


def review_rows(form: Mapping[str, str]) -> dict[int, dict[str, Any]]:
    """Each row of the review grid as posted, by its index (what the grid shows again)."""
    rows: dict[int, dict[str, Any]] = {}
    for name in form:
        found = _REVIEW.fullmatch(name)
        if found is None:
            continue
        row = rows.setdefault(int(found.group(1)), {"scores": {}})
        if found.group(3) is not None:
            row["scores"][found.group(3)] = _value(form, name)
        else:
            row[found.group(2)] = _value(form, name)
    return rows


def reviews(form: Mapping[str, str]) -> tuple[Filled, list[int]]:
    """The rows of the review grid that hold anything, and the grid index of each: an
    untouched row is not sent (a unit may send its reviews in several goes)."""
    filled: list[dict[str, Any]] = []
    indices: list[int] = []
    for i, row in sorted(review_rows(form).items()):
        scores = {code: _score(value) for code, value in row["scores"].items()}
        comment = str(row.get("comment", "")).strip()
        if any(v is not None for v in scores.values()) or comment:
            filled.append(
                {"reviewee": row.get("reviewee", ""), "scores": scores, "comment": comment}
            )
            indices.append(i)
    return Filled({"reviews": filled}), indices


def in_grid(problems: Sequence[Problem], indices: Sequence[int]) -> list[Problem]:
    """Problems of the rows sent, named by their rows in the grid (`reviews[k]` of the k-th
    row sent becomes `reviews[i]` of grid row i)."""

    def rename(field: str) -> str:
        found = re.match(r"reviews\[(\d+)\]", field)
        if found is None or int(found.group(1)) >= len(indices):
            return field
        return f"reviews[{indices[int(found.group(1))]}]" + field[found.end() :]

    return [Problem(rename(p.field), p.reason, p.cell) for p in problems]


def ballot(form: Mapping[str, str]) -> Filled:
    """Inputs `ballot.leader`, `ballot.titles.PTM`…: the checks name a ballot's fields so."""
    data: dict[str, Any] = {
        key: (_value(form, f"ballot.{key}").strip() or None)
        for key in ("acclaim", "leader", "deputy")
    }
    titles: dict[str, bool | None] = {}
    problems = []
    for name in form:
        if not name.startswith("ballot.titles."):
            continue
        answer = _value(form, name).strip()
        if answer and answer not in _TITLE_ANSWERS:
            problems.append(Problem(name, "chỉ chọn Đồng ý, Không đồng ý hoặc để trống"))
            continue
        titles[name.removeprefix("ballot.titles.")] = _TITLE_ANSWERS.get(answer)
    data["titles"] = titles
    return Filled(data, problems=tuple(problems))
