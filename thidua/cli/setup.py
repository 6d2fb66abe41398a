"""Setting up: `thidua init` (schema, sample data) and `thidua cycle start|rules`."""

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from models import Actor, Membership, Role, Unit
from rules.config import CycleRules
from rules.defaults import default_rules
from thidua.cli import panels
from thidua.cli.files import load_model
from thidua.cli.io import authenticated, done, err, local_time, out, print_json, table
from thidua.cli.options import bounded_id, bounded_name, bounded_year
from thidua.cli.roles import role_labels
from thidua.db import create_schema, session_scope
from thidua.demo_secrets import demo_owned, forget_demo_secrets
from thidua.errors import ThiduaError
from thidua.homedir import private_database, private_dir, sqlite_file
from thidua.sample import CLUSTER, YEAR, load_sample
from thidua.services.access import require_role
from thidua.services.cycles import cycle_run_name, start_cycle
from thidua.settings import DEMO_MARK, get_settings

MEMBER_ROLE_LABELS = {"leader": "Cụm trưởng", "deputy": "Cụm phó", "member": "Thành viên"}

cycle_app = typer.Typer(
    help="Chu kỳ thi đua hằng năm (yearly cycles): bắt đầu, xem quy định mẫu.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command("init", rich_help_panel=panels.ADMIN)(init)
    app.add_typer(cycle_app, name="cycle", rich_help_panel=panels.ADMIN)


def init(
    sample: Annotated[
        bool, typer.Option("--sample", help="Nạp dữ liệu mẫu Cụm thi đua số 4 (sample data).")
    ] = False,
) -> None:
    """Khởi tạo cơ sở dữ liệu (create the schema); --sample nạp dữ liệu mẫu."""
    settings = get_settings()
    private_dir(settings.home)
    if (database := sqlite_file(settings.effective_database_url)) is not None:
        private_database(database)
    create_schema()
    settings = get_settings()
    if demo_owned(settings.home, settings.effective_database_url):
        with session_scope() as session:
            if forget_demo_secrets(session):
                done("Đã xoá các mã bí mật dùng thử mà `thidua demo` đã in ra.")
    # From now on the database holds real work: a later `thidua demo` must not make it anew.
    (settings.home / DEMO_MARK).unlink(missing_ok=True)
    url = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    done(f"Đã khởi tạo cơ sở dữ liệu: {url}")
    if not sample:
        _next_steps()
        return
    with session_scope() as session:
        summary = load_sample(session, drives=True)
        _print_sample(session)
    if summary.created:
        done(f"Đã nạp dữ liệu mẫu: {summary.units} đơn vị, {summary.actors} người dùng.")
    else:
        done("Dữ liệu mẫu đã có sẵn; không thêm gì.")


NEXT_STEPS = """Các bước tiếp theo (xem README, mục "Running a real cycle"):
  1. thidua org template --xlsx to-chuc.xlsx        sổ Excel mẫu: cụm, đơn vị, người dùng, …
  2. điền sổ, rồi: thidua org import to-chuc.xlsx --dry-run   (kiểm tra, chưa ghi gì)
     và: thidua org import to-chuc.xlsx             (lần đầu không cần --actor)
  3. thidua actor secret --actor <quản trị viên>    mã bí mật đầu tiên, của quản trị viên
  4. export THIDUA_SECRET=…   (mã vừa cấp), rồi cấp cho mọi người, ghi vào tệp mới (0600):
     thidua actor secret --all-missing --out ma-bi-mat.csv --by <quản trị viên>
  5. thidua org show                                còn gì cản việc bắt đầu chu kỳ
  6. thidua cycle start --year <năm> --cluster <mã cụm> --actor <quản trị viên>"""


def _next_steps() -> None:
    with session_scope() as session:
        units = len(session.exec(select(Unit.id)).all())
        people = len(session.exec(select(Actor.id)).all())
    if units or people:
        out.print(
            f"Cơ sở dữ liệu đã có {units} đơn vị, {people} người dùng; xem: thidua org show",
            markup=False,
            highlight=False,
        )
        return
    out.print("Tổ chức còn trống (chưa có cụm, đơn vị, người dùng).", markup=False)
    out.print(NEXT_STEPS, markup=False, highlight=False)


def _print_sample(session: Session) -> None:
    roles = {
        u.code: MEMBER_ROLE_LABELS.get(m.role, m.role)
        for m, u in session.exec(
            select(Membership, Unit)
            .join(Unit, col(Unit.id) == col(Membership.unit_id))
            .where(Membership.year == YEAR)
        ).all()
    }
    units = table(f"Đơn vị — {CLUSTER[1]} ({CLUSTER[0]}) năm {YEAR}", "Mã", "Tên đơn vị", "Vai trò")
    for u in session.exec(select(Unit).order_by(col(Unit.id))).all():
        units.add_row(u.code, u.name, roles.get(u.code, "—"))
    out.print(units)
    actors = table("Người dùng", "Tên đăng nhập", "Họ tên / chức danh", "Vai trò")
    people = list(session.exec(select(Actor).order_by(col(Actor.id))).all())
    labels = role_labels(session, people)
    for a in people:
        actors.add_row(a.username, a.full_name, labels[a.username])
    out.print(actors)


RULES_HEADER = (
    "# Quy định mẫu của chu kỳ thi đua (default cycle rules). Sao chép, sửa, rồi dùng:\n"
    "#   thidua cycle start --year <năm> --cluster <mã> --rules <tệp>.yaml --actor <quản trị>\n"
    "# Quy định được cố định khi chu kỳ bắt đầu. Thời hạn theo ISO 8601 (P14D = 14 ngày).\n"
)


# Where the law fixes a default, the printed rules say which text, so whoever edits them knows
# what they depart from.
_DECREE = "Nghị định 98/2023/NĐ-CP Điều 30, thay bằng Nghị định 152/2025/NĐ-CP từ 01/7/2025"
VOTE_NOTES = {
    "quorum": "tối thiểu 2/3 tổng số đơn vị thành viên tham gia bỏ phiếu (thông lệ)",
    "acclaim_threshold": "tỷ lệ phiếu suy tôn đơn vị dẫn đầu, trên tổng số đơn vị thành viên",
    "flag_threshold": f"cờ thi đua: tối thiểu 80% tổng số thành viên ({_DECREE})",
    "title_threshold": f"danh hiệu: tối thiểu 80% tổng số thành viên ({_DECREE})",
    "final_tie_break": (
        "chỉ tiêu: xét theo số phiếu, rồi điểm tổng hợp; còn bằng nhau thì chủ tọa quyết định "
        f"(chair, {_DECREE}) hoặc bốc thăm (lot)"
    ),
    "self_title_vote": "false: đơn vị không được bỏ phiếu cho danh hiệu của chính mình",
}


def annotate_rules(text: str) -> str:
    """The YAML of the rules, with the legal ground of each vote setting above it."""
    lines: list[str] = []
    in_vote = False
    for line in text.splitlines(keepends=True):
        if not line.startswith(" "):
            in_vote = line.startswith("vote:")
        key = line.strip().partition(":")[0]
        if in_vote and line.startswith("  ") and not line.startswith("   ") and key in VOTE_NOTES:
            lines.append(f"  # {VOTE_NOTES[key]}\n")
        lines.append(line)
    return "".join(lines)


@cycle_app.command("rules")
def rules_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON thay cho YAML.")] = False,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", help="In quy định đã lưu của chu kỳ năm này.", callback=bounded_year("year")
        ),
    ] = None,
    campaign: Annotated[
        int | None,
        typer.Option(
            "--campaign",
            help="In quy định đã lưu của chu kỳ có đợt bình xét này.",
            callback=bounded_id("campaign"),
        ),
    ] = None,
    movement: Annotated[
        str,
        typer.Option(
            "--movement",
            help="Mã phong trào thi đua (movement).",
            callback=bounded_name("movement"),
        ),
    ] = "VANTQ",
) -> None:
    """In quy định mẫu (default rules), hoặc quy định đã lưu của một chu kỳ (--year, --campaign)."""
    header = RULES_HEADER
    if year is None and campaign is None:
        data = default_rules().model_dump(mode="json")
    else:
        from thidua.services.rules_drafts import stored_rules

        with session_scope() as session:
            cycle, rules = stored_rules(
                session, year=year, campaign_id=campaign, movement_code=movement
            )
        data = rules.model_dump(mode="json")
        header = (
            f"# Quy định của chu kỳ thi đua năm {cycle.year}, đã cố định khi bắt đầu "
            f"({local_time(cycle.started_at)}).\n# sha256: {cycle.rules_sha256}\n"
        )
    if as_json:
        print_json(data)
    else:
        typer.echo(
            header
            + annotate_rules(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)),
            nl=False,
        )


