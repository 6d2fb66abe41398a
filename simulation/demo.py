"""`thidua demo`: a whole yearly cycle of the sample cluster on a local Prefect server.

Simulated participants act through the same commands as people (simulation/participants.py); the
directorate answers on the campaign run's form, as a person would in the Prefect UI.
"""

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

from flows.forms import DirectorateAction
from models import CampaignStatus
from rules.config import StageDeadline
from rules.defaults import default_rules
from rules.stages import Stage
from simulation.participants import Script, act
from thidua import orchestration
from thidua.db import create_schema, session_scope
from thidua.homedir import private_dir
from thidua.localserver import LocalPrefect, start_server
from thidua.sample import ADMIN, CLUSTER, DIRECTORATE, MOVEMENT, YEAR, load_sample
from thidua.services.auth import issue_action_code
from thidua.services.context import get_actor
from thidua.services.cycles import cycle_run_name
from thidua.services.form_decisions import FormDecision
from thidua.services.queries import CampaignState, status
from thidua.settings import DEMO_MARK, get_settings


class DemoError(RuntimeError):
    pass


@dataclass
class DemoResult:
    campaign_ids: list[int]
    flow_run_ids: list[UUID]
    ui_url: str
    seconds: float


APPROVAL_REASON = "Kết quả bình xét đúng quy trình, đúng tiêu chí."
DRAIN_SECONDS = 60  # how long the worker may take to finish its runs before it is stopped


def demo_rules(self_assessment_seconds: int, lot_seed: str = "") -> dict[str, object]:
    """Default rules, with a self-assessment stage short enough to watch its deadline pass.
    A `lot_seed` fixes the lot that breaks final ties (else it is drawn when the cycle starts)."""
    rules = default_rules()
    deadlines = dict(rules.deadlines)
    deadlines[Stage.SELF_ASSESSMENT] = StageDeadline(
        duration=timedelta(seconds=self_assessment_seconds)
    )
    update: dict[str, object] = {"deadlines": deadlines}
    if lot_seed:
        # A fixed lot is for runs that must end unattended: it, not the chair, breaks quota ties.
        update["lot_seed"] = lot_seed
        update["vote"] = rules.vote.model_copy(update={"final_tie_break": "lot"})
    return rules.model_copy(update=update).model_dump(mode="json")


@contextmanager
def prefect_for_demo(home: Path, log: Callable[[str], None]) -> Iterator[LocalPrefect]:
    """The Prefect API to use: PREFECT_API_URL if set, else a local server started here."""
    if url := os.environ.get("PREFECT_API_URL"):
        external = LocalPrefect(url=url, home=(home / "prefect").resolve())
        try:
            yield external
        finally:
            external.stop(drain_seconds=DRAIN_SECONDS)
        return
    log("Khởi động máy chủ Prefect cục bộ…")
    server = start_server(home / "prefect", port=get_settings().prefect_port)
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.url, PREFECT_UI_URL: server.ui}):
            yield server
    finally:
        server.stop(drain_seconds=DRAIN_SECONDS)


