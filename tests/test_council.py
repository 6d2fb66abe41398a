"""The emulation council's decisions, the report's statuses, and refused commands in the log."""

import json
from typing import Any

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner, Result

from models import AuditEvent, CouncilDecision
from simulation.participants import Script
from simulation.synthetic import drive_in_process
from thidua.cli.main import app
from thidua.db import create_schema, session_scope
from thidua.sample import COUNCIL, DIRECTORATE, load_sample
from thidua.services import auth
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle

SECRETS: dict[str, str] = {}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample's 2019 campaign driven to its end; a copy of the database per test."""
    home = tmp_path_factory.mktemp("council")
    url = f"sqlite:///{home / 'done.db'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("THIDUA_DATABASE_URL", url)
    from thidua.settings import get_settings

    get_settings.cache_clear()
    create_schema()
    with session_scope() as s:
        load_sample(s)
        admin = get_actor(s, "quantri")
        SECRETS["quantri"] = auth.issue_secret(s, by=None, actor=admin)
        for name in (COUNCIL[0], DIRECTORATE[0]):
            SECRETS[name] = auth.issue_secret(s, by=admin, actor=get_actor(s, name))
        _, started = start_cycle(
            s, actor=admin, year=2019, movement_code="VANTQ", cluster_codes=["CTD4"]
        )
    cid = started[0].campaign_id
    drive_in_process(cid, Script(late_unit=None, returned_unit=None))
    from thidua.db import engine_for

    engine_for(url).dispose()  # the last connection closing folds the WAL into the file
    mp.undo()
    get_settings.cache_clear()
    return {"file": home / "done.db", "campaign": cid}


@pytest.fixture
def campaign(finished: dict[str, Any], database_url: str) -> int:
    from thidua.db import engine_for

    engine_for(database_url).dispose()
    target = database_url.removeprefix("sqlite:///")
    with open(finished["file"], "rb") as src, open(target, "wb") as dst:
        dst.write(src.read())
    return int(finished["campaign"])


def cli(*args: Any, secret: str | None = None, who: str | None = None) -> Result:
    words = [str(a) for a in args]
    name = who or next(words[i + 1] for i, w in enumerate(words) if w in ("--actor", "--by"))
    env = {"THIDUA_SECRET": secret if secret is not None else SECRETS.get(name, "")}
    return CliRunner().invoke(app, words, env=env)


def report(cid: int) -> dict[str, Any]:
    result = cli("report", "--campaign", cid, "--json", secret="", who="-")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def decide(cid: int, unit: str, title: str, *rest: str, actor: str = COUNCIL[0], **kw: Any):
    return cli(
        "council", "decide", "--campaign", cid, "--actor", actor, "--unit", unit,
        "--title", title, *rest, **kw,
    )  # fmt: skip


def counts() -> tuple[int, int]:
    with session_scope() as s:
        events = s.exec(select(func.count()).select_from(AuditEvent)).one()
        decisions = s.exec(select(func.count()).select_from(CouncilDecision)).one()
    return events, decisions


def test_each_outcome_is_recorded_and_the_report_shows_it(campaign: int) -> None:
    filed = [n for n in report(campaign)["nominations"] if n["eligible"]]
    assert len(filed) >= 3, filed
    assert {n["council_status"] for n in filed} == {"chờ xét"}
    a, b, c = filed[:3]
    ok = decide(campaign, a["unit"], a["title"], "awarded", "--decision-no", "123/QĐ-CAHN",
                "--date", "2020-01-15")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert decide(campaign, b["unit"], b["title"], "not-awarded", "--reason",
                  "Chưa đủ tiêu chuẩn").exit_code == 0  # fmt: skip
    assert decide(campaign, c["unit"], c["title"], "returned", "--reason",
                  "Thiếu báo cáo thành tích").exit_code == 0  # fmt: skip
    by_key = {(n["unit"], n["title"]): n for n in report(campaign)["nominations"]}
    assert by_key[(a["unit"], a["title"])]["council_status"] == (
        "đã khen thưởng (QĐ số 123/QĐ-CAHN, ngày 15/01/2020)"
    )
    assert by_key[(b["unit"], b["title"])]["council_status"] == "không khen thưởng"
    returned = by_key[(c["unit"], c["title"])]
    assert returned["council_status"] == "trả lại"
    assert returned["council_reason"] == "Thiếu báo cáo thành tích"
    text = cli("report", "--campaign", campaign, secret="", who="-").stdout
    assert "đã khen thưởng" in text and "không khen thưởng" in text and "trả lại" in text
    # A final decision stands; a returned nomination may be decided again.
    again = decide(campaign, a["unit"], a["title"], "not-awarded", "--reason", "đổi ý")
    assert again.exit_code == 6 and "đã có quyết định" in again.stderr
    assert decide(campaign, c["unit"], c["title"], "awarded", "--decision-no", "7/QĐ",
                  "--date", "2020-02-01").exit_code == 0  # fmt: skip
    listed = cli("audit", "--by", "quantri", "--campaign", campaign, "--json")
    assert listed.exit_code == 0, listed.output
    decided = [e for e in json.loads(listed.stdout) if e["action"] == "council.decide"]
    assert len(decided) == 4 and decided[0]["actor"] == COUNCIL[0]
    assert decided[0]["before"]["council_status"] == "chờ xét"
    table = cli("audit", "--by", "quantri", "--actor", COUNCIL[0])
    assert table.exit_code == 0 and "Nhật ký kiểm toán" in table.stdout, table.output


