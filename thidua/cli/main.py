"""`thidua`: the command line of the emulation workflow (thi đua, khen thưởng).

Every command module exposes `register(app)`. Errors a person can cause (ThiduaError, a bad
configuration, a database not initialised) are caught once, here, in the command group: they
print "Lỗi: …" to stderr and exit with the error's code, never with a traceback.
"""

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from thidua.cli import help_pages, index
from thidua.cli.command_index import COMMANDS
from thidua.cli.context import on_behalf_of

_ENTRIES = {row[0]: index.Entry(*row) for row in COMMANDS}


def _database_hint() -> str:
    try:
        from sqlalchemy.engine import make_url

        from thidua.settings import get_settings

        url = make_url(get_settings().effective_database_url)
        return url.render_as_string(hide_password=True)
    except Exception:  # the hint must never hide the real error
        return "?"


class _Group(TyperGroup):
    """The top-level group: loads a command's module only when that command is used, and turns
    user errors into a message and an exit code."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(_ENTRIES)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = _ENTRIES.get(cmd_name)
        if entry is None:
            return None
        return index.listing(entry) if self._listing else index.load(entry.module, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # The list of commands needs their names, panels and help: not their modules.
        self._listing = True
        try:
            help_pages.write_help(self, ctx, formatter)
        finally:
            self._listing = False

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The whole command line passes here once: errors follow the command's --json, even
        # those raised before its own options are parsed.
        ctx.meta["json"] = (
            "--json" in args[: args.index("--")] if "--" in args else "--json" in args
        )
        ctx.meta["thidua.argv"] = list(args)
        self._show_a_page(ctx, args)
        return super().parse_args(ctx, args)

    def _show_a_page(self, ctx: Any, args: list[str]) -> None:
        # A command's own help is its recorded page, shown before the root's options are read:
        # neither the command's module nor Typer's coercion of values (pydantic) is loaded.
        found = next(help_pages.scan(help_pages.shape(self, ctx), args), None)
        if found is None or found[0] != "positional" or args[found[1]] not in _ENTRIES:
            return
        name, rest = args[found[1]], args[found[1] + 1 :]
        if rest and help_pages.HELP not in rest:
            return
        from thidua.cli.command_pages import PAGES

        if help_pages.asks_for_help(PAGES[name]["shape"], rest):
            help_pages.show(PAGES[name], ctx, name, asked=bool(rest))

    def invoke(self, ctx: Any) -> Any:
        # One process may run several commands (tests): no one's identity carries over. A
        # process that never imported the audit service holds no identity.
        identity = sys.modules.get("thidua.services.audit")
        if identity is not None:
            for held in (
                identity.claimed_username,
                identity.proven_actor_id,
                identity.acting_substitute,
            ):
                held.set(None)
        try:
            return super().invoke(ctx)
        except Exception as exc:
            code = _user_error(exc, ctx.meta)
            if code is None:
                raise
            raise typer.Exit(code) from None


def _loaded(module: str, name: str) -> Any:
    """A class of `module` if the process imported it (else nothing raised can be one of its
    exceptions): the help and the light commands never import the database layer for it."""
    found = sys.modules.get(module)
    return getattr(found, name) if found is not None else ()


def _user_error(exc: Exception, meta: dict[str, Any]) -> int | None:
    """Print an error a person caused and give its exit code; None for anything else."""
    as_json = bool(meta.get("json"))
    if isinstance(exc, _loaded("thidua.errors", "ThiduaError")):
        from thidua.cli import audit
        from thidua.cli.io import print_error
        from thidua.errors import Forbidden, WrongStage

        if isinstance(exc, Forbidden | WrongStage):
            # After the command's rollback: the refusal alone is written.
            audit.log_refusal(meta.get("thidua.argv", []), exc)
        print_error(exc, as_json=as_json)
        return int(exc.exit_code)
    if isinstance(exc, _loaded("pydantic", "ValidationError")) and exc.title == "Settings":
        from thidua.cli.io import invalid_from, print_error
        from thidua.errors import InvalidInput

        bad = invalid_from(exc)
        print_error(InvalidInput(f"THIDUA_{bad.field.upper()}", bad.reason), as_json=as_json)
        return int(InvalidInput.exit_code)
    if isinstance(exc, _loaded("sqlalchemy.exc", "OperationalError")):
        from thidua.cli.io import print_error
        from thidua.errors import ThiduaError

        first = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        print_error(
            ThiduaError(
                f"không dùng được cơ sở dữ liệu ({_database_hint()}): {first}. "
                "Nếu chưa khởi tạo, hãy chạy `thidua init`."
            ),
            as_json=as_json,
        )
        return 1
    return None


app = typer.Typer(
    cls=_Group,
    name="thidua",
    help="Quy trình thi đua, khen thưởng theo Cụm thi đua (emulation workflow on Prefect).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # Click's plain help and errors (help_pages says why)
)


@app.callback()
def _root(
    thay_cho: Annotated[
        str | None,
        typer.Option(
            "--thay-cho",
            "--on-behalf-of",
            help="Làm thay người đã ủy quyền cho mình (tên đăng nhập của họ).",
        ),
    ] = None,
) -> None:
    # Checked here, not in an option callback: the root's options are parsed outside invoke().
    if thay_cho is not None:
        from thidua.limits import NAME, check_name

        check_name("thay-cho", thay_cho, max_length=NAME)
    on_behalf_of.set(thay_cho)


if __name__ == "__main__":
    app()
