"""Eligibility over years: a year thidua ran, a year of imported history, a year with no record.

The flag needs "Đơn vị Quyết thắng" in each of the 3 years before 2020 (2017, 2018, 2019). Past
titles come from `thidua org history import` (with their decision) and from the 2019 cycle,
which ran in thidua and in which the council awarded some units and not others.
"""

import json
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select
from typer.testing import CliRunner

from models import (
    Actor,
    Campaign,
    CampaignStatus,
    CouncilDecision,
    CouncilOutcome,
    Cycle,
    Movement,
    Nomination,
    NominationStatus,
    TitleHistory,
    Unit,
)
from rules.config import Prerequisite
from rules.defaults import TITLE_QUYET_THANG as QT
from rules.defaults import default_rules
from rules.eligibility import nominate
from thidua.db import create_schema, session_scope
from thidua.sample import COUNCIL, load_sample
from thidua.services.auth import set_secret
from thidua.services.council import past_titles
from thidua.services.cycles import start_cycle

from .test_cli import counts, flat, invoke, secret_for
from .unit.test_eligibility import make_ranking

FLAG = "Cờ thi đua của Bộ Công an"
RULES = default_rules(lot_seed="h").model_copy(
    update={"prerequisites": (Prerequisite(title=FLAG, requires=QT, years=3),)}
)
HISTORY = {
    "past_titles": [
        # PTM: QT in 2017 and 2018 on paper; 2019 awarded in thidua.
        {"unit": "PTM", "year": 2017, "title": QT, "decision_no": "15/QĐ-CAHN",
         "decision_date": "20/01/2018"},
        {"unit": "PTM", "year": 2018, "title": QT, "decision_no": "22/QĐ-CAHN",
         "decision_date": "2019-01-18"},
        # PTC: the same on paper; took part in 2019 and earned nothing.
        {"unit": "PTC", "year": 2017, "title": QT, "decision_no": "15/QĐ-CAHN"},
        {"unit": "PTC", "year": 2018, "title": QT, "decision_no": "22/QĐ-CAHN"},
        # TTR: 2017 on record with no title (an empty title).
        {"unit": "TTR", "year": 2017},
        {"unit": "TTR", "year": 2018, "title": QT, "decision_no": "22/QĐ-CAHN"},
    ]
}  # fmt: skip
# PXDPT has no history at all: 2017 and 2018 are not known; 2019 it was awarded in thidua.


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _ran_2019(s: Session) -> int:
    """The 2019 cycle of CTD4, completed: PTM, PXDPT, PHC and TTR awarded QT, PTC took part only."""
    _, [started] = start_cycle(
        s,
        actor=s.exec(select(Actor).where(Actor.username == "quantri")).one(),
        year=2019,
        movement_code="VANTQ",
        cluster_codes=["CTD4"],
        rules=RULES,
    )
    campaign = s.get(Campaign, started.campaign_id)
    assert campaign is not None
    campaign.status = CampaignStatus.COMPLETED
    council = s.exec(select(Actor).where(Actor.username == COUNCIL[0])).one()
    for code in ("PTM", "PXDPT", "PHC", "TTR"):
        unit = s.exec(select(Unit).where(Unit.code == code)).one()
        n = Nomination(
            campaign_id=started.campaign_id, unit_id=unit.id, title=QT, score=90, rank=1,
            eligible=True, status=NominationStatus.SUBMITTED,
        )  # fmt: skip
        s.add(n)
        s.flush()
        s.add(
            CouncilDecision(
                nomination_id=n.id, outcome=CouncilOutcome.AWARDED, decision_no="9/QĐ",
                actor_id=council.id,
            )
        )  # fmt: skip
    return started.campaign_id


@pytest.fixture
def org(database_url: str, runner: CliRunner, tmp_path: Path) -> int:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        for row in s.exec(select(TitleHistory)).all():  # the sample's 2018 titles: not here
            s.delete(row)
        for a in s.exec(select(Actor)).all():
            set_secret(s, a, secret_for(a.username))
    with session_scope() as s:
        cid = _ran_2019(s)
    path = tmp_path / "history.yaml"
    path.write_text(yaml.safe_dump(HISTORY, allow_unicode=True), encoding="utf-8")
    result = invoke(runner, "org", "history", "import", path, "--actor", "quantri")
    assert result.exit_code == 0, result.output
    assert "Đã thêm (6)" in result.stdout
    return cid


def flag_for(s: Session, code: str) -> tuple[bool, tuple[str, ...], tuple[int, ...]]:
    ids = {u.code: u.id for u in s.exec(select(Unit)).all()}
    past = past_titles(s, ids, 2020)
    ranking = [r.model_copy(update={"unit": code, "rank": 1}) for r in make_ranking(RULES)[:1]]
    [c] = nominate(
        RULES, year=2020, ranking=ranking, approved_titles={code: FLAG}, acclaimed=None,
        history=past.held, pending=past.pending,
    )  # fmt: skip
    return c.eligible, c.reasons, c.unrecorded_years


