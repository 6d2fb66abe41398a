"""Option callbacks that bound what a command line can carry (thidua/limits.py).

They raise InvalidInput, which the command group prints as one "Lỗi: trường …" line: Typer's own
range errors would be a framed English usage message instead.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from thidua.limits import NAME, REASON, check_id, check_name, check_text, check_year

T = TypeVar("T")


def _each(check: Callable[[T], T]) -> Callable[[T | list[T] | None], T | list[T] | None]:
    def callback(value: T | list[T] | None) -> T | list[T] | None:
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return [check(v) for v in value]
        return check(value)

    return callback


def bounded_id(field: str) -> Callable[..., object]:
    return _each(lambda v: check_id(field, v))


def bounded_year(field: str) -> Callable[..., object]:
    return _each(lambda v: check_year(field, v))


def bounded_name(field: str, max_length: int = NAME) -> Callable[..., object]:
    """A username, a unit or cluster code, a moment: short, on one line, not blank."""
    return _each(lambda v: check_name(field, v, max_length=max_length))


def bounded_reason(field: str) -> Callable[..., object]:
    return _each(lambda v: check_text(field, v, max_length=REASON, multiline=True))


# What a cluster leader names to return a self-assessment: `thidua return` and `thidua code
# return-unit` take the same options.
ReturnUnitOpt = Annotated[
    str,
    typer.Option(
        "--unit", help="Mã đơn vị có bản tự chấm bị trả lại.", callback=bounded_name("unit")
    ),
]
ReturnCommentOpt = Annotated[
    str,
    typer.Option(
        "--comment", help="Lý do trả lại để đơn vị sửa.", callback=bounded_reason("comment")
    ),
]

# One cluster, by its code: `org appoint`, `rules draft`, `drive confirm`.
ClusterOpt = Annotated[
    str, typer.Option("--cluster", help="Mã cụm thi đua.", callback=bounded_name("cluster"))
]
