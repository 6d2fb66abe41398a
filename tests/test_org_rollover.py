"""Year rollover never blocks: a vote that elects no one carries this year's leader and deputy
over, the next year's cycle starts, and the directorate appoints others (`thidua org appoint`)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from models import (
    Actor,
    AuditEvent,
    Campaign,
    Cluster,
    MemberRole,
    Membership,
    StageRun,
    Unit,
    Wait,
)
from models.types import utcnow
from rules.defaults import default_rules
from rules.stages import Stage
from simulation.participants import Script, ballot_for
from simulation.synthetic import drive_in_process
from thidua.db import create_schema, session_scope
from thidua.sample import commander_username, load_sample, officer_username
from thidua.services import submissions
from thidua.services.auth import set_secret
from thidua.services.context import get_actor, load_campaign
from thidua.services.cycles import start_cycle
from thidua.services.waits import answer

from .test_cli import counts, flat, invoke, secret_for

SCRIPT = Script(late_unit=None, returned_unit=None)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def start(year: int) -> int:
    with session_scope() as s:
        _, [started] = start_cycle(
            s,
            actor=get_actor(s, "quantri"),
            year=year,
            movement_code="VANTQ",
            cluster_codes=["CTD4"],
            rules=default_rules(lot_seed="rollover"),
        )
    return started.campaign_id


@pytest.fixture
def after_a_vote_without_quorum(database_url: str) -> int:
    """The sample's 2019 campaign run to its end, where only 3 of 10 units voted before the
    vote's deadline: no quorum, so no leader and no deputy were elected for 2020."""
    create_schema()
    with session_scope() as s:
        load_sample(s)
        for a in s.exec(select(Actor)).all():
            set_secret(s, a, secret_for(a.username))
    cid = start(2019)
    drive_in_process(cid, SCRIPT, until=Stage.VOTE)
    with session_scope() as s:
        view = load_campaign(s, cid)
        for unit in ("PTM", "PHC", "PTC"):
            submissions.cast_ballot(
                s,
                actor=get_actor(s, officer_username(unit)),
                campaign_id=cid,
                ballot=ballot_for(s, view, unit, SCRIPT),
            )
        # The vote's deadline passes with 3 ballots of the 7 the quorum needs.
        run = s.exec(
            select(StageRun).where(StageRun.campaign_id == cid, StageRun.stage == Stage.VOTE)
        ).one()
        run.due_at = utcnow() - timedelta(minutes=1)
        pending = s.exec(
            select(Wait).where(Wait.stage_run_id == run.id, col(Wait.answered_at).is_(None))
        ).one()
    with session_scope() as s:  # the deadline wakes the run, as Prefect's timer would
        answer(s, cid, pending.id, {})
    drive_in_process(cid, SCRIPT)
    return cid


def roles_of(year: int) -> dict[str, tuple[str, bool]]:
    with session_scope() as s:
        rows = s.exec(
            select(Membership, Unit)
            .join(Unit, col(Unit.id) == col(Membership.unit_id))
            .where(Membership.year == year, Membership.role != MemberRole.MEMBER)
        ).all()
        return {u.code: (m.role.value, m.carried_over) for m, u in rows}


def test_no_quorum_carries_the_leaders_over_and_next_year_starts(
    after_a_vote_without_quorum: int, runner: CliRunner
) -> None:
    with session_scope() as s:
        vote = load_campaign(s, after_a_vote_without_quorum)
        result = s.exec(
            select(StageRun).where(StageRun.campaign_id == vote.id, StageRun.stage == Stage.VOTE)
        ).one()
        assert result.result_json is not None
        assert result.result_json["vote"]["quorum_met"] is False
        assert result.result_json["vote"]["leader"]["winner"] is None
    assert roles_of(2020) == {"PTM": ("leader", True), "PHC": ("deputy", True)}
    shown = json.loads(invoke(runner, "org", "show", "--year", "2020", "--json").stdout)
    units = shown["clusters"][0]["units"]
    assert [(u["code"], u["role"], u["carried_over"]) for u in units[:2]] == [
        ("PTM", "leader", True),
        ("PHC", "deputy", True),
    ]
    text = invoke(runner, "org", "show", "--year", "2020").stdout
    assert "PTM Phòng Tham mưu · Cụm trưởng (giữ từ năm trước" in text
    # The 2020 cycle starts: the election that did not take place blocks nothing.
    cid = start(2020)
    with session_scope() as s:
        view = load_campaign(s, cid)
        assert (view.leader and view.leader.code, view.deputy and view.deputy.code) == (
            "PTM",
            "PHC",
        )


