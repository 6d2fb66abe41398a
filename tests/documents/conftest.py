"""A finished 2019 campaign of Cụm thi đua số 4 with a history, built once for these tests.

What happens to it, through the same commands people use where the documents depend on it:
Báo An ninh Thủ đô's self-assessment is returned for revision; Công ty Tháng Tám is given more
time; the vote is confirmed with the meeting's chair and secretary; the directorate returns
the campaign to the vote, which is held again; the directorate then amends a title.
"""

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner, Result

from models import Actor, StageRun
from rules.stages import Stage
from simulation.participants import Script, act
from simulation.synthetic import drive_in_process
from thidua.cli.main import app
from thidua.db import create_schema, engine_for, session_scope
from thidua.sample import load_sample
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.waits import answer, plan_step
from thidua.settings import get_settings

CHAIR = "Đại tá Nguyễn Văn An"
SECRETARY = "Thiếu tá Trần Thị Bình"
AMEND_REASON = "Phòng Công tác Đảng - Công tác chính trị chưa đủ tiêu chuẩn"


def secret_for(username: str) -> str:
    return f"bi-mat-cua-{username}"


def cli(*args: Any) -> Result:
    words = [str(a) for a in args]
    env = {}
    if "--actor" in words:
        env["THIDUA_SECRET"] = secret_for(words[words.index("--actor") + 1])
    return CliRunner().invoke(app, words, env=env)


def ok(*args: Any) -> Result:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result


def _decide(cid: int, *args: Any) -> None:
    """The directorate decides on the command line; its wait is answered as the form would."""
    ok("decide", "--campaign", cid, "--actor", "bgd.phogiamdoc", *args)
    with session_scope() as s:
        step = plan_step(s, cid)
    if step.kind == "wait":
        assert step.wait_id is not None
        with session_scope() as s:
            answer(s, cid, step.wait_id, {})


def _vote_and_confirm(cid: int, script: Script, **meeting: str) -> None:
    drive_in_process(cid, script, until=Stage.VOTE)
    with session_scope() as s:
        act(s, cid, script)  # every unit casts its ballot
    flags = [w for k, v in meeting.items() for w in (f"--{k.replace('_', '-')}", v)]
    ok("confirm", "--campaign", cid, "--actor", "chihuy.ptm", *flags)
    drive_in_process(cid, script, until=Stage.APPROVAL)


@pytest.fixture(scope="session")
def finished_file(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("documents")
    url = f"sqlite:///{home / 'done.db'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("THIDUA_DATABASE_URL", url)
    mp.setenv("THIDUA_HOME", str(home / ".thidua"))
    get_settings.cache_clear()
    create_schema()
    with session_scope() as s:
        load_sample(s)
        for a in s.exec(select(Actor)).all():
            set_secret(s, a, secret_for(a.username))
        _, started = start_cycle(
            s, actor=get_actor(s, "quantri"), year=2019, movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )  # fmt: skip
    cid = started[0].campaign_id
    with session_scope() as s:
        plan_step(s, cid)
        run = s.exec(select(StageRun).where(StageRun.campaign_id == cid)).one()
        until = (run.due_at + dt.timedelta(days=1)).isoformat()
    ok("extend", "--campaign", cid, "--actor", "chihuy.ptm", "--unit", "CTT8",
       "--until", until, "--reason", "Đơn vị đang làm nhiệm vụ đột xuất")  # fmt: skip
    script = Script(late_unit=None, returned_unit="BANTD")
    _vote_and_confirm(cid, script, chair=CHAIR, chair_position="Trưởng phòng Tham mưu")
    _decide(cid, "return", "--to", "vote", "--reason", "Kiểm tra lại việc bỏ phiếu")
    _vote_and_confirm(cid, script, chair=CHAIR, secretary=SECRETARY, place="Hội trường A")
    _decide(cid, "amend", "--amend", "PCTD=", "--reason", AMEND_REASON)
    drive_in_process(cid, script)
    engine_for(url).dispose()  # the last connection folds the WAL into the file
    mp.undo()
    get_settings.cache_clear()
    return {"file": home / "done.db", "campaign": cid}


@pytest.fixture
def finished(finished_file: dict[str, Any], database_url: str, tmp_path: Path) -> int:
    """A copy of the finished campaign's database for this test; its campaign id."""
    engine_for(database_url).dispose()
    shutil.copy(finished_file["file"], tmp_path / "thidua.db")
    return int(finished_file["campaign"])


@pytest.fixture
def campaign_at_start(database_url: str) -> int:
    """The sample's 2019 campaign, its self-assessment stage open (every unit has submitted)."""
    create_schema()
    with session_scope() as s:
        load_sample(s)
        for a in s.exec(select(Actor)).all():
            set_secret(s, a, secret_for(a.username))
        _, started = start_cycle(
            s, actor=get_actor(s, "quantri"), year=2019, movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )  # fmt: skip
    cid = started[0].campaign_id
    with session_scope() as s:
        plan_step(s, cid)
    with session_scope() as s:
        act(s, cid, Script(late_unit=None, returned_unit=None))
    return cid
