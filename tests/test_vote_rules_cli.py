# ruff: noqa: F811 - the fixtures of test_cli are imported by name
"""The vote as the law has it, through the command line: written ballots of absent members, no
vote on one's own title, the chair's decision of a quota tie, and the recount."""

import json
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select
from typer.testing import CliRunner

from models import Ballot, Cycle, Document, StageRun, VoterRoll
from rules.config import CycleRules
from rules.defaults import TITLE_QUYET_THANG as QT
from rules.results import BallotContent
from rules.stages import Stage
from thidua.db import session_scope
from thidua.services import submissions
from thidua.services.context import get_actor, load_campaign, open_stage_run
from thidua.services.progress import Verdict, progress
from thidua.services.results import ranking_of, vote_of

from .test_cli import (  # noqa: F401 - fixtures
    advance,
    campaign,
    flat,
    invoke,
    refused,
    runner,
    templates,
    write,
)

LEADER = ["--actor", "chihuy.ptm"]


def minutes(cid: int) -> str:
    with session_scope() as s:
        doc = s.exec(
            select(Document).where(Document.campaign_id == cid, Document.key == "bien-ban-lan-1.md")
        ).one()
        return doc.content


def test_the_leader_enters_an_absent_members_written_ballot(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    advance(campaign, Stage.VOTE)
    ballot = write(tmp_path, "phieu.yaml", {"leader": "PTCCB", "deputy": "PTC"})
    c = ["submit", "ballot", "--campaign", campaign, "--file", ballot]
    refused(runner, [*c, *LEADER, "--written"], 2, "trường unit")
    refused(runner, [*c, "--actor", "canbo.ptc", "--written", "--unit", "CTT8"], 4, "Cụm trưởng")
    refused(runner, [*c, *LEADER, "--written", "--unit", "XYZ"], 3, "XYZ")
    own = write(tmp_path, "own.yaml", {"leader": "PTCCB", "deputy": "PTC", "deputy_x": 1})
    refused(runner, [*c[:-1], own, *LEADER, "--written", "--unit", "CTT8"], 2, "deputy_x")
    ok = invoke(runner, *c, *LEADER, "--written", "--unit", "CTT8")
    assert ok.exit_code == 0, ok.output
    assert "văn bản" in ok.stdout and "PTCCB" not in ok.stdout
    refused(runner, [*c, *LEADER, "--written", "--unit", "CTT8"], 6, "đã bỏ phiếu")
    refused(runner, [*c, "--actor", "canbo.ctt8"], 6, "đã bỏ phiếu")
    with session_scope() as s:
        roll = s.exec(select(VoterRoll)).all()
        assert [r.written for r in roll] == [True]
        # the ballot row carries its content and its receipt's keyed hash only: nothing says it
        # was written, nor by whom
        [row] = s.exec(select(Ballot)).all()
        assert set(row.model_dump()) == {"id", "stage_run_id", "content", "receipt_sha256"}
        assert "written" not in json.dumps(row.content)
    advance(campaign, Stage.APPROVAL)
    text = flat(minutes(campaign))
    assert "bỏ phiếu bằng văn bản (phiếu kín do Cụm trưởng nhập" in text
    assert "được tính vào số phiếu): Công ty Tháng Tám." in text
    assert "Vắng mặt, gửi phiếu bằng văn bản" in text
    with session_scope() as s:
        vote = vote_of(s, campaign)
        assert vote is not None and vote.ballots_cast == 10
    # never after the vote closed
    refused(runner, [*c, *LEADER, "--written", "--unit", "TTR"], 5)


def test_a_unit_cannot_vote_on_its_own_title(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    advance(campaign, Stage.VOTE)
    with session_scope() as s:
        ranking = ranking_of(s, campaign)
        assert ranking is not None
        proposed = next(r.unit for r in ranking if r.proposed_title)
    ballot = write(tmp_path, "phieu.yaml", {"titles": {proposed: True}})
    c = ["submit", "ballot", "--campaign", campaign, "--file", ballot]
    refused(
        runner, [*c, "--actor", f"canbo.{proposed.lower()}"], 2, f"trường ballot.titles.{proposed}"
    )
    refused(runner, [*c, *LEADER, "--written", "--unit", proposed], 2, "chính đơn vị mình")
    other = next(u for u in ("PTCCB", "PTC") if u != proposed)
    ok = invoke(runner, *c, "--actor", f"canbo.{other.lower()}")
    assert ok.exit_code == 0, ok.output


def _tie_for_one_place(cid: int) -> tuple[str, str]:
    """Make the quota of QT one place and give its two best candidates equal scores."""
    with session_scope() as s:
        view = load_campaign(s, cid)
        rules = view.rules.model_copy(update={"quotas": {QT: 1}})
        cycle = s.get(Cycle, view.cycle.id)
        assert cycle is not None
        cycle.rules_json = CycleRules.model_validate(rules.model_dump()).model_dump_json()
        s.add(cycle)
        pr = s.exec(
            select(StageRun).where(StageRun.campaign_id == cid, StageRun.stage == Stage.PEER_REVIEW)
        ).one()
        assert pr.result_json is not None
        ranking = [dict(r) for r in pr.result_json["ranking"]]
        # The two best units are proposed for QT whatever the simulated scores gave them (they
        # differ with the campaign's id, so with the tests run before this one).
        qt = sorted(ranking, key=lambda r: int(r["rank"]))[:2]
        for r in qt:
            r["proposed_title"] = QT
        qt[1]["consolidated"] = qt[0]["consolidated"]
        pr.result_json = {"ranking": ranking}
        s.add(pr)
        return qt[0]["unit"], qt[1]["unit"]


def _everyone_votes_yes(cid: int) -> None:
    with session_scope() as s:
        view = load_campaign(s, cid)
        ranking = ranking_of(s, cid) or []
        for unit in view.member_codes:
            titles = {r.unit: True for r in ranking if r.proposed_title and r.unit != unit}
            submissions.cast_ballot(
                s,
                actor=get_actor(s, f"canbo.{unit.lower()}"),
                campaign_id=cid,
                ballot=BallotContent(titles=titles),
            )


def test_the_chair_decides_a_quota_tie_before_the_vote_closes(
    runner: CliRunner, campaign: int
) -> None:
    advance(campaign, Stage.VOTE)
    a, b = _tie_for_one_place(campaign)
    d = ["chair", "decide", "--campaign", campaign, "--title", QT]
    reason = ["--reason", "Chủ tọa quyết định theo thành tích nổi bật"]
    refused(runner, [*d, *LEADER, "--unit", b, *reason], 7, "chưa bỏ phiếu")
    _everyone_votes_yes(campaign)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = open_stage_run(s, view)
        assert run is not None
        state = progress(s, view, run)
        assert state.verdict == Verdict.WAITING
        assert [m.name for m in state.missing] == ["Cụm trưởng (chủ tọa)"]
    refused(runner, [*d, "--actor", "canbo.ptc", "--unit", b, *reason], 4, "Cụm trưởng")
    refused(runner, [*d, *LEADER, "--unit", "TTR", *reason], 2, "trường unit", "TTR")
    refused(runner, [*d, *LEADER, "--unit", a, "--unit", b, *reason], 2, "đúng 1 đơn vị")
    refused(runner, [*d, *LEADER, "--unit", b, "--reason", " "], 2, "trường reason")
    refused(runner, [*d[:-1], "Đơn vị tiên tiến", *LEADER, "--unit", b, *reason], 3)
    ok = invoke(runner, *d, *LEADER, "--unit", b, *reason)
    assert ok.exit_code == 0, ok.output
    assert b in ok.stdout
    again = invoke(runner, *d, *LEADER, "--unit", b, *reason)  # a retry records nothing new
    assert again.exit_code == 0, again.output
    advance(campaign, Stage.APPROVAL)
    with session_scope() as s:
        vote = vote_of(s, campaign)
        assert vote is not None
        placed = {t.unit: (t.approved, t.decided_by) for t in vote.titles if t.title == QT}
        assert placed[a] == (False, "chair") and placed[b] == (True, "chair")
        assert vote.chair_pending == ()
    assert "chủ tọa cuộc họp (Cụm trưởng) quyết định" in flat(minutes(campaign))
    assert "bằng phiếu và điểm, chủ tọa quyết định" in minutes(campaign)


def test_retally_equals_the_stored_result_until_a_ballot_is_altered(
    runner: CliRunner, campaign: int
) -> None:
    refused(runner, ["report", "--campaign", campaign, "--retally"], 7, "chưa kết thúc bỏ phiếu")
    advance(campaign, Stage.APPROVAL)
    ok = invoke(runner, "report", "--campaign", campaign, "--retally")
    assert ok.exit_code == 0, ok.output
    assert "trùng khớp" in ok.stdout
    with session_scope() as s:
        vote = vote_of(s, campaign)
        assert vote is not None and vote.leader.winner is not None
        row = s.exec(
            select(Ballot).where(Ballot.content["leader"].as_string() == vote.leader.winner)
        ).first()
        assert row is not None
        other = next(u for u in ("TTR", "CTT8") if u != vote.leader.winner)
        s.execute(
            update(Ballot)
            .where(Ballot.id == row.id)
            .values(content={**row.content, "leader": other})
        )
    bad = invoke(runner, "report", "--campaign", campaign, "--retally")
    assert bad.exit_code == 1, bad.output
    assert "KHÔNG trùng khớp" in bad.stdout
    assert "leader.counts" in bad.stdout
    as_json = invoke(runner, "report", "--campaign", campaign, "--retally", "--json")
    data = json.loads(as_json.stdout)
    assert data["equal"] is False and any(d.startswith("leader.") for d in data["differences"])
