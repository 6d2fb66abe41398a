"""What a filled form holds once read, whatever its format (thidua/forms/read.py)."""

from dataclasses import dataclass, field
from typing import Any

from thidua.errors import Problem


@dataclass(frozen=True)
class Filled:
    """What a filled form holds, in the shape of a YAML form."""

    data: Any
    # Excel: where each field sits (field path -> "Sheet!A1"), so problems name their cell.
    cells: dict[str, str] = field(default_factory=dict)
    # Found while reading, before any check: two candidates marked for a one-choice question.
    problems: tuple[Problem, ...] = ()
