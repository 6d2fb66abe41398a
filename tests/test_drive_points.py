"""A year-end scheme that takes points from the year's drive results (issue 17): the example
rules (examples/quy-dinh-diem-tu-dot-thi-dua.yaml: CM3 from the drives' shares, THUONG4 from
their commendations) over the sample's four recorded 2019 drives of Cụm thi đua số 4.

The expected points are worked out here from the recorded results, apart from the code."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlmodel import col, select
from typer.testing import CliRunner

from models import (
    Actor,
    AuditEvent,
    Document,
    Drive,
    DrivePoints,
    DriveResult,
    PeerReview,
    PeerScore,
    SelfAssessment,
    SelfScore,
    Unit,
)
from rules.config import CycleRules
from rules.defaults import example_scores
from rules.stages import Stage
from simulation.participants import Script
from simulation.synthetic import drive_in_process
from tests.test_cli import advance, invoke, refused, secret_for
from tests.test_forms import fill, get_form, submit
from tests.test_forms_xlsx import fill_scores, rows_by_code
from thidua.db import create_schema, session_scope
from thidua.errors import InvalidInput
from thidua.sample import load_sample
from thidua.services import drives, submissions
from thidua.services.auth import set_secret
from thidua.services.context import get_actor, load_campaign
from thidua.services.cycles import start_cycle
from thidua.services.drive_points import fix_drive_points
from thidua.services.inputs import SelfAssessmentInput
from thidua.services.results import ranking_of
from thidua.services.waits import plan_step

EXAMPLE = Path(__file__).parent.parent / "examples" / "quy-dinh-diem-tu-dot-thi-dua.yaml"
CENT = Decimal("0.01")


def example_rules() -> CycleRules:
    return CycleRules.model_validate(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))


def expected_points() -> dict[str, tuple[Decimal, Decimal]]:
    """unit code -> (CM3, THUONG4) from the recorded 2019 drives, as the example says."""
    with session_scope() as s:
        rows = s.exec(
            select(DriveResult, Unit).join(Unit, col(Unit.id) == col(DriveResult.unit_id))
        ).all()
    shares: dict[str, list[Decimal]] = {}
    commended: dict[str, int] = {}
    for r, u in rows:
        shares.setdefault(u.code, []).append(Decimal(str(r.points)) / Decimal(str(r.maximum)))
        commended[u.code] = commended.get(u.code, 0) + r.commended
    return {
        code: (
            (Decimal(10) * sum(s) / len(s)).quantize(CENT, rounding=ROUND_HALF_UP),
            min(Decimal("0.5") * commended[code], Decimal(2)).quantize(CENT),
        )
        for code, s in shares.items()
    }


@pytest.fixture
def started(database_url: str) -> int:
    """The sample with its four recorded 2019 drives; the 2019 cycle started under the example
    rules, its self-assessment open."""
    create_schema()
    with session_scope() as s:
        load_sample(s, drives=True)
        for a in s.exec(select(Actor)).all():
            set_secret(s, a, secret_for(a.username))
        _, campaigns = start_cycle(
            s, actor=get_actor(s, "quantri"), year=2019, movement_code="VANTQ",
            cluster_codes=["CTD4"], rules=example_rules(),
        )  # fmt: skip
    cid = campaigns[0].campaign_id
    with session_scope() as s:
        plan_step(s, cid)
    return cid


def fixed(cid: int) -> dict[str, tuple[Decimal, Decimal]]:
    with session_scope() as s:
        rows = s.exec(
            select(DrivePoints, Unit)
            .join(Unit, col(Unit.id) == col(DrivePoints.unit_id))
            .where(DrivePoints.campaign_id == cid)
        ).all()
        by: dict[str, dict[str, Decimal]] = {}
        for p, u in rows:
            by.setdefault(u.code, {})[p.item_code] = Decimal(str(p.points))
    return {u: (v["CM3"], v["THUONG4"]) for u, v in by.items()}


def test_the_points_are_fixed_from_the_recorded_drives_when_self_assessment_opens(
    started: int,
) -> None:
    want = expected_points()
    assert len(want) == 10 and fixed(started) == want
    # Plausible, not all alike: the drives' shares differ, one unit leads each drive.
    assert len({cm3 for cm3, _ in want.values()}) > 1
    assert sum(bonus for _, bonus in want.values()) == Decimal("2.0")  # 4 drives × 0.5
    with session_scope() as s:
        explanation = s.exec(select(DrivePoints.explanation)).first()
        assert explanation is not None and "4 đợt thi đua" in explanation
    # A drive recorded later, and a retried opening, change nothing: the points are fixed.
    with session_scope() as s:
        drive = drives.launch(
            s, actor=get_actor(s, "bgd.phogiamdoc"), name="Đợt bổ sung 2019", theme="Thử",
            starts_on=date(2019, 12, 1), ends_on=date(2019, 12, 20), clusters=["CTD4"],
            targets=[{"code": "A", "name": "Chỉ tiêu", "maximum": 10}],
        )  # fmt: skip
        for r in s.exec(select(DriveResult)).all():
            s.add(DriveResult(drive_id=drive.id or 0, unit_id=r.unit_id, cluster_id=r.cluster_id,
                              points=0, maximum=10, rank=1, reported=False))  # fmt: skip
            break
        drive.recorded_at = drive.launched_at
        s.add(drive)
    with session_scope() as s:
        fix_drive_points(s, load_campaign(s, started))
        assert (
            len(s.exec(select(AuditEvent).where(AuditEvent.action == "drive_points.fix")).all())
            == 1
        )
    assert fixed(started) == want


def test_a_unit_cannot_type_the_drive_points_and_its_sheet_carries_them(started: int) -> None:
    want = expected_points()
    rules = example_rules()
    typed = {k: str(v) for k, v in example_scores(rules.scheme, 0.9).items()}
    assert "CM3" not in typed and "THUONG4" not in typed
    with session_scope() as s:
        officer = get_actor(s, "canbo.ptm")
        with pytest.raises(InvalidInput) as refused:
            submissions.submit_self_assessment(
                s, actor=officer, campaign_id=started,
                data=SelfAssessmentInput(scores={**typed, "CM3": "10", "THUONG4": "2"}),
            )  # fmt: skip
    fields = {p.field: p.reason for p in refused.value.problems}
    assert set(fields) == {"scores.CM3", "scores.THUONG4"}
    assert "kết quả các đợt thi đua" in fields["scores.CM3"]
    with session_scope() as s:
        assert s.exec(select(SelfAssessment)).first() is None  # nothing half-written
        sa = submissions.submit_self_assessment(
            s, actor=get_actor(s, "canbo.ptm"), campaign_id=started,
            data=SelfAssessmentInput(scores=typed),
        )  # fmt: skip
        lines = {
            r.item_code: Decimal(str(r.points))
            for r in s.exec(select(SelfScore).where(SelfScore.assessment_id == sa.id)).all()
        }
    cm3, bonus = want["PTM"]
    assert (lines["CM3"], lines["THUONG4"]) == (cm3, bonus)
    assert Decimal(str(sa.total)) == sum(Decimal(v) for v in typed.values()) + cm3 + bonus


def test_a_whole_cycle_scores_the_drive_points_on_every_sheet(started: int) -> None:
    want = expected_points()
    drive_in_process(started, Script(late_unit=None, returned_unit=None))
    with session_scope() as s:
        peer = s.exec(
            select(PeerReview.reviewee_unit_id, PeerScore.item_code, PeerScore.points)
            .join(PeerScore, col(PeerScore.review_id) == col(PeerReview.id))
            .where(col(PeerScore.item_code).in_(["CM3", "THUONG4"]))
        ).all()
        codes = {u.id: u.code for u in s.exec(select(Unit)).all()}
        ranking = ranking_of(s, started)
        assert load_campaign(s, started).campaign.stage == Stage.NOMINATION
    assert len(peer) == 10 * 9 * 2  # every review of every unit carries both lines
    for reviewee, code, points in peer:
        assert Decimal(str(points)) == want[codes[reviewee]][code == "THUONG4"]
    assert ranking is not None
    for r in ranking:
        # The drive points weigh the same in self and peer totals: the consolidated score
        # carries them whole, and they never widen the gap between the two.
        assert r.self_total is not None and r.peer_mean is not None
        assert r.self_total >= sum(want[r.unit])
    with session_scope() as s:
        docs = {d.key: d.content for d in s.exec(select(Document)).all()}
        ptm = s.exec(select(Unit).where(Unit.code == "PTM")).one().name
    minutes = next(v for k, v in docs.items() if k.startswith("bien-ban") and k.endswith(".md"))
    assert "### Điểm lấy từ kết quả các đợt thi đua" in minutes
    cm3 = f"{want['PTM'][0]:.2f}".replace(".", ",")
    assert f"| {ptm} | CM3 · Kết quả các đợt thi đua cao điểm" in minutes
    assert f"| {cm3} | đạt bình quân" in minutes
    reports = [v for k, v in docs.items() if k.startswith("bao-cao-") and k.endswith(".md")]
    assert reports and all("(điểm từ kết quả các đợt thi đua)" in r for r in reports)


def test_drives_of_another_year_do_not_count(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        load_sample(s, drives=True)
        for d in s.exec(select(Drive)).all():
            d.year = 2018  # the drives belong to another year than the cycle's
            s.add(d)
        _, campaigns = start_cycle(
            s, actor=get_actor(s, "quantri"), year=2019, movement_code="VANTQ",
            cluster_codes=["CTD4"], rules=example_rules(),
        )  # fmt: skip
    with session_scope() as s:
        plan_step(s, campaigns[0].campaign_id)
    got = fixed(campaigns[0].campaign_id)
    assert set(got.values()) == {(Decimal("0.00"), Decimal("0.00"))}
    with session_scope() as s:
        assert "không tham gia đợt thi đua nào" in (
            s.exec(select(DrivePoints.explanation).where(DrivePoints.item_code == "CM3")).first()
            or ""
        )


def test_the_forms_show_the_drive_points_and_leave_them_out_of_what_is_filled(
    started: int, tmp_path: Path
) -> None:
    runner = CliRunner()
    cm3, bonus = (f"{v.normalize():f}" for v in expected_points()["PTM"])
    path = tmp_path / "tu-cham.yaml"
    text = get_form(runner, "self-assessment", started, "canbo.ptm", path)
    assert f"#   ĐIỂM TỪ KẾT QUẢ CÁC ĐỢT THI ĐUA: {cm3} (đạt bình quân" in text
    assert f"#   ĐIỂM TỪ KẾT QUẢ CÁC ĐỢT THI ĐUA: {bonus} (được giấy khen" in text
    blank = yaml.safe_load(text)["scores"]
    assert "CM3" not in blank and "THUONG4" not in blank and "CM1" in blank
    typed = {k: str(v) for k, v in example_scores(example_rules().scheme, 0.9).items()}
    # Typed in anyway (a line added by hand): refused, naming the line.
    args = ["submit", "self-assessment", "--campaign", started, "--actor", "canbo.ptm"]
    path.write_text(fill(text, typed).replace("scores:\n", "scores:\n  CM3: 10\n"), "utf-8")
    refused(runner, [*args, "--file", path], 2, "scores.CM3", "kết quả các đợt thi đua")
    path.write_text(fill(text, typed), encoding="utf-8")
    said = " ".join(submit(runner, "self-assessment", started, "canbo.ptm", path).split())
    given = (sum(expected_points()["PTM"]).quantize(CENT)).to_eng_string().replace(".", ",")
    assert f"(gồm {given} điểm từ các đợt thi đua)" in said

    # Excel: the line shows its points, grey and locked, and is not read back.
    book = tmp_path / "tu-cham.xlsx"
    get_form(runner, "self-assessment", started, "canbo.phc", book, "--xlsx")
    wb = load_workbook(book)
    ws = wb["Tự chấm"]
    row = rows_by_code(ws)["CM3"]
    want = expected_points()["PHC"][0]
    assert Decimal(str(ws[f"H{row}"].value)) == want and ws[f"H{row}"].protection.locked
    assert "Hệ thống tính, không điền" in str(ws[f"E{row}"].value)
    assert not any("CM3" in str(r[0].value) for r in wb["_mau"].iter_rows())
    fill_scores(ws, {k: float(v) for k, v in typed.items()})
    wb.save(book)
    assert "tổng điểm" in submit(runner, "self-assessment", started, "canbo.phc", book)

    # The review form shows each reviewed unit's own drive points.
    advance(started, Stage.PEER_REVIEW)
    review = get_form(runner, "review", started, "canbo.ptm", tmp_path / "cham-cheo.yaml")
    phc = f"{expected_points()['PHC'][0].normalize():f}"
    assert f"# CM3: {phc} điểm từ các đợt thi đua (đạt bình quân" in review
    assert "điểm từ các đợt thi đua, không chấm" in review
    assert invoke(runner, "status", "--campaign", started).exit_code == 0


def test_a_dry_run_of_the_drive_scheme_against_a_year_scored_by_hand(database_url: str) -> None:
    """2019 scored under the sample rules (CM3 typed by the units), tried under the example:
    CM3 and THUONG4 come from the year's drives on every sheet; the stored year is untouched."""
    from thidua.services.dry_run import dry_run

    create_schema()
    with session_scope() as s:
        load_sample(s, drives=True)
        _, campaigns = start_cycle(
            s, actor=get_actor(s, "quantri"), year=2019, movement_code="VANTQ",
            cluster_codes=["CTD4"],
        )  # fmt: skip
    cid = campaigns[0].campaign_id
    drive_in_process(cid, Script(late_unit=None, returned_unit=None))
    want = expected_points()
    with session_scope() as s:
        assert s.exec(select(DrivePoints)).first() is None  # the sample rules take none
        stored = ranking_of(s, cid)
        typed = {  # unit -> CM3 on its own sheet, and on each of its peers' sheets
            code: (
                [Decimal(str(p)) for p in s.exec(
                    select(SelfScore.points)
                    .join(SelfAssessment, col(SelfAssessment.id) == col(SelfScore.assessment_id))
                    .join(Unit, col(Unit.id) == col(SelfAssessment.unit_id))
                    .where(Unit.code == code, SelfScore.item_code == "CM3")
                ).all()][-1],
                [Decimal(str(p)) for p in s.exec(
                    select(PeerScore.points)
                    .join(PeerReview, col(PeerReview.id) == col(PeerScore.review_id))
                    .join(Unit, col(Unit.id) == col(PeerReview.reviewee_unit_id))
                    .where(Unit.code == code, PeerScore.item_code == "CM3")
                ).all()],
            )
            for code in want
        }  # fmt: skip
        result = dry_run(s, rules=example_rules(), year=2019)
    notes = result.scheme_notes
    for code in ("CM3", "THUONG4"):
        assert any(n.startswith(f"{code}: điểm lấy từ kết quả các đợt thi đua") for n in notes)
    assert not any("chưa ai chấm" in n for n in notes)
    [campaign] = result.campaigns
    assert stored is not None
    for change in campaign.units:
        own, peers = typed[change.unit]
        before, after = change.before.score, change.after.score
        assert before is not None and after is not None
        cm3, bonus = want[change.unit]
        took = Decimal("0.3") * own + Decimal("0.7") * sum(peers) / len(peers)
        assert abs(after - (before - took + cm3 + bonus)) <= Decimal("0.02"), change
    assert sum(1 for u in campaign.units if "score" in u.changed) >= 5
    with session_scope() as s:
        assert ranking_of(s, cid) == stored and s.exec(select(DrivePoints)).first() is None
