"""The one exception pure rules raise: a named field broke a named rule."""


class RuleViolation(ValueError):
    """`field` names where the input is wrong (dotted path); `reason` says why, in Vietnamese."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