def test_the_directorate_appoints_the_leader_and_deputy(
    after_a_vote_without_quorum: int, runner: CliRunner
) -> None:
    args = [
        "org",
        "appoint",
        "--year",
        "2020",
        "--cluster",
        "CTD4",
        "--leader",
        "PTCCB",
        "--deputy",
        "PTC",
        "--reason",
        "Bầu không đủ số phiếu; Ban Giám đốc chỉ định",
    ]
    # Not the admin's to do: refused, and only the refusal is logged.
    before = counts()
    refused = invoke(runner, *args, "--actor", "quantri")
    assert refused.exit_code == 4
    assert "cần vai trò Ban Giám đốc" in flat(refused.stderr)
    assert counts() == {**before, "auditevent": before["auditevent"] + 1}
    # Not a member that year.
    bad = invoke(runner, *args[:6], "--leader", "XYZ", "--reason", "x", "--actor", "bgd.phogiamdoc")
    assert bad.exit_code == 2 and "trường leader" in flat(bad.stderr)
    done = invoke(runner, *args, "--actor", "bgd.phogiamdoc")
    assert done.exit_code == 0, done.output
    assert "Cụm trưởng PTCCB, Cụm phó PTC" in done.stdout
    assert roles_of(2020) == {"PTCCB": ("leader", False), "PTC": ("deputy", False)}
    with session_scope() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "org.appoint")).one()
        assert event.before == {"leader": "PTM", "deputy": "PHC", "carried_over": ["PHC", "PTM"]}
        assert event.after == {
            "leader": "PTCCB",
            "deputy": "PTC",
            "reason": "Bầu không đủ số phiếu; Ban Giám đốc chỉ định",
        }
    # Once the 2020 cycle has started, the leaders it started with stay.
    cid = start(2020)
    with session_scope() as s:
        assert load_campaign(s, cid).leader.code == "PTCCB"  # type: ignore[union-attr]
        assert s.get(Campaign, cid) is not None
        assert s.exec(select(Cluster)).one().code == "CTD4"
    late = invoke(
        runner, *args[:6], "--leader", "PTM", "--reason", "x", "--actor", "bgd.phogiamdoc"
    )
    assert late.exit_code == 6 and "đã bắt đầu chu kỳ năm 2020" in flat(late.stderr)
    assert commander_username("PTCCB") == "chihuy.ptccb"


def test_an_export_after_the_rollover_imports_as_a_no_op(
    after_a_vote_without_quorum: int, runner: CliRunner, tmp_path: Path
) -> None:
    book = tmp_path / "org.xlsx"
    assert invoke(runner, "org", "export", "--xlsx", book, "--actor", "quantri").exit_code == 0
    again = invoke(runner, "org", "import", book, "--actor", "quantri")
    assert again.exit_code == 0, again.output
    assert "Không có gì thay đổi" in again.stdout
    assert roles_of(2020) == {"PTM": ("leader", True), "PHC": ("deputy", True)}


def test_memberships_of_a_started_year_are_not_changed_by_a_file(
    after_a_vote_without_quorum: int, runner: CliRunner, tmp_path: Path
) -> None:
    from thidua.org.write import export_data, write_yaml

    with session_scope() as s:
        data = export_data(s)
    swapped = {"PTM": "member", "PTCCB": "leader"}
    for m in data["memberships"]:
        m["role"] = swapped.get(m["unit"], m["role"]) if m["year"] == 2019 else m["role"]
    path = tmp_path / "org.yaml"
    write_yaml(path, data)
    before = counts()
    result = invoke(runner, "org", "import", path, "--actor", "quantri")
    assert result.exit_code == 2
    text = flat(result.stderr)
    assert "có 2 chỗ sai (không có gì được ghi)" in text
    assert (
        "memberships[0].role: cụm 'CTD4' (hoặc cụm cũ của 'PTM') đã bắt đầu chu kỳ năm 2019" in text
    )
    assert counts() == before