def test_bad_input_and_unknown_nomination_write_nothing(campaign: int) -> None:
    n = next(n for n in report(campaign)["nominations"] if n["eligible"])
    before = counts()
    for args, field in (
        (["awarded", "--date", "2020-01-15"], "decision-no"),
        (["awarded", "--decision-no", "1/QĐ", "--date", "15/01/2020"], "date"),
        (["awarded", "--decision-no", "1/QĐ", "--date", "2018-12-31"], "date"),
        (["not-awarded"], "reason"),
    ):
        result = decide(campaign, n["unit"], n["title"], *args)
        assert result.exit_code == 2 and f"trường {field}" in result.stderr, result.output
    missing = decide(campaign, n["unit"], "Danh hiệu không có", "not-awarded", "--reason", "x")
    assert missing.exit_code == 3 and "không có đề nghị" in missing.stderr
    assert counts() == before


def test_a_refused_decision_leaves_one_audit_event_and_nothing_else(campaign: int) -> None:
    n = next(n for n in report(campaign)["nominations"] if n["eligible"])
    events, decisions = counts()
    wrong_role = decide(campaign, n["unit"], n["title"], "not-awarded", "--reason", "x",
                        actor=DIRECTORATE[0])  # fmt: skip
    assert wrong_role.exit_code == 4 and "Hội đồng Thi đua" in wrong_role.stderr
    assert counts() == (events + 1, decisions)
    wrong_secret = decide(campaign, n["unit"], n["title"], "not-awarded", "--reason", "x",
                          secret="sai-mat-khau")  # fmt: skip
    assert wrong_secret.exit_code == 4
    assert counts() == (events + 2, decisions)
    with session_scope() as s:
        last = s.exec(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(2)  # type: ignore[union-attr]
        ).all()
    secret_event, role_event = last
    assert secret_event.action == role_event.action == "access.refused"
    assert role_event.actor_id is not None and role_event.campaign_id == campaign
    assert secret_event.actor_id is None and secret_event.after is not None
    assert secret_event.after["claimed_username"] == COUNCIL[0]
    assert not secret_event.after["authenticated"]
    assert "council decide" in secret_event.entity_id
    assert "sai-mat-khau" not in json.dumps(secret_event.after) + secret_event.entity_id
    # Reading the log is for the directorate and admins only; that refusal is logged too.
    assert cli("audit", "--by", COUNCIL[0]).exit_code == 4
    assert counts() == (events + 3, decisions)
    assert cli("audit", "verify", "--by", "quantri").exit_code == 0


def test_the_council_sees_in_pending_each_nomination_waiting_for_it(campaign: int) -> None:
    """The council's inbox: every filed nomination with no decision yet, or returned; one it
    decided for good leaves the list, a returned one stays with the reason."""
    filed = [n for n in report(campaign)["nominations"] if n["eligible"]]

    def listed() -> list[dict[str, Any]]:
        result = cli("pending", "--actor", COUNCIL[0], "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    names = report(campaign)["units"]
    items = listed()
    assert [i["what"] for i in items] == [
        f"xét đề nghị “{n['title']}” cho {names[n['unit']]}" for n in filed
    ]
    assert items[0]["command"] == (
        f"thidua council decide --campaign {campaign} --actor {COUNCIL[0]} "
        f'--unit {filed[0]["unit"]} --title "{filed[0]["title"]}" '
        "awarded|not-awarded|returned …"
    )
    a, b = filed[:2]
    assert (
        decide(campaign, a["unit"], a["title"], "not-awarded", "--reason", "Chưa đủ").exit_code == 0
    )
    assert (
        decide(campaign, b["unit"], b["title"], "returned", "--reason", "Thiếu hồ sơ").exit_code
        == 0
    )
    whats = [i["what"] for i in listed()]
    assert len(whats) == len(filed) - 1
    assert f"xét lại đề nghị “{b['title']}” cho {names[b['unit']]} (trả lại: Thiếu hồ sơ)" in whats
