"""`thidua`: the command line of the emulation workflow (thi đua, khen thưởng).

Every command module exposes `register(app)`. Errors a person can cause (ThiduaError, a bad
configuration, a database not initialised) are caught once, here, in the command group: they
print "Lỗi: …" to stderr and exit with the error's code, never with a traceback.
"""

from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from thidua.cli import index
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

    def get_command(self, ctx: Any, cmd_name: str) -> click.Command | None:
        entry = _ENTRIES.get(cmd_name)
        if entry is None:
            return None
        return index.listing(entry) if self._listing else index.load(entry.module, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # The list of commands needs their names, panels and help: not their modules.
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The whole command line passes here once: errors follow the command's --json, even
        # those raised before its own options are parsed.
        ctx.meta["json"] = (
            "--json" in args[: args.index("--")] if "--" in args else "--json" in args
        )
        ctx.meta["thidua.argv"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        from pydantic import ValidationError
        from sqlalchemy.exc import OperationalError

        from thidua.cli import audit
        from thidua.cli.io import invalid_from, print_error
        from thidua.errors import Forbidden, InvalidInput, ThiduaError, WrongStage
        from thidua.services.audit import acting_substitute, claimed_username, proven_actor_id

        as_json = bool(ctx.meta.get("json"))
        # One process may run several commands (tests): no one's identity carries over.
        claimed_username.set(None)
        proven_actor_id.set(None)
        acting_substitute.set(None)
        try:
            return super().invoke(ctx)
        except ThiduaError as exc:
            if isinstance(exc, Forbidden | WrongStage):
                # After the command's rollback: the refusal alone is written.
                audit.log_refusal(ctx.meta.get("thidua.argv", []), exc)
            print_error(exc, as_json=as_json)
            raise typer.Exit(exc.exit_code) from None
        except ValidationError as exc:
            if exc.title != "Settings":
                raise
            bad = invalid_from(exc)
            print_error(InvalidInput(f"THIDUA_{bad.field.upper()}", bad.reason), as_json=as_json)
            raise typer.Exit(InvalidInput.exit_code) from None
        except OperationalError as exc:
            first = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            print_error(
                ThiduaError(
                    f"không dùng được cơ sở dữ liệu ({_database_hint()}): {first}. "
                    "Nếu chưa khởi tạo, hãy chạy `thidua init`."
                ),
                as_json=as_json,
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Group,
    name="thidua",
    help="Quy trình thi đua, khen thưởng theo Cụm thi đua (emulation workflow on Prefect).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
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
