"""`thidua <command> --help` is the command's recorded page: the same text the loaded command
lays out, at any terminal width, and shown only where Click itself would show help."""

import pytest
from typer.testing import CliRunner

from thidua.cli import help_pages, index
from thidua.cli.command_pages import PAGES
from thidua.cli.main import app


@pytest.mark.parametrize("width", [50, 64, 100])
def test_every_recorded_page_is_what_the_loaded_command_lays_out(width: int) -> None:
    whole = index.eager()
    root = whole.context_class(whole, info_name="thidua", terminal_width=width)
    for name, command in whole.commands.items():
        ctx = command.context_class(command, info_name=name, parent=root)
        live, replayed = ctx.make_formatter(), ctx.make_formatter()
        help_pages.write_help(command, ctx, live)
        help_pages.replay(PAGES[name]["ops"], replayed, ctx.command_path)
        assert replayed.getvalue() == live.getvalue(), name
        assert replayed.getvalue().startswith(f"Usage: thidua {name} ")


def test_a_page_shows_the_options_in_their_panels() -> None:
    shown = CliRunner().invoke(app, ["report", "--help"], env={"COLUMNS": "100"})
    assert shown.exit_code == 0
    text = shown.stdout
    assert text.startswith("Usage: thidua report [OPTIONS]")
    assert "Kết quả một đợt bình xét" in text
    options, exports = text.index("\nOptions:\n"), text.index("\nXuất tệp:\n")
    assert options < text.index("--campaign") < exports < text.index("--xlsx")


def test_help_given_as_an_options_value_runs_the_command() -> None:
    """`--actor --help` names an actor called "--help", as Click reads it: the command runs
    (and here refuses: no secret), it does not print help."""
    shown = CliRunner().invoke(app, ["pending", "--actor", "--help"], env={"THIDUA_SECRET": ""})
    assert shown.exit_code != 0
    assert "Usage:" not in shown.stdout
    assert "THIDUA_SECRET" in shown.stderr


def test_an_unknown_option_before_help_is_the_commands_error() -> None:
    shown = CliRunner().invoke(app, ["pending", "--bogus", "--help"])
    assert shown.exit_code == 2
    assert "No such option: --bogus" in shown.stderr


def test_a_groups_subcommand_shows_its_own_help() -> None:
    shown = CliRunner().invoke(app, ["token", "issue", "--help"])
    assert shown.exit_code == 0
    assert shown.stdout.startswith("Usage: thidua token issue [OPTIONS]")
    assert "--system" in shown.stdout


def test_a_group_without_arguments_shows_its_page_as_a_usage_error() -> None:
    shown = CliRunner().invoke(app, ["token"])
    assert (shown.exit_code, shown.stdout) == (2, "")
    assert shown.stderr.startswith("Usage: thidua token [OPTIONS] COMMAND [ARGS]...")
    assert "issue" in shown.stderr and "revoke" in shown.stderr


@pytest.mark.parametrize(
    ("args", "asked"),
    [
        (["--help"], True),
        (["--actor", "x", "--help"], True),
        (["--actor=--help"], False),
        (["--actor", "--help"], False),
        (["--", "--help"], False),
        (["--bogus", "--help"], False),
        (["--json", "--help"], True),
    ],
)
def test_help_is_asked_where_clicks_parser_would_see_it(args: list[str], asked: bool) -> None:
    assert help_pages.asks_for_help(PAGES["pending"]["shape"], args) is asked


def test_a_groups_help_is_asked_only_before_its_subcommand() -> None:
    shape = PAGES["token"]["shape"]
    assert help_pages.asks_for_help(shape, ["--help"])
    assert not help_pages.asks_for_help(shape, ["issue", "--help"])
    assert help_pages.asks_for_help(shape, [])  # no_args_is_help
