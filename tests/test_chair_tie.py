# ruff: noqa: F811 - the fixtures of test_cli are imported by name
"""A quota tie left after the count is the chair's to decide on the record: `thidua pending`
shows it, the leader's form offers it with a code sealed to the chosen units, and a chair who
never decides does not hold the campaign: past the vote's deadline the sweep sends the tie up to
the directorate, which decides it in the chair's place. The minutes say which rule decided each
place. No Prefect server: the form's answers go through the same service the flow calls."""

import json
from datetime import timedelta

from sqlmodel import select
from typer.testing import CliRunner

from flows.forms import LeaderAction
from models import AuditEvent, Cycle, Decision, DecisionKind, OutboxMessage, StageRun
from models.types import utcnow
from rules.config import CycleRules
from rules.defaults import TITLE_QUYET_THANG as QT
from rules.stages import Stage
from simulation.participants import TIE_REASON
from thidua import orchestration
from thidua.db import session_scope
from thidua.services.context import load_campaign, open_stage_run
from thidua.services.progress import Verdict, progress
from thidua.services.results import vote_of
from thidua.services.ties import sweep_ties
from thidua.services.waits import answer, plan_step

from .test_cli import (  # noqa: F401 - fixtures
    advance,
    campaign,
    counts,
    flat,
    invoke,
    refused,
    runner,
    templates,
)
from .test_vote_rules_cli import _everyone_votes_yes, _tie_for_one_place, minutes

LEADER = "chihuy.ptm"
DIRECTOR = "bgd.phogiamdoc"
REASON = "Đơn vị có thành tích đột xuất trong đợt cao điểm"


def _tied(cid: int) -> tuple[str, str]:
    """The vote open, QT's one place tied between two units, every ballot in."""
    advance(cid, Stage.VOTE)
    a, b = _tie_for_one_place(cid)
    _everyone_votes_yes(cid)
    return a, b


def _form(cid: int, data: dict[str, str]) -> str:
    """Answer the waiting run's form as the flow applies it; the wait's description first."""
    with session_scope() as s:
        step = plan_step(s, cid)
        assert step.kind == "wait" and step.wait_id is not None, step
        return answer(s, cid, step.wait_id, data)


def _description(cid: int) -> str:
    with session_scope() as s:
        step = plan_step(s, cid)
        assert step.kind == "wait" and step.form == "leader", step
        return flat(step.situation)


def _tie_decisions(cid: int) -> list[Decision]:
    with session_scope() as s:
        return list(
            s.exec(
                select(Decision)
                .join(StageRun, StageRun.id == Decision.stage_run_id)  # type: ignore[arg-type]
                .where(StageRun.campaign_id == cid, Decision.kind == DecisionKind.CHAIR_TIE)
            ).all()
        )


def _vote_due_in(cid: int, delta: timedelta) -> None:
    with session_scope() as s:
        run = s.exec(
            select(StageRun).where(
                StageRun.campaign_id == cid,
                StageRun.stage == Stage.VOTE,
                StageRun.closed_at == None,  # noqa: E711
            )
        ).one()
        run.due_at = utcnow() + delta
        s.add(run)


def _placed(cid: int, a: str, b: str) -> dict[str, tuple[bool, str | None]]:
    """How QT's place went to the tied units `a` and `b`; every other candidate is left out by
    score (its consolidated score is below theirs)."""
    with session_scope() as s:
        vote = vote_of(s, cid)
        assert vote is not None
        placed = {t.unit: (t.approved, t.decided_by) for t in vote.titles if t.title == QT}
    others = {u: p for u, p in placed.items() if u not in (a, b)}
    assert set(others.values()) <= {(False, "score")}, others
    return {u: placed[u] for u in (a, b)}


