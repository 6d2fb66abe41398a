"""`thidua`: the command line of the emulation workflow (thi đua, khen thưởng).

Every command module exposes `register(app)`. Errors a person can cause (ThiduaError, a bad
configuration, a database not initialised) are caught once, here, in the command group: they
print "Lỗi: …" to stderr and exit with the error's code, never with a traceback.
"""

from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from thidua.cli import (
    act,
    audit,
    bench,
    council,
    db,
    deploy,
    doctor,
    nextyear,
    ops,
    people,
    read,
    setup,
    votes,
)
from thidua.cli.io import invalid_from, on_behalf_of, print_error
from thidua.errors import Forbidden, InvalidInput, ThiduaError, WrongStage
from thidua.limits import NAME, check_text
from thidua.services.audit import acting_substitute, claimed_username, proven_actor_id


def _database_hint() -> str:
    try:
        from thidua.settings import get_settings

        url = make_url(get_settings().effective_database_url)
        return url.render_as_string(hide_password=True)
    except Exception:  # the hint must never hide the real error
        return "?"


class _Group(TyperGroup):
    """The top-level group: turns user errors into a message and an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The whole command line passes here once: errors follow the command's --json, even
        # those raised before its own options are parsed.
        ctx.meta["json"] = (
            "--json" in args[: args.index("--")] if "--" in args else "--json" in args
        )
        ctx.meta["thidua.argv"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
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

# The order of registration is the order of the help panels: people who act first.
act.register(app)
votes.register(app)
people.register(app)
read.register(app)
setup.register(app)
db.register(app)
ops.register(app)
deploy.register(app)
doctor.register(app)
bench.register(app)
audit.register(app)
council.register(app)
nextyear.register(app)


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
        check_text("thay-cho", thay_cho, max_length=NAME)
    on_behalf_of.set(thay_cho)


if __name__ == "__main__":
    app()