def test_three_kinds_of_year(org: int) -> None:
    with session_scope() as s:
        # Imported for 2017 and 2018, awarded in thidua for 2019: eligible, nothing to check.
        assert flag_for(s, "PTM") == (True, (), ())
        # Took part in 2019 and earned nothing: no title that year is no title.
        assert flag_for(s, "PTC") == (
            False,
            (
                "Chưa đủ điều kiện: phải đạt danh hiệu “Đơn vị Quyết thắng” 3 năm liền trước "
                "(2017, 2018, 2019), thiếu năm 2019",
            ),
            (),
        )
        # Imported "no title" for 2017: on record.
        assert flag_for(s, "TTR")[0] is False and "thiếu năm 2017" in flag_for(s, "TTR")[1][0]
        # Nothing known of 2017 and 2018: never eligible on that alone; the directorate decides.
        assert flag_for(s, "PXDPT") == (
            True,
            (
                "Chưa có dữ liệu năm 2017, 2018: chưa kiểm tra điều kiện đạt danh hiệu “Đơn vị "
                "Quyết thắng” 3 năm liền trước (2017, 2018, 2019); Ban Giám đốc xác nhận hoặc "
                "bỏ đề nghị",
            ),
            (2017, 2018),
        )
        imported = s.exec(select(TitleHistory).where(TitleHistory.decision_no == "22/QĐ-CAHN"))
        assert {(t.year, t.decided_on.isoformat() if t.decided_on else None) for t in imported} == {
            (2018, "2019-01-18"),
            (2018, None),
        }


def _pending_flag(s: Session, campaign_id: int, code: str) -> None:
    """A 2020 nomination as stage 5 stores it when a year has no record."""
    unit = s.exec(select(Unit).where(Unit.code == code)).one()
    _, reasons, unknown = flag_for(s, code)
    s.add(
        Nomination(
            campaign_id=campaign_id, unit_id=unit.id, title=FLAG, score=95, rank=1,
            eligible=True, reasons=list(reasons), status=NominationStatus.SUBMITTED,
            unrecorded_years=list(unknown), record_check="pending",
        )
    )  # fmt: skip


def test_the_directorate_confirms_or_drops_before_the_council(org: int, runner: CliRunner) -> None:
    with session_scope() as s:
        movement = s.exec(select(Movement)).one()
        cycle = Cycle(year=2020, movement_id=movement.id, rules_json=RULES.model_dump_json(),
                      rules_sha256="-", started_by=1)  # fmt: skip
        s.add(cycle)
        s.flush()
        campaign = Campaign(cycle_id=cycle.id, cluster_id=1, status=CampaignStatus.COMPLETED)
        s.add(campaign)
        s.flush()
        cid = campaign.id
        _pending_flag(s, cid, "PXDPT")
        _pending_flag(s, cid, "PHC")
    council = ["council", "decide", "--campaign", cid, "--unit", "PXDPT", "--title", FLAG,
               "awarded", "--decision-no", "1/QĐ", "--date", "2021-01-10",
               "--actor", "hoidong.thuky"]  # fmt: skip
    early = invoke(runner, *council)
    assert early.exit_code == 6
    assert "chưa có dữ liệu năm 2017, 2018; chờ Ban Giám đốc xác nhận" in flat(early.stderr)
    report = json.loads(invoke(runner, "report", "--campaign", cid, "--json").stdout)
    statuses = {n["unit"]: n["council_status"] for n in report["nominations"]}
    assert statuses["PXDPT"] == "chưa có dữ liệu năm 2017, 2018: chờ Ban Giám đốc xác nhận"

    waiting = json.loads(invoke(runner, "pending", "--actor", "bgd.phogiamdoc", "--json").stdout)
    assert [(w["what"], w["command"]) for w in waiting] == [
        (
            f"đề nghị “{FLAG}” cho {name}: chưa có dữ liệu năm 2017, 2018; xác nhận hoặc bỏ",
            f'thidua nomination confirm|drop --campaign {cid} --unit {code} --title "{FLAG}" '
            "--reason <lý do> --actor bgd.phogiamdoc",
        )
        for code, name in (
            ("PXDPT", "Phòng Xây dựng phong trào bảo vệ an ninh Tổ quốc"),
            ("PHC", "Phòng Hậu cần"),
        )
    ]

    base = ["nomination", "confirm", "--campaign", cid, "--title", FLAG]
    reason = ["--reason", "Đã kiểm tra QĐ 15/QĐ-CAHN và 22/QĐ-CAHN bản giấy"]
    before = counts()
    refused = invoke(runner, *base, "--unit", "PXDPT", *reason, "--actor", "quantri")
    assert refused.exit_code == 4 and "cần vai trò Ban Giám đốc" in flat(refused.stderr)
    assert counts() == {**before, "auditevent": before["auditevent"] + 1}
    ok = invoke(runner, *base, "--unit", "PXDPT", *reason, "--actor", "bgd.phogiamdoc")
    assert ok.exit_code == 0, ok.output
    assert invoke(runner, *council).exit_code == 0
    again = invoke(runner, *base, "--unit", "PXDPT", *reason, "--actor", "bgd.phogiamdoc")
    assert again.exit_code == 6 and "đã xác nhận" in flat(again.stderr)

    drop = ["nomination", "drop", "--campaign", cid, "--title", FLAG, "--unit", "PHC"]
    dropped = invoke(runner, *drop, "--reason", "Không có hồ sơ 2017", "--actor", "bgd.phogiamdoc")
    assert dropped.exit_code == 0, dropped.output
    late = invoke(runner, *council[:5], "PHC", *council[6:])
    assert late.exit_code == 6 and "không đủ điều kiện" in flat(late.stderr)
    with session_scope() as s:
        rows = {
            u.code: n
            for n, u in s.exec(
                select(Nomination, Unit).join(Unit).where(Nomination.campaign_id == cid)
            ).all()
        }
        assert (rows["PXDPT"].record_check, rows["PXDPT"].status) == (
            "confirmed",
            NominationStatus.SUBMITTED,
        )
        assert (rows["PHC"].record_check, rows["PHC"].status, rows["PHC"].eligible) == (
            "dropped",
            NominationStatus.INELIGIBLE,
            False,
        )
        assert rows["PHC"].reasons[-1] == (
            "Ban Giám đốc bỏ đề nghị (chưa có dữ liệu năm 2017, 2018): Không có hồ sơ 2017"
        )