def test_pending_and_the_form_show_the_tie_to_the_leader(runner: CliRunner, campaign: int) -> None:
    a, b = _tied(campaign)
    result = invoke(runner, "pending", "--actor", LEADER, "--json")
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)
    assert item["campaign_id"] == campaign and item["stage_label"] == "Bình xét, bỏ phiếu kín"
    assert f"1 suất “{QT}”" in item["what"]
    assert f"{a} (9 phiếu," in item["what"] and f"{b} (9 phiếu," in item["what"]
    assert item["command"] == (
        f'thidua chair decide --campaign {campaign} --actor {LEADER} --title "{QT}" '
        '--unit <mã> --reason "<lý do>"'
    )
    # before the deadline the directorate has nothing to do about it
    assert json.loads(invoke(runner, "pending", "--actor", DIRECTOR, "--json").stdout) == []
    text = _description(campaign)
    assert f"Danh hiệu “{QT}”: **1** suất cho 2 đơn vị." in text
    with session_scope() as s:
        view = load_campaign(s, campaign)
        names = {u.code: u.name for u in view.members}
    for unit in (a, b):
        assert f"| {unit} | {names[unit]} | 9 |" in text, text
    assert 'chair --title "<danh hiệu>" --choose MÃ[,MÃ]' in text
    assert LeaderAction.CHAIR_TIE.value in text


def test_the_leaders_code_is_bound_to_the_chosen_unit_and_a_forged_choice_is_refused(
    runner: CliRunner, campaign: int
) -> None:
    c = ["code", "--campaign", campaign, "--actor", LEADER, "chair", "--title", QT]
    refused(runner, [*c, "--choose", "PHC", "--reason", REASON], 2, "Bình xét, bỏ phiếu kín")
    a, b = _tied(campaign)
    refused(runner, [*c, "--choose", "XYZ", "--reason", REASON], 2, "trường unit", "XYZ")
    refused(runner, [*c, "--choose", f"{a},{b}", "--reason", REASON], 2, "đúng 1 đơn vị")
    refused(runner, [*c, "--choose", f"{b},{b}", "--reason", REASON], 2, "trường choose")
    refused(runner, [*c, "--choose", b, "--reason", " "], 2, "trường reason")
    refused(runner, [*c[:4], "canbo.ptc", *c[5:], "--choose", b, "--reason", REASON], 4)
    before = counts()
    issued = invoke(runner, *c, "--choose", b, "--reason", REASON)
    assert issued.exit_code == 0, issued.output
    text = flat(issued.stdout)
    assert f"Chỉ dùng cho quyết định: chủ tọa quyết định “{QT}” cho {b}, lý do: {REASON}" in text
    for shown in (f"Danh hiệu có chỉ tiêu │ {QT}", f"Đơn vị được chọn │ {b} │", "Chủ tọa quyết"):
        assert shown in text, text
    assert counts()["actioncode"] == before["actioncode"] + 1
    assert counts()["decision"] == before["decision"]  # the trial decision was rolled back
    code = text.split("Mã xác nhận một lần: ")[1].split()[0]
    honest = {
        "actor": LEADER,
        "code": code,
        "action": LeaderAction.CHAIR_TIE.value,
        "title": QT,
        "units": b,
        "comment": REASON,
    }
    # Someone with access to the Prefect API rewrites the answer: same code, the other unit.
    outcome = _form(campaign, {**honest, "units": a})
    assert outcome.startswith("Bị từ chối: Mã xác nhận được cấp cho một quyết định khác"), outcome
    assert _tie_decisions(campaign) == []
    assert "Lần trả lời trước: Bị từ chối" in _description(campaign)
    # The leader's own answer goes through with the same code; spaces and case of the code
    # and a trailing comma in the units say nothing.
    outcome = _form(campaign, {**honest, "code": code.lower(), "units": f" {b}, "})
    assert outcome.endswith(LeaderAction.CHAIR_TIE.value), outcome
    [decided] = _tie_decisions(campaign)
    assert (decided.payload, decided.reason, decided.via) == (
        {"title": QT, "units": [b], "tied": sorted([a, b]), "by": "chair"},
        REASON,
        "prefect-ui",
    )
    assert _form(campaign, honest).startswith("Bị từ chối")  # the code is spent
    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = open_stage_run(s, view)
        assert run is not None
        assert progress(s, view, run).missing == ()
    advance(campaign, Stage.APPROVAL)
    assert _placed(campaign, a, b) == {a: (False, "chair"), b: (True, "chair")}
    text = flat(minutes(campaign))
    assert f"Chủ tọa cuộc họp quyết định chỉ tiêu “{QT}” cho" in text
    assert f"lý do: {REASON}." in text
    assert "bằng phiếu và điểm, chủ tọa quyết định" in text