class _DryRun(Exception):
    """Raised after a successful check so that the check's transaction is rolled back."""


def _check_start(
    *, actor: str, year: int, movement: str, clusters: list[str], rules: CycleRules | None
) -> list[str]:
    """Run the same checks as the flow will (start_cycle), then roll everything back."""
    names: list[str] = []
    try:
        with session_scope() as session:
            admin = authenticated(session, actor)
            require_role(admin, Role.ADMIN, "bắt đầu chu kỳ thi đua")
            _, started = start_cycle(
                session,
                actor=admin,
                year=year,
                movement_code=movement,
                cluster_codes=clusters,
                rules=rules,
            )
            names = [s.run_name for s in started]
            raise _DryRun
    except _DryRun:
        pass
    return names


@cycle_app.command("start")
def start(
    year: Annotated[
        int,
        typer.Option(
            "--year", help="Năm thi đua (year), ví dụ 2019.", callback=bounded_year("year")
        ),
    ],
    actor: Annotated[
        str,
        typer.Option(
            "--actor", help="Tên đăng nhập quản trị (admin).", callback=bounded_name("actor")
        ),
    ],
    cluster: Annotated[
        list[str],
        typer.Option(
            "--cluster",
            help="Mã cụm thi đua; lặp lại cho nhiều cụm.",
            callback=bounded_name("cluster"),
        ),
    ],
    movement: Annotated[
        str,
        typer.Option(
            "--movement",
            help="Mã phong trào thi đua (movement).",
            callback=bounded_name("movement"),
        ),
    ] = "VANTQ",
    rules_file: Annotated[
        Path | None,
        typer.Option("--rules", help="Tệp quy định .yaml/.json (mặc định: quy định mẫu)."),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Chờ lượt chạy kết thúc (wait for the run).")
    ] = False,
) -> None:
    """Bắt đầu chu kỳ thi đua: kiểm tra rồi giao cho Prefect chạy (start a yearly cycle)."""
    rules = load_model(rules_file, CycleRules, prefix="rules") if rules_file else None
    names = _check_start(actor=actor, year=year, movement=movement, clusters=cluster, rules=rules)
    parameters: dict[str, Any] = {
        "year": year,
        "clusters": list(dict.fromkeys(cluster)),
        "movement": movement,
        "admin": actor,
        "rules": rules.model_dump(mode="json") if rules else None,
    }
    if rules is None:
        _say_which_rules(year, movement)
    run = _trigger(parameters, wait=wait)
    from thidua.links import ui_url

    done(f"Đã giao cho Prefect bắt đầu chu kỳ {year}: {len(names)} đợt bình xét")
    for name in names:
        out.print(f"  • {name}", markup=False, highlight=False)
    out.print(f"Lượt chạy: {run.name} ({run.id})", markup=False, highlight=False)
    link = ui_url(run.id)
    if link:
        out.print(f"Theo dõi trên Prefect UI: {link}", markup=False, highlight=False)
    if wait and run.state is not None:
        out.print(f"Kết thúc với trạng thái: {run.state.name}", markup=False, highlight=False)
        if not run.state.is_completed():
            raise typer.Exit(1)