def wait_for_deployments(names: list[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            try:
                for name in names:
                    client.read_deployment_by_name(name)
                return
            except Exception:
                if time.monotonic() > deadline:
                    late = f"worker chưa đăng ký deployments sau {timeout:.0f} giây"
                    raise DemoError(late) from None
                time.sleep(0.5)


def _directorate_answers(state: CampaignState) -> bool:
    """The directorate approves on the run's form, as a person does in the Prefect UI."""
    assert state.flow_run_id is not None
    run = orchestration.read_run(state.flow_run_id)
    if run is None or run.state is None or not run.state.is_paused():
        return False
    with session_scope() as session:
        # What the person does first: `thidua code`, which gives a one-time code for the form.
        code, _ = issue_action_code(
            session,
            actor=get_actor(session, DIRECTORATE[0]),
            campaign_id=state.campaign_id,
            decision=FormDecision(action="approve", reason=APPROVAL_REASON),
        )
    resume_flow_run(
        state.flow_run_id,
        run_input={
            "actor": DIRECTORATE[0],
            "code": code,
            "action": DirectorateAction.APPROVE.value,
            "reason": APPROVAL_REASON,
        },
    )
    return True


def _fail_on_broken_runs(states: list[CampaignState]) -> None:
    for s in states:
        if s.flow_run_id is None or s.status == CampaignStatus.COMPLETED:
            continue
        run = orchestration.read_run(s.flow_run_id)
        if run and run.state and run.state.is_final() and not run.state.is_completed():
            raise DemoError(
                f"lượt chạy {s.name} dừng ở trạng thái {run.state.name}: {run.state.message}"
            )


def drive(
    campaign_ids: list[int],
    script: Script,
    on_change: Callable[[list[CampaignState]], None],
    log: Callable[[str], None],
    timeout: float = 900,
    directorate: Callable[[CampaignState], bool] | None = None,
) -> None:
    """Act for every participant whenever a campaign waits, until all campaigns complete.

    `directorate` decides a waiting approval (True once it has); by default it approves on the
    run's form."""
    directorate = directorate or _directorate_answers
    deadline = time.monotonic() + timeout
    decided: set[tuple[int, int | None]] = set()
    while time.monotonic() < deadline:
        with session_scope() as session:
            states = [s for s in status(session) if s.campaign_id in campaign_ids]
        on_change(states)
        _fail_on_broken_runs(states)
        if states and all(s.status == CampaignStatus.COMPLETED for s in states):
            return
        for s in states:
            if s.status != CampaignStatus.WAITING:
                continue
            if s.stage == Stage.APPROVAL:
                if (s.campaign_id, s.attempt) not in decided and directorate(s):
                    decided.add((s.campaign_id, s.attempt))
                    log(f"{s.name}: Ban Giám đốc phê duyệt trên biểu mẫu của lượt chạy")
                continue
            with session_scope() as session:
                for line in act(session, s.campaign_id, script):
                    log(f"{s.name}: {line}")
        orchestration.sweep_once(lambda m: log(m))
        time.sleep(1)
    raise DemoError(f"chu kỳ chưa xong sau {timeout:.0f} giây")


def wait_runs_final(flow_run_ids: list[UUID], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    for fid in flow_run_ids:
        while True:
            run = orchestration.read_run(fid)
            if run and run.state and run.state.is_final():
                if not run.state.is_completed():
                    raise DemoError(f"lượt chạy {run.name} kết thúc ở trạng thái {run.state.name}")
                break
            if time.monotonic() > deadline:
                raise DemoError(f"lượt chạy {fid} chưa kết thúc")
            time.sleep(0.5)


def run_cycle(
    *,
    script: Script,
    log: Callable[[str], None],
    on_change: Callable[[list[CampaignState]], None],
    self_assessment_seconds: int = 30,
    clusters: list[str] | None = None,
    year: int = YEAR,
    directorate: Callable[[CampaignState], bool] | None = None,
    lot_seed: str = "",
    timeout: float = 900,
) -> tuple[list[int], list[UUID]]:
    """Trigger the yearly cycle deployment and drive it to the end; needs a worker running."""
    settings = get_settings()
    wait_for_deployments([settings.cycle_deployment, settings.campaign_deployment])
    cycle_run = run_deployment(
        settings.cycle_deployment,
        parameters={
            "year": year,
            "clusters": clusters or [CLUSTER[0]],
            "movement": MOVEMENT[0],
            "admin": ADMIN[0],
            "rules": demo_rules(self_assessment_seconds, lot_seed),
        },
        flow_run_name=cycle_run_name(year, MOVEMENT[0]),
        timeout=0,
        as_subflow=False,
    )
    log(f"Quản trị viên bắt đầu chu kỳ thi đua {year}: {cycle_run.name}")
    wait_runs_final([cycle_run.id])
    with session_scope() as session:
        states = status(session, year=year)
    campaign_ids = [s.campaign_id for s in states]
    drive(campaign_ids, script, on_change, log, timeout=timeout, directorate=directorate)
    with session_scope() as session:
        fids = [s.flow_run_id for s in status(session, year=year) if s.flow_run_id]
    wait_runs_final(fids)
    return campaign_ids, fids


def prepare_database(home: Path) -> str:
    """A fresh database for the demo, and the prefix the next commands need to see it ("" when
    they see it as they are).

    The demo writes into the home's own database when that is free for it: absent, or made by
    an earlier demo (a mark file beside it, which `thidua init` removes when a person takes the
    database over). A database of real work is never touched: the demo then keeps its data in
    `demo.db` and says how to reach it. THIDUA_DATABASE_URL, when set, is used as it is.
    """
    prefix = ""
    if not os.environ.get("THIDUA_DATABASE_URL"):
        private_dir(home)
        own = (home / "thidua.db").resolve()
        mark = home / DEMO_MARK
        db = own if not own.exists() or mark.exists() else (home / "demo.db").resolve()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        if db == own:
            mark.write_text("Cơ sở dữ liệu thidua.db do `thidua demo` tạo; xoá khi dùng thật.\n")
        os.environ["THIDUA_DATABASE_URL"] = f"sqlite:///{db}"
        get_settings.cache_clear()
        if db != own:
            prefix = f"THIDUA_DATABASE_URL=sqlite:///{db} "
    create_schema()
    with session_scope() as session:
        load_sample(session)
    return prefix