def test_an_undecided_tie_goes_up_to_the_directorate_after_the_deadline(
    runner: CliRunner, campaign: int
) -> None:
    a, b = _tied(campaign)
    orchestration.sweep_once()  # the chair hears of the tie, once
    orchestration.sweep_once()
    with session_scope() as s:
        told = s.exec(select(OutboxMessage).where(OutboxMessage.event == "chair_tie")).all()
        assert len(told) == 1 and "thidua code --campaign" in told[0].body_text
    d = ["chair", "decide", "--campaign", campaign, "--title", QT, "--unit", a]
    d += ["--reason", "Ban Giám đốc quyết định do Cụm trưởng không quyết định"]
    refused(runner, [*d, "--actor", DIRECTOR], 4, "chỉ quyết định thay chủ tọa")
    _vote_due_in(campaign, -timedelta(minutes=1))
    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = open_stage_run(s, view)
        assert run is not None
        # past its deadline the vote would close by itself, but not with a place undecided
        assert progress(s, view, run).verdict == Verdict.WAITING
    orchestration.sweep_once()
    orchestration.sweep_once()  # escalated once
    with session_scope() as s:
        [event] = s.exec(
            select(AuditEvent).where(AuditEvent.action == "vote.chair_tie_escalate")
        ).all()
        assert event.after is not None
        assert event.after["ties"] == [{"title": QT, "places": 1, "units": sorted([a, b])}]
        told = s.exec(select(OutboxMessage).where(OutboxMessage.event == "chair_tie")).all()
        escalated = [m for m in told if "Chuyển lên Ban Giám đốc" in m.subject]
        assert len(told) == 3 and len(escalated) == 2  # the leader again, and the directorate
        assert any("quyết định thay chủ tọa" in m.body_text for m in escalated)
    [item] = json.loads(invoke(runner, "pending", "--actor", DIRECTOR, "--json").stdout)
    assert item["what"].startswith("chuyển lên: quá hạn bỏ phiếu, quyết định thay chủ tọa")
    assert item["command"].startswith(
        f"thidua chair decide --campaign {campaign} --actor {DIRECTOR}"
    )
    [mine] = json.loads(invoke(runner, "pending", "--actor", LEADER, "--json").stdout)
    assert f"“{QT}”" in mine["what"]  # the chair may still decide
    assert "đã được chuyển lên Ban Giám đốc" in _description(campaign)
    # the directorate may also take it on the form, in the leader's place
    code = ["code", "--campaign", campaign, "--actor", DIRECTOR, "chair", "--title", QT]
    issued = invoke(runner, *code, "--choose", a, "--reason", "Quyết định thay chủ tọa")
    assert issued.exit_code == 0 and "Đơn vị được chọn" in issued.stdout, issued.output
    ok = invoke(runner, *d, "--actor", DIRECTOR)
    assert ok.exit_code == 0, ok.output
    [decided] = _tie_decisions(campaign)
    assert decided.payload["by"] == "directorate"
    with session_scope() as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "vote.chair_tie")).all()
        assert event.after is not None and event.after["by"] == "directorate"
    assert json.loads(invoke(runner, "pending", "--actor", DIRECTOR, "--json").stdout) == []
    advance(campaign, Stage.APPROVAL)  # the vote past its deadline closes now
    assert _placed(campaign, a, b) == {a: (True, "directorate"), b: (False, "directorate")}
    text = flat(minutes(campaign))
    assert "bằng phiếu và điểm, Ban Giám đốc quyết định thay chủ tọa" in text
    assert "Ban Giám đốc quyết định thay chủ tọa (chủ tọa chưa quyết định khi hết hạn" in text
    retally = invoke(runner, "report", "--campaign", campaign, "--retally")
    assert retally.exit_code == 0 and "trùng khớp" in retally.stdout


