"""What the root command passes to the command it runs, kept light: `thidua --help` loads it."""

from contextvars import ContextVar

# Set by the global option --thay-cho: the person the authenticated substitute acts for.
on_behalf_of: ContextVar[str | None] = ContextVar("on_behalf_of", default=None)
