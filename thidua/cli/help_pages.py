"""The help pages of `thidua`: laid out once, replayed without the command's module.

`thidua <command> --help` must cost about what importing Typer costs, but a command's module
imports the database layer and its services. So the generator (`python -m thidua.cli.index`)
lays out every command's page with `write_help` into a `Recorder`, which keeps the formatter's
calls (usage, headings, paragraphs, definition lists) in `thidua/cli/command_pages.py`; asking
for help replays them into a live formatter, which wraps them to the terminal's width as if the
command had been loaded. Pages are Click's plain layout, with Typer's help panels as sections
(Rich's boxes would cost more to import than the rest of a help together).

Whether help is asked is decided the way Click's parser would decide it, from the option names
recorded with the page: `--help` given as the value of an option (`--reason --help`) is a value,
an unknown option before it is the command's error to report, and after a group's subcommand it
is the subcommand's help (loaded from its module).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

HELP = "--help"
_WHOLE = 10_000
Ops = list[list[Any]]


def write_help(command: Any, ctx: Any, formatter: Any) -> None:
    """Click's plain help layout, with each help panel (of options or commands) a section."""
    formatter.write_usage(ctx.command_path, " ".join(command.collect_usage_pieces(ctx)))
    command.format_help_text(ctx, formatter)
    sections: dict[str, list[tuple[str, str]]] = {"Arguments": [], "Options": []}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None:
            kind = "Arguments" if param.param_type_name == "argument" else "Options"
            panel = getattr(param, "rich_help_panel", None) or kind
            sections.setdefault(panel, []).append(record)
    if isinstance(command, TyperGroup):
        listed = [(n, command.get_command(ctx, n)) for n in command.list_commands(ctx)]
        shown = [(n, sub) for n, sub in listed if sub is not None and not sub.hidden]
        for name, sub in shown:
            panel = getattr(sub, "rich_help_panel", None) or "Commands"
            # Its first sentence whole (wrapped), not cut to fit one line: Vietnamese runs long.
            sections.setdefault(panel, []).append((name, sub.get_short_help_str(_WHOLE)))
    for heading, rows in sections.items():
        if rows:
            with formatter.section(heading):
                formatter.write_dl(rows)
    command.format_epilog(ctx, formatter)


class Recorder:
    """A help formatter that keeps its calls instead of writing (at the widest width Click
    uses, so what depends on the width at layout time is laid out for the widest terminal)."""

    width = 78

    def __init__(self) -> None:
        self.ops: Ops = []

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        self.ops.append(["usage", args, prefix])

    def write_heading(self, heading: str) -> None:
        self.ops.append(["heading", heading])

    def write_paragraph(self) -> None:
        self.ops.append(["paragraph"])

    def write_text(self, text: str) -> None:
        self.ops.append(["text", text])

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        self.ops.append(["dl", [list(row) for row in rows], col_max, col_spacing])

    def indent(self) -> None:
        self.ops.append(["indent"])

    def dedent(self) -> None:
        self.ops.append(["dedent"])

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        self.write_paragraph()
        self.write_heading(name)
        self.indent()
        try:
            yield
        finally:
            self.dedent()

    @contextmanager
    def indentation(self) -> Iterator[None]:
        self.indent()
        try:
            yield
        finally:
            self.dedent()


def replay(ops: Ops, formatter: Any, prog: str) -> None:
    for op, *args in ops:
        if op == "usage":
            formatter.write_usage(prog, args[0], args[1])
        elif op == "heading":
            formatter.write_heading(args[0])
        elif op == "paragraph":
            formatter.write_paragraph()
        elif op == "text":
            formatter.write_text(args[0])
        elif op == "dl":
            formatter.write_dl([tuple(row) for row in args[0]], args[1], args[2])
        elif op == "indent":
            formatter.indent()
        elif op == "dedent":
            formatter.dedent()
        else:
            raise ValueError(f"unknown help page operation {op!r}")


def shape(command: Any, ctx: Any) -> dict[str, Any]:
    """What deciding whether help is asked needs: the options that take values (and how many),
    the flags, and whether a positional argument is a subcommand."""
    values: dict[str, int] = {}
    flags: list[str] = []
    for param in command.get_params(ctx):
        if param.param_type_name != "option":
            continue
        names = [*param.opts, *param.secondary_opts]
        if param.is_flag or param.count:
            flags += names
        else:
            values |= dict.fromkeys(names, param.nargs)
    return {
        "values": values,
        "flags": sorted(flags),
        "group": isinstance(command, TyperGroup),
        "no_args_is_help": bool(command.no_args_is_help),
        "ignore_unknown": bool(ctx.ignore_unknown_options),
    }


def asks_for_help(shape: dict[str, Any], args: Sequence[str]) -> bool:
    """Whether Click would show this command's own help for these arguments."""
    if not args:
        return bool(shape["no_args_is_help"])
    for kind, _at in scan(shape, args):
        if kind == "positional" and not shape["group"]:
            continue  # a command's arguments and options may come in any order
        return kind == "help"
    return False


def scan(shape: dict[str, Any], args: Sequence[str]) -> Iterator[tuple[str, int]]:
    """Click's parser's reading of `args`, as far as help goes: yields ("help", i) for --help,
    ("positional", i) for an argument (a group's subcommand), ("stop", i) where Click stops
    reading options (`--`) or refuses one (an unknown option: the command reports it)."""
    values: dict[str, int] = shape["values"]
    flags = set(shape["flags"])
    lenient = bool(shape["ignore_unknown"])
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            yield "stop", i
            return
        if arg == HELP:
            yield "help", i
        elif arg.startswith("--"):
            name = arg.split("=", 1)[0]
            if name in values:
                i += 0 if "=" in arg else values[name]
            elif name not in flags and not lenient:
                yield "stop", i
                return
        elif arg.startswith("-") and len(arg) > 1:
            taken = _short_options(arg, values, flags, lenient)
            if taken is None:
                yield "stop", i
                return
            i += taken
        else:
            yield "positional", i
        i += 1


def _short_options(arg: str, values: dict[str, int], flags: set[str], lenient: bool) -> int | None:
    """How many of the next arguments `-abc` takes as values (-a -b -c, up to the first that
    takes a value: the rest of the word is that value, or else the next arguments are), or None
    if Click would refuse one of its letters."""
    for j, letter in enumerate(arg[1:], start=1):
        option = f"-{letter}"
        if option in values:
            return values[option] if j == len(arg) - 1 else 0
        if option not in flags and not lenient:
            return None
    return 0


def show(page: dict[str, Any], ctx: Any, name: str, *, asked: bool = True) -> None:
    """Print a recorded page as `thidua <name> --help` would, and end the command; a group
    called without arguments shows it as Click does for `no_args_is_help`: on stderr, exit 2."""
    formatter = ctx.make_formatter()
    replay(page["ops"], formatter, f"{ctx.command_path} {name}")
    typer.echo(formatter.getvalue().rstrip("\n"), err=not asked, color=ctx.color)
    ctx.exit(0 if asked else 2)