def test_the_minutes_name_the_rule_of_every_contested_place(
    runner: CliRunner, campaign: int
) -> None:
    """Three approved units for QT's one place: the first by votes, the two others equal for
    the next; the chair's pick and the rule of every place are in the minutes."""
    a, b = _tied(campaign)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        names = {u.code: u.name for u in view.members}
    ok = invoke(
        runner, "chair", "decide", "--campaign", campaign, "--actor", LEADER, "--title", QT,
        "--unit", a, "--reason", REASON,
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    advance(campaign, Stage.APPROVAL)
    text = flat(minutes(campaign))
    assert f"{names[a]} | {QT} | 9 | 0 | 8 | **Đạt (bằng phiếu và điểm, chủ tọa quyết định)**" in (
        text
    )
    assert (
        f"{names[b]} | {QT} | 9 | 0 | 8 | **Không đạt (bằng phiếu và điểm, chủ tọa quyết định)**"
        in text
    )
    assert _placed(campaign, a, b) == {a: (True, "chair"), b: (False, "chair")}
    with session_scope() as s:
        vote = vote_of(s, campaign)
        assert vote is not None
        others = [t.unit for t in vote.titles if t.title == QT and t.unit not in (a, b)]
    assert others  # the sample has a third candidate, left out by its score
    for unit in others:
        assert f"{names[unit]} | {QT} | 9 | 0 | 8 | **Không đạt (bằng phiếu, theo điểm" in text


def test_the_simulated_chair_decides_a_tie_and_the_run_completes(campaign: int) -> None:
    """The demo and synthetic drivers decide a tie as a leader would (the higher-ranked of the
    tied units), so an unattended run with a tie still ends."""

    advance(campaign, Stage.VOTE)
    a, b = _tie_for_one_place(campaign)  # `a` ranks above `b` by the tie-break chain
    _everyone_votes_yes(campaign)  # equal votes too, whatever the simulated ballots would say
    advance(campaign, None)
    with session_scope() as s:
        assert load_campaign(s, campaign).campaign.status == "completed"
    [decided] = _tie_decisions(campaign)
    assert (decided.payload["units"], decided.reason, decided.via) == (
        [a],
        TIE_REASON,
        "simulation",
    )
    assert _placed(campaign, a, b) == {a: (True, "chair"), b: (False, "chair")}


def test_the_rules_escalate_after_gives_the_chair_time_past_the_deadline(campaign: int) -> None:

    _tied(campaign)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        deadlines = dict(view.rules.deadlines)
        deadlines[Stage.VOTE] = deadlines[Stage.VOTE].model_copy(
            update={"escalate_after": timedelta(hours=1)}
        )
        cycle = s.get(Cycle, view.cycle.id)
        assert cycle is not None
        rules = view.rules.model_copy(update={"deadlines": deadlines})
        cycle.rules_json = CycleRules.model_validate(rules.model_dump()).model_dump_json()
        s.add(cycle)
    _vote_due_in(campaign, -timedelta(minutes=30))
    with session_scope() as s:
        assert sweep_ties(s) == []  # not yet: an hour after the vote's due time
    _vote_due_in(campaign, -timedelta(hours=2))
    with session_scope() as s:
        assert sweep_ties(s) == [campaign]
        assert sweep_ties(s) == []  # once