def _say_which_rules(year: int, movement: str) -> None:
    from thidua.services.cycles import get_movement, latest_approval

    with session_scope() as session:
        approval = latest_approval(session, year, get_movement(session, movement))
        if approval is not None:
            done(
                f"Dùng quy định năm {year} Ban Giám đốc đã phê duyệt (lần {approval.version}, "
                f"{local_time(approval.approved_at)}); chu kỳ đã bắt đầu thì giữ quy định đã lưu."
            )


_UNREACHABLE = (
    "Không kết nối được Prefect API{where}. Hãy chạy `thidua server` (máy chủ Prefect) và "
    "`thidua worker` (tiến trình chạy các lượt) rồi thử lại; chu kỳ chưa được bắt đầu."
)


def _trigger(parameters: dict[str, Any], *, wait: bool) -> Any:
    import httpx
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    if not api:
        # Without an API URL Prefect would start a throwaway server with no UI and no workers.
        err.print(
            _UNREACHABLE.format(where=" (chưa đặt PREFECT_API_URL)"),
            style="red",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1)
    if not _reachable(api):
        err.print(
            _UNREACHABLE.format(where=f" tại {api}"), style="red", markup=False, highlight=False
        )
        raise typer.Exit(1)
    name = get_settings().cycle_deployment
    try:
        return run_deployment(
            name,
            parameters=parameters,
            flow_run_name=cycle_run_name(parameters["year"], parameters["movement"]),
            timeout=None if wait else 0,
            as_subflow=False,
        )
    except ObjectNotFound:
        raise ThiduaError(
            f"Prefect chưa có deployment '{name}'. Hãy chạy `thidua worker` để đăng ký các "
            "deployment của thidua rồi thử lại; chu kỳ chưa được bắt đầu."
        ) from None
    except (httpx.HTTPError, OSError) as exc:
        err.print(
            _UNREACHABLE.format(where=f" tại {api} ({type(exc).__name__})"),
            style="red",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1) from None


def _reachable(api: str) -> bool:
    """A quick probe, so that a stopped server is reported at once rather than after retries.
    Any HTTP answer (even 401) means the server is there."""
    import httpx

    try:
        httpx.get(f"{api.rstrip('/')}/health", timeout=5)
    except httpx.HTTPError:
        return False
    return True
