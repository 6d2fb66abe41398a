"""Every problem of a filled form at once: its shape (pydantic), its scores (the cycle's scheme),
whom it reviews, what a ballot chooses. Each problem names its field path (`scores.XDD1`,
`reviews[0].scores.XDD1`, `ballot.leader`) and, for an Excel form, its sheet and cell; reasons
are in Vietnamese. A form is refused as a whole: the services are called only with a form that
passed, so nothing is written when anything is wrong.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from models import Unit
from rules.errors import RuleViolation, RuleViolations
from rules.results import BallotContent
from rules.scoring import validate_scores
from thidua.errors import InvalidInput, Problem, field_path, reason_of
from thidua.forms.filled import Filled
from thidua.limits import NAME, Name, text_problem
from thidua.services.context import CampaignView, apply_ballot_rules
from thidua.services.inputs import MAX_SCORE_ITEMS, ReviewInput, ReviewsInput, SelfAssessmentInput

# Where each field of an Excel form sits: field path -> "Sheet!A1".
Cells = Mapping[str, str]


class BallotForm(BaseModel):
    """A ballot as written on its form: an unanswered question or title (empty) abstains."""

    model_config = ConfigDict(extra="forbid")

    campaign: int | None = None
    unit: Name | None = None
    acclaim: Name | None = None
    leader: Name | None = None
    deputy: Name | None = None
    titles: dict[Name, bool | None] = Field(default_factory=dict, max_length=MAX_SCORE_ITEMS)

    def content(self) -> BallotContent:
        return BallotContent(
            acclaim=self.acclaim,
            leader=self.leader,
            deputy=self.deputy,
            titles={u: v for u, v in self.titles.items() if v is not None},
        )


def _safe(part: int | str) -> int | str:
    if isinstance(part, int) or text_problem(part, max_length=NAME) is None:
        return part
    return "[khóa không hợp lệ]"


def shape_problems(exc: ValidationError, prefix: str = "") -> list[Problem]:
    return [
        Problem(field_path([_safe(p) for p in e["loc"]], prefix), reason_of(e))
        for e in exc.errors()
    ]


def rule_problems(exc: RuleViolation, prefix: str = "") -> list[Problem]:
    found = exc.violations if isinstance(exc, RuleViolations) else (exc,)
    return [Problem(prefix + v.field, v.reason) for v in found]


def refuse(problems: list[Problem], cells: Cells | None = None) -> None:
    """Raise every problem, each with its cell when the form was a spreadsheet."""
    if not problems:
        return
    if cells:
        problems = [_with_cell(p, cells) for p in problems]
    raise InvalidInput.of(problems)


def _with_cell(problem: Problem, cells: Cells) -> Problem:
    if problem.cell:
        return problem
    path = problem.field
    while path:  # the cell of the field, or of the nearest enclosing one that has a cell
        if path in cells:
            return Problem(problem.field, problem.reason, cells[path])
        path = path.rpartition(".")[0]
    return problem


def _header(raw: Mapping[str, Any], view: CampaignView, unit: Unit) -> list[Problem]:
    found = []
    campaign = raw.get("campaign")
    if isinstance(campaign, int) and campaign != view.id:
        found.append(
            Problem("campaign", f"mẫu này của đợt bình xét số {campaign}, không phải số {view.id}")
        )
    code = raw.get("unit")
    if isinstance(code, str) and code != unit.code:
        found.append(
            Problem(
                "unit", f"mẫu này của đơn vị '{code}', không phải của {unit.name} ({unit.code})"
            )
        )
    return found


def _mapping(raw: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidInput("file", f"nội dung tệp phải là một bảng khóa: giá trị ({what})")
    return raw


# The drive points fixed for the campaign: unit code -> item code -> points
# (thidua.services.drive_points.fixed_points), so a form's bonus cap counts them as the
# service will.
Fixed = Mapping[str, Mapping[str, Decimal]]


def _score_problems(
    view: CampaignView, scores: Any, prefix: str = "", fixed: Mapping[str, Decimal] | None = None
) -> list[Problem]:
    if not isinstance(scores, Mapping):
        return []  # the shape check has said so
    try:
        # A key the shape check refused (too long, a control character) is not repeated here.
        readable = {
            k: v
            for k, v in scores.items()
            if isinstance(k, str) and text_problem(k, max_length=NAME) is None
        }
        validate_scores(view.rules.scheme, readable, fixed)
    except RuleViolation as exc:
        return rule_problems(exc, prefix)
    return []


def _merge(*groups: list[Problem]) -> list[Problem]:
    """One problem per field and reason, in the order found."""
    seen: set[tuple[str, str]] = set()
    out = []
    for group in groups:
        for p in group:
            if (p.field, p.reason) not in seen:
                seen.add((p.field, p.reason))
                out.append(p)
    return out


def check_self_assessment(
    view: CampaignView, unit: Unit, filled: Filled, fixed: Fixed | None = None
) -> SelfAssessmentInput:
    data, cells = _mapping(filled.data, "bản tự chấm"), filled.cells
    shape: list[Problem] = []
    model = None
    try:
        model = SelfAssessmentInput.model_validate(data)
    except ValidationError as exc:
        shape = shape_problems(exc)
    refuse(
        _merge(
            list(filled.problems),
            shape,
            _header(data, view, unit),
            _score_problems(view, data.get("scores"), fixed=(fixed or {}).get(unit.code)),
        ),
        cells,
    )
    assert model is not None
    return model


def check_reviews(
    view: CampaignView, unit: Unit, filled: Filled, fixed: Fixed | None = None
) -> ReviewsInput:
    """A unit's reviews: `{reviews: [...]}`, a list of reviews, or one review."""
    raw, cells = filled.data, filled.cells
    if isinstance(raw, list):
        raw = {"reviews": raw}
    elif isinstance(raw, Mapping) and "reviews" not in raw:
        raw = {"reviews": [raw]}
    data = _mapping(raw, "phiếu chấm chéo")
    found = _header(data, view, unit)
    reviews = data.get("reviews")
    shape: list[Problem] = []
    try:
        model = ReviewsInput.model_validate(data)
    except ValidationError as exc:
        shape = shape_problems(exc)
        model = None
    seen: set[str] = set()
    for i, item in enumerate(reviews if isinstance(reviews, list) else []):
        field = f"reviews[{i}]."
        if not isinstance(item, Mapping):
            continue
        try:
            review = ReviewInput.model_validate(item)
        except ValidationError:
            review = None
        code = item.get("reviewee")
        if isinstance(code, str):
            if code == unit.code:
                found.append(Problem(field + "reviewee", "không được tự chấm chéo đơn vị mình"))
            elif code not in view.member_codes:
                found.append(
                    Problem(field + "reviewee", f"'{code}' không phải đơn vị thành viên của cụm")
                )
            elif code in seen:
                found.append(Problem(field + "reviewee", f"'{code}' được chấm hai lần"))
            seen.add(code)
        if review is not None or isinstance(item.get("scores"), Mapping):
            theirs = (fixed or {}).get(code) if isinstance(code, str) else None
            found.extend(_score_problems(view, item.get("scores"), field, theirs))
    refuse(_merge(list(filled.problems), shape, found), cells)
    assert model is not None
    return model


def check_ballot(
    view: CampaignView, unit: Unit, filled: Filled, proposed: Mapping[str, str | None]
) -> BallotContent:
    data, cells = _mapping(filled.data, "phiếu bầu"), filled.cells
    found = [*filled.problems, *_header(data, view, unit)]
    try:
        form = BallotForm.model_validate(data)
    except ValidationError as exc:
        refuse(_merge(shape_problems(exc, "ballot"), found), cells)
        raise  # unreachable: a failed validation has at least one problem
    ballot = form.content()
    try:
        apply_ballot_rules(view, unit.code, ballot, proposed)
    except RuleViolation as exc:
        found.extend(rule_problems(exc))
    refuse(found, cells)
    return ballot
