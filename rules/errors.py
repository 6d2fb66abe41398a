"""The one exception pure rules raise: a named field broke a named rule."""


class RuleViolation(ValueError):
    """`field` names where the input is wrong (dotted path); `reason` says why, in Vietnamese."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class RuleViolations(RuleViolation):
    """Several violations found in one input, reported together; the first names the error."""

    def __init__(self, violations: "list[RuleViolation]") -> None:
        first = violations[0]
        super().__init__(first.field, first.reason)
        self.violations = tuple(violations)


def raise_all(violations: "list[RuleViolation]") -> None:
    """Raise what was found: nothing, the one violation, or all of them at once."""
    if len(violations) == 1:
        raise violations[0]
    if violations:
        raise RuleViolations(violations)
