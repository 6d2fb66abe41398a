"""The exceptions a thidua command raises. The CLI turns each into a message and an exit code.

ThiduaError
├── InvalidInput      a field of the input breaks a rule (names the field and the reason)
├── NotFound          an actor, unit, cycle or campaign does not exist
├── Forbidden         the actor may not do this (role, unit, cluster)
├── WrongStage        the campaign is not in the stage the action belongs to, or it is closed
├── Conflict          the action was already done (a second ballot, a second review)
└── NotReady          the stage cannot move on yet: inputs are missing
"""

from pydantic import ValidationError

from rules.errors import RuleViolation


class ThiduaError(Exception):
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ThiduaError):
    exit_code = 2

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    @classmethod
    def from_rule(cls, exc: RuleViolation) -> "InvalidInput":
        return cls(exc.field, exc.reason)


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


def from_validation(exc: "ValidationError", prefix: str = "") -> InvalidInput:
    """The first error of a pydantic ValidationError, as a field and a reason."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    field = f"{prefix}.{loc}" if prefix and loc else (prefix or loc or "input")
    return InvalidInput(field, err["msg"].removeprefix("Value error, "))
