"""Documents (biên bản, tờ trình, báo cáo thành tích) and the shared Jinja2 environment.

The scores and the ballot below are written by hand, as rules/scoring.py and rules/tally.py
would produce them for Cụm thi đua số 4 in 2019 (the seed article): 10 member units,
Thanh tra CATP absent, Công ty Tháng Tám without a self-assessment.
"""

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import pytest
from pydantic import ValidationError

import documents
import notifications
import thidua.forms
from documents.context import (
    AchievementContext,
    AwardedTitle,
    CriterionLine,
    DecisionContext,
    MemoContext,
    MinutesContext,
    Person,
    UnitRef,
)
from documents.render import TEMPLATES, render_achievement_report, render_memo, render_minutes
from rules.config import VoteRules
from rules.results import (
    Election,
    FlagVote,
    NominationCandidate,
    RankedUnit,
    TitleVote,
    VoteResult,
)
from rules.stages import Stage
from thidua import templating
from thidua.templating import all_templates, environment, render

from .form_samples import form_sample
from .notification_samples import template_samples

D = Decimal
HCM = ZoneInfo("Asia/Ho_Chi_Minh")

UNITS = {
    "tham-muu": "Phòng Tham mưu",
    "to-chuc-can-bo": "Phòng Tổ chức cán bộ",
    "hau-can": "Phòng Hậu cần",
    "tai-chinh": "Phòng Tài chính",
    "bao-antd": "Báo An ninh Thủ đô",
    "trung-tam-huan-luyen": "Trung tâm Huấn luyện và bồi dưỡng nghiệp vụ CATP",
    "xdpt": "Phòng Xây dựng phong trào bảo vệ an ninh Tổ quốc",
    "cong-ty-thang-tam": "Công ty Tháng Tám",
    "thanh-tra": "Thanh tra CATP",
    "ctd-ctct": "Phòng Công tác Đảng - Công tác chính trị",
}
QUYET_THANG = "Đơn vị Quyết thắng"
TIEN_TIEN = "Đơn vị tiên tiến"

# unit, self, peer mean, consolidated (= 0.3·self + 0.7·peers), title; best first
_SCORES: list[tuple[str, str | None, str, str, str | None]] = [
    ("to-chuc-can-bo", "96.00", "94.50", "94.95", QUYET_THANG),
    ("tham-muu", "95.00", "93.00", "93.60", QUYET_THANG),
    ("tai-chinh", "94.00", "92.50", "92.95", QUYET_THANG),
    ("bao-antd", "93.00", "91.00", "91.60", QUYET_THANG),
    ("hau-can", "92.00", "90.00", "90.60", QUYET_THANG),
    ("trung-tam-huan-luyen", "98.00", "86.00", "89.60", TIEN_TIEN),
    ("xdpt", "90.00", "88.50", "88.95", TIEN_TIEN),
    ("thanh-tra", "89.50", "88.00", "88.45", TIEN_TIEN),
    ("ctd-ctct", "88.00", "87.00", "87.30", TIEN_TIEN),
    ("cong-ty-thang-tam", None, "85.00", "59.50", None),
]


def ref(code: str, names: dict[str, str] = UNITS) -> UnitRef:
    return UnitRef(code=code, name=names[code])


def ranking() -> list[RankedUnit]:
    out = []
    for rank, (unit, self_total, peer_mean, consolidated, title) in enumerate(_SCORES, 1):
        gap = None if self_total is None else D(self_total) - D(peer_mean)
        out.append(
            RankedUnit(
                unit=unit,
                self_total=None if self_total is None else D(self_total),
                peer_totals=(D(peer_mean),) * 8,
                peer_mean=D(peer_mean),
                consolidated=D(consolidated),
                gap=gap,
                gap_flagged=gap is not None and abs(gap) > 10,
                eligible=self_total is not None,
                rank=rank,
                proposed_title=title,
            )
        )
    return out


RULES = VoteRules(leader_threshold=Fraction(1, 3))  # quorum 2/3, acclaim 1/2, titles 4/5


def vote() -> VoteResult:
    titles = [
        TitleVote(unit=u, title=t, yes=yes, no=9 - yes, required=8, approved=yes >= 8)
        for (u, *_, t), yes in zip(_SCORES[:9], [9, 9, 9, 8, 9, 8, 9, 8, 7], strict=True)
    ]
    return VoteResult(
        members=10,
        ballots_cast=9,
        quorum_required=7,
        quorum_met=True,
        acclaim=Election(
            question="acclaim",
            counts=(("to-chuc-can-bo", 8), ("tham-muu", 1)),
            required_votes=5,
            winner="to-chuc-can-bo",
            tie_broken_by=None,
            note=None,
        ),
        leader=Election(
            question="leader",
            counts=(("to-chuc-can-bo", 7), ("tham-muu", 2)),
            required_votes=4,
            winner="to-chuc-can-bo",
            tie_broken_by=None,
            note=None,
        ),
        deputy=Election(
            question="deputy",
            counts=(("tai-chinh", 4), ("hau-can", 4), ("bao-antd", 1)),
            required_votes=4,
            winner="tai-chinh",
            tie_broken_by="score",
            note=None,
        ),
        titles=tuple(titles),
    )


def minutes_context(names: dict[str, str] = UNITS, **update: Any) -> MinutesContext:
    members = [ref(c, names) for c in names]
    absent = [ref("thanh-tra", names)]
    ctx = MinutesContext(
        body="Công an thành phố Hà Nội",
        cluster_name="Cụm thi đua số 4",
        year=2019,
        movement="Vì an ninh Tổ quốc",
        held_at=dt.datetime(2019, 11, 14, 1, 30, tzinfo=dt.UTC),  # 08:30 in Hà Nội
        locality="Hà Nội",
        place="Hội trường Công an thành phố Hà Nội, 87 Trần Hưng Đạo",
        symbol="BB-CTD4",
        leader=names["tham-muu"],
        chair=Person(name="Nguyễn Văn An", position="Trưởng phòng Tham mưu"),
        secretary=Person(name="Trần Thị Bình"),
        members=members,
        voted=[u for u in members if u not in absent],
        absent=absent,
        no_self_assessment=[ref("cong-ty-thang-tam", names)],
        ranking=ranking(),
        names=names,
        vote=vote(),
        rules=RULES,
        gap_threshold=D(10),
        gap_flagged=[ref("trung-tam-huan-luyen", names)],
        lot_seed="c4-2019-7f3a9b",
        closed_reason="Đủ phiếu, Cụm trưởng xác nhận",
    )
    return ctx.model_copy(update=update) if update else ctx


def memo_context(names: dict[str, str] = UNITS) -> MemoContext:
    return MemoContext(
        body="Công an thành phố Hà Nội",
        cluster_name="Cụm thi đua số 4",
        year=2019,
        movement="Vì an ninh Tổ quốc",
        locality="Hà Nội",
        date=dt.date(2019, 12, 5),
        symbol="TTr-CTD4",
        leader=names["tham-muu"],
        signer=Person(name="Nguyễn Văn An", position="Trưởng phòng"),
        nominations=[
            NominationCandidate(
                unit="to-chuc-can-bo",
                title="Cờ thi đua của Bộ Công an",
                score=D("94.95"),
                rank=1,
                eligible=True,
                reasons=("Đơn vị dẫn đầu Cụm thi đua số 4",),
            ),
            NominationCandidate(
                unit="tham-muu",
                title=QUYET_THANG,
                score=D("93.60"),
                rank=2,
                eligible=True,
                reasons=(),
            ),
            NominationCandidate(
                unit="tai-chinh",
                title=QUYET_THANG,
                score=D("92.95"),
                rank=3,
                eligible=True,
                reasons=("Chưa có dữ liệu khen thưởng các năm trước",),
            ),
            NominationCandidate(
                unit="hau-can",
                title=QUYET_THANG,
                score=D("90.60"),
                rank=5,
                eligible=False,
                reasons=("Vượt chỉ tiêu 3 đơn vị Đơn vị Quyết thắng của Cụm",),
            ),
        ],
        names=names,
        directorate_decision="Phê duyệt có điều chỉnh: không đề nghị Phòng Hậu cần",
        amendments=["Phòng Hậu cần: vượt chỉ tiêu, chuyển sang xét Đơn vị tiên tiến"],
    )


def achievement_context(names: dict[str, str] = UNITS) -> AchievementContext:
    score = ranking()[0]
    return AchievementContext(
        body="Công an thành phố Hà Nội",
        unit=ref("to-chuc-can-bo", names),
        cluster_name="Cụm thi đua số 4",
        year=2019,
        movement="Vì an ninh Tổ quốc",
        locality="Hà Nội",
        date=dt.date(2019, 12, 2),
        titles=("Cờ thi đua của Bộ Công an", QUYET_THANG),
        head=Person(name="Lê Văn Cường", position="Thủ trưởng đơn vị"),
        score=score,
        achievements=(
            "Tham mưu kiện toàn tổ chức bộ máy theo Nghị định 01/2018/NĐ-CP.\n"
            "Hoàn thành 4 đợt thi đua gắn với các đợt cao điểm tấn công trấn áp tội phạm."
        ),
        shortcomings="Việc ứng dụng khoa học công nghệ vào công tác còn chậm.",
        criteria=[
            CriterionLine(
                group="Công tác chuyên môn",
                criterion="Kết quả thực hiện chỉ tiêu",
                max_points=D(40),
                self_points=D("39.00"),
                peer_mean=D("38.50"),
            ),
            CriterionLine(
                group="Công tác chuyên môn",
                criterion="Tham mưu, đề xuất",
                max_points=D(20),
                self_points=D("19.00"),
                peer_mean=D("18.50"),
            ),
            CriterionLine(
                group="Xây dựng lực lượng",
                criterion="Kỷ luật, kỷ cương",
                max_points=D(25),
                self_points=D("24.00"),
                peer_mean=D("24.00"),
            ),
            CriterionLine(
                group="Phong trào thi đua",
                criterion="Tổ chức các đợt thi đua",
                max_points=D(15),
                self_points=D("14.00"),
                peer_mean=D("13.50"),
            ),
        ],
    )


def decision_context(names: dict[str, str] = UNITS) -> DecisionContext:
    return DecisionContext(
        parent_body="Bộ Công an",
        body="Công an thành phố Hà Nội",
        cluster_name="Cụm thi đua số 4",
        year=2019,
        movement="Vì an ninh Tổ quốc",
        locality="Hà Nội",
        date=dt.date(2019, 11, 28),
        symbol="QĐ-CAHN",
        head_title="Giám đốc",
        proposer=names["tham-muu"],
        decision="amend",
        reason="Phòng Hậu cần vượt chỉ tiêu",
        amendments=("Phòng Hậu cần: không đề nghị danh hiệu",),
        acclaimed=ref("to-chuc-can-bo", names),
        flag=ref("to-chuc-can-bo", names),
        flag_title="Cờ thi đua của Bộ Công an",
        leader_next=ref("to-chuc-can-bo", names),
        deputy_next=ref("tai-chinh", names),
        titles=tuple(
            AwardedTitle(unit=ref(u, names), title=t, score=D(c), rank=i)
            for i, (u, _, _, c, t) in enumerate(_SCORES[:4], 1)
            if t
        ),
        signer=Person(name="Đinh Văn Đức", position="Phó Giám đốc"),
        signer_on_behalf="KT. GIÁM ĐỐC",
    )


# --- every template renders ----------------------------------------------------------------


def _template_files() -> list[str]:
    names = []
    for package in (documents, notifications, thidua.forms):
        assert package.__file__ is not None
        folder = Path(package.__file__).parent / "templates"
        names += [p.relative_to(folder).as_posix() for p in folder.rglob("*.j2")]
    return sorted(names)


def _form_leader() -> dict[str, Any]:
    return {
        "run_name": "Cụm thi đua số 4 · 2019 · tự chấm điểm",
        "stage_number": 1,
        "stage_label": "Tự chấm điểm",
        "attempt": 2,
        "due_at": dt.datetime(2019, 11, 1, 10, 0, tzinfo=dt.UTC),
        "overdue": True,
        "received": 8,
        "expected": 10,
        "missing": [
            {"name": UNITS["cong-ty-thang-tam"], "what": "Bản tự chấm điểm"},
            {"name": UNITS["thanh-tra"], "what": "Bản tự chấm điểm | minh chứng"},
        ],
        "leader_name": UNITS["tham-muu"],
        "last_outcome": "Trả lại Công ty Tháng Tám để bổ sung",
        # A quota tie the chair must decide (a vote's form; the same template)
        "ties": [
            {
                "title": "Đơn vị Quyết thắng",
                "places": 1,
                "units": [
                    {
                        "code": "PHC",
                        "name": "Phòng Hậu cần | Kho",
                        "yes": 9,
                        "score": Decimal("92.5"),
                        "rank": 3,
                    },
                    {
                        "code": "PTC",
                        "name": "Phòng Tài chính",
                        "yes": 9,
                        "score": Decimal("92.5"),
                        "rank": 4,
                    },
                ],
            }
        ],
        "escalated": True,
        "chair_choice": "Chủ tọa quyết định đơn vị bằng phiếu, bằng điểm",
        "campaign_id": 7,
        "year": 2019,
        "as_of": dt.datetime(2019, 10, 30, 2, 15, tzinfo=dt.UTC),
        "gap_threshold": Decimal(10),
        "gaps": [
            {
                "name": UNITS["thanh-tra"],
                "self_total": Decimal("95"),
                "peer_mean": Decimal("80.5"),
                "gap": Decimal("14.5"),
                "text": "Đơn vị có 2 chuyên đề | được Bộ khen",
            },
            {
                "name": UNITS["cong-ty-thang-tam"],
                "self_total": Decimal("60"),
                "peer_mean": Decimal("75"),
                "gap": Decimal("-15"),
                "text": None,
            },
        ],
    }


def _form_directorate() -> dict[str, Any]:
    v = vote()
    return {
        "run_name": "Cụm thi đua số 4 · 2019 · phê duyệt",
        "attempt": 1,
        "due_at": dt.datetime(2019, 11, 28, 10, 0, tzinfo=dt.UTC),
        "overdue": False,
        "vote": v,
        "ranking": ranking(),
        "title_votes": {t.unit: t for t in v.titles},
        "passed": {t.unit for t in v.titles if t.approved},
        "names": UNITS,
        "year": 2019,
        "last_outcome": None,
        "campaign_id": 7,
        "as_of": dt.datetime(2019, 11, 20, 2, 15, tzinfo=dt.UTC),
        "ranking_url": "http://127.0.0.1:4200/artifacts/key/c7-xep-hang",
        "vote_url": "http://127.0.0.1:4200/artifacts/key/c7-ket-qua-bo-phieu",
    }


# Sample variables for each template, by name. A new template needs an entry here.
SAMPLES: dict[str, Any] = {
    # documents/templates
    "bien_ban.md.j2": lambda: dict(minutes_context()),
    "bien_ban.html.j2": lambda: dict(minutes_context()),
    "_cau_bien_ban.html.j2": lambda: dict(minutes_context()),
    "to_trinh.md.j2": lambda: dict(memo_context()),
    "to_trinh.html.j2": lambda: dict(memo_context()),
    "_cau_to_trinh.html.j2": lambda: dict(memo_context()),
    "bao_cao_thanh_tich.md.j2": lambda: dict(achievement_context()),
    "bao_cao_thanh_tich.html.j2": lambda: dict(achievement_context()),
    "_cau_bao_cao_thanh_tich.html.j2": lambda: dict(achievement_context()),
    "quyet_dinh.md.j2": lambda: dict(decision_context()),
    "quyet_dinh.html.j2": lambda: dict(decision_context()),
    "_cau_quyet_dinh.html.j2": lambda: dict(decision_context()),
    "_cau_chung.html.j2": dict,
    "_chung.j2": dict,
    "_layout.html.j2": dict,
    # notifications/templates
    "_signature.txt.j2": dict,
    "form_leader.md.j2": _form_leader,
    "form_directorate.md.j2": _form_directorate,
    # thidua/forms/templates
    "_mau_chung.yaml.j2": dict,
    "mau_tu_cham.yaml.j2": form_sample,
    "mau_cham_cheo.yaml.j2": form_sample,
    "mau_phieu_bau.yaml.j2": form_sample,
    "form_heading.md.j2": lambda: {
        "run_name": "2019 · Cụm thi đua số 4 · Vì an ninh Tổ quốc",
        "stage": Stage.APPROVAL,
        "attempt": 2,
    },
}
# notifications/templates/messages: sampled in tests/unit/notification_samples.py
SAMPLES.update(template_samples(_template_files()))


def test_the_environment_sees_every_template_file() -> None:
    assert all_templates() == _template_files()
    assert set(TEMPLATES) <= set(all_templates())
    assert len(TEMPLATES) == 8


@pytest.mark.parametrize("name", _template_files())
def test_every_template_renders(name: str) -> None:
    if name not in SAMPLES:
        pytest.fail(f"no sample variables for template {name}: add them to SAMPLES in {__file__}")
    out = render(name, **SAMPLES[name]())
    partial = Path(name).name.startswith("_")
    if not partial:
        assert "Undefined" not in out
        assert len(out) > 200 if name in TEMPLATES else out.strip()
    if name.endswith(".html.j2") and not partial:
        _assert_standalone_html(out, lang="en" if "/en/" in name else "vi")
    if name.endswith(".md.j2"):
        _assert_markdown_tables(out)


def test_signature() -> None:
    assert render("_signature.txt.j2") == "— Hệ thống thidua\n"


def _assert_standalone_html(out: str, lang: str = "vi") -> None:
    from html.parser import HTMLParser

    assert out.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in out
    assert '<meta charset="utf-8">' in out
    void = {"meta", "br", "hr", "img", "input", "link"}
    stack: list[str] = []

    class Balance(HTMLParser):
        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag not in void:
                stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert stack and stack[-1] == tag, f"</{tag}> closes {stack[-1:]}"
            stack.pop()

    Balance().feed(out)
    assert stack == []


def _assert_markdown_tables(out: str) -> None:
    """Every row of a pipe table has as many cells as its header."""
    cells = None
    for line in out.splitlines():
        if line.startswith("|"):
            n = len(re.split(r"(?<!\\)\|", line.strip())) - 2
            if cells is None:
                cells = n
            assert n == cells, line
        else:
            cells = None


# --- the minutes ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_minutes_carry_the_explanations(fmt: Any) -> None:
    ctx = minutes_context()
    [flagged] = ctx.gap_flagged
    said = ctx.model_copy(update={"explanations": {flagged.code: "Có 12 chuyên đề <được> khen"}})
    out = render_minutes(said, fmt)
    text = "Có 12 chuyên đề \\<được\\> khen" if fmt == "md" else "Có 12 chuyên đề &lt;được&gt; khen"
    assert f"Giải trình: {text}" in out
    assert "Đơn vị chưa giải trình." in render_minutes(ctx, fmt)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_minutes(fmt: Any) -> None:
    out = render_minutes(minutes_context(), fmt)
    for text in [
        "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Vì an ninh Tổ quốc",
        "08 giờ 30, ngày 14/11/2019",  # 01:30 UTC
        "87 Trần Hưng Đạo",
        *UNITS.values(),
        # attendance and quorum
        "Vắng mặt, không bỏ phiếu",
        "số đơn vị đã bỏ phiếu: 9",
        "ít nhất 2/3 (66,67%) tổng số đơn vị thành viên tham gia bỏ phiếu, tức 7 đơn vị",
        "đủ điều kiện tiến hành bỏ phiếu",
        # ranking
        "94,95",
        "93,60",
        "59,50",
        "+12,00 ⚠",
        "Trung tâm Huấn luyện và bồi dưỡng nghiệp vụ CATP: tự chấm 98,00, chấm chéo 86,00, "
        "chênh lệch +12,00 điểm",
        "vượt quá 10,00 điểm",
        "Công ty Tháng Tám: không tự chấm điểm, không đủ điều kiện xét danh hiệu",
        # ballot
        "Phòng Tổ chức cán bộ đạt 8/9 phiếu, được suy tôn là đơn vị dẫn đầu "
        "Cụm thi đua số 4 năm 2019",
        "Cụm trưởng năm 2020",
        "Phòng Tổ chức cán bộ đạt 7/9 phiếu, được bầu làm đơn vị Cụm trưởng năm 2020",
        "Phòng Tài chính đạt 4/9 phiếu, được bầu làm đơn vị Cụm phó năm 2020",
        "tối thiểu 1/3 (33,33%) tổng số đơn vị thành viên, tức 4 phiếu",
        "phân định theo điểm tổng hợp",
        "tối thiểu 4/5 (80%) tổng số đơn vị thành viên đồng ý",
        "Không đạt",
        "Đủ phiếu, Cụm trưởng xác nhận",
        "THƯ KÝ",
    ]:
        assert text in out, text
    assert "bốc thăm" not in out  # no tie went to the lot
    assert out.count("Không đạt") == 1
    # the voter roll, by unit, in the order of the members
    status = re.findall(r"(Có mặt|Vắng mặt), (?:đã |không )?bỏ phiếu", out)
    assert status == ["Có mặt"] * 8 + ["Vắng mặt"] + ["Có mặt"]


def test_minutes_markdown_rows() -> None:
    out = render_minutes(minutes_context(), "md")
    assert (
        "| 6 | Trung tâm Huấn luyện và bồi dưỡng nghiệp vụ CATP | 98,00 | 86,00 | **89,60** "
        "| +12,00 ⚠ | Đơn vị tiên tiến |" in out
    )
    assert "| 10 | Công ty Tháng Tám | — | 85,00 | **59,50** | — | Không đủ điều kiện xét |" in out
    assert (
        "| Phòng Công tác Đảng - Công tác chính trị | Đơn vị tiên tiến | 7 | 2 | 8 "
        "| **Không đạt** |" in out
    )
    assert "| Phòng Tài chính | 4 |\n| Phòng Hậu cần | 4 |\n| Báo An ninh Thủ đô | 1 |" in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_minutes_tie_broken_by_lot_names_the_seed(fmt: Any) -> None:
    v = vote()
    leader = v.leader.model_copy(
        update={"counts": (("to-chuc-can-bo", 4), ("tham-muu", 4)), "tie_broken_by": "lot"}
    )
    out = render_minutes(minutes_context(vote=v.model_copy(update={"leader": leader})), fmt)
    assert "bằng điểm tổng hợp; thứ tự được phân định bằng bốc thăm" in out
    assert "c4-2019-7f3a9b" in out

    lot_only = minutes_context(
        vote=v.model_copy(update={"leader": leader}), rules=VoteRules(tie_break=("lot",))
    )
    out = render_minutes(lot_only, fmt)
    assert "Có đơn vị bằng số phiếu; thứ tự được phân định bằng bốc thăm" in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_minutes_without_quorum_or_winner(fmt: Any) -> None:
    v = vote()
    deputy = v.deputy.model_copy(
        update={"winner": None, "tie_broken_by": None, "note": "không đơn vị nào đạt đủ số phiếu"}
    )
    v = v.model_copy(update={"ballots_cast": 6, "quorum_met": False, "deputy": deputy})
    out = render_minutes(minutes_context(vote=v), fmt)
    assert "KHÔNG đủ số đơn vị tham gia bỏ phiếu" in out
    assert "không có giá trị" in out
    assert "Kết quả: không có đơn vị trúng cử (không đơn vị nào đạt đủ số phiếu)." in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_minutes_say_when_a_share_asks_every_other_unit(fmt: Any) -> None:
    """A unit never votes for itself, so a share of all members above the others' votes asks
    every other unit: the minutes say why the votes needed are fewer than the share."""
    v = vote()
    acclaim = v.acclaim.model_copy(update={"counts": (("to-chuc-can-bo", 9),), "required_votes": 9})
    flag = FlagVote(unit="to-chuc-can-bo", title="Cờ thi đua", votes=9, required=9, nominated=True)
    rules = RULES.model_copy(
        update={"acclaim_threshold": Fraction(1), "flag_threshold": Fraction(1)}
    )
    ctx = minutes_context(vote=v.model_copy(update={"acclaim": acclaim, "flag": flag}), rules=rules)
    out = render_minutes(ctx, fmt)
    others = "tất cả các đơn vị còn lại, vì không đơn vị nào bỏ phiếu cho chính mình"
    assert f"tối thiểu 1/1 (100%) tổng số đơn vị thành viên, tức 9 phiếu ({others})" in out
    assert f"tức 9 phiếu ({others}); Phòng Tổ chức cán bộ đạt 9 phiếu" in out
    assert out.count(others) == 2  # the leader's and deputy's shares are not capped


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_minutes_speak_of_acclaim_not_election_for_the_leading_unit(fmt: Any) -> None:
    """Suy tôn is not an election: the unit is acclaimed (được suy tôn), not elected (trúng cử)."""
    out = render_minutes(minutes_context(), fmt)
    needs = "Đơn vị được suy tôn phải đạt tối thiểu 1/2 (50%) tổng số đơn vị thành viên, tức 5"
    assert needs in out
    assert out.count("Đơn vị trúng cử phải đạt") == 2  # the leader and the deputy
    v = vote()
    none = v.acclaim.model_copy(update={"winner": None, "note": "không đơn vị nào đạt đủ số phiếu"})
    out = render_minutes(minutes_context(vote=v.model_copy(update={"acclaim": none})), fmt)
    assert "Kết quả: không có đơn vị được suy tôn (không đơn vị nào đạt đủ số phiếu)." in out


def test_minutes_written_vote_and_present_non_voter() -> None:
    members = [ref(c) for c in UNITS]
    ctx = minutes_context(
        voted=[u for u in members if u.code not in {"hau-can"}],
        absent=[ref("thanh-tra")],
    )
    out = render_minutes(ctx, "md")
    assert "| Thanh tra CATP | Vắng mặt, gửi phiếu bằng văn bản |" in out
    assert "| Phòng Hậu cần | Có mặt, không bỏ phiếu |" in out


# --- memo and achievement report -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_memo(fmt: Any) -> None:
    out = render_memo(memo_context(), fmt)
    for text in [
        "TỜ TRÌNH",
        "Hà Nội, ngày 05 tháng 12 năm 2019",
        "Hội đồng Thi đua - Khen thưởng Công an thành phố Hà Nội",
        "Cờ thi đua của Bộ Công an",
        "Đơn vị dẫn đầu Cụm thi đua số 4",
        "Chưa có dữ liệu khen thưởng các năm trước",
        "Vượt chỉ tiêu 3 đơn vị Đơn vị Quyết thắng của Cụm",
        "Tổng số: 3 đơn vị đủ điều kiện được đề nghị, với 3 danh hiệu, hình thức khen thưởng; "
        "1 trường hợp không đủ điều kiện",
        "Phê duyệt có điều chỉnh: không đề nghị Phòng Hậu cần",
        "Phòng Hậu cần: vượt chỉ tiêu, chuyển sang xét Đơn vị tiên tiến",
        "94,95",
    ]:
        assert text in out, text
    section_1 = out.split("I. Các đơn vị đề nghị khen thưởng")[1].split("II. Các trường hợp")[0]
    section_2 = out.split("II. Các trường hợp không đủ điều kiện")[1].split("III. Ý kiến")[0]
    assert [u for u in UNITS.values() if u in section_1] == [
        "Phòng Tham mưu",
        "Phòng Tổ chức cán bộ",
        "Phòng Tài chính",
    ]
    assert [u for u in UNITS.values() if u in section_2] == ["Phòng Hậu cần"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_memo_with_every_nomination_eligible_says_none_was_not(fmt: Any) -> None:
    ctx = memo_context()
    eligible = [n for n in ctx.nominations if n.eligible]
    out = render_memo(ctx.model_copy(update={"nominations": eligible}), fmt)
    assert (
        f"với {len(eligible)} danh hiệu, hình thức khen thưởng; "
        "không có trường hợp nào không đủ điều kiện." in out
    )
    assert "; 0 trường hợp" not in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_achievement_report(fmt: Any) -> None:
    out = render_achievement_report(achievement_context(), fmt)
    for text in [
        "BÁO CÁO THÀNH TÍCH",
        "Đề nghị tặng “Cờ thi đua của Bộ Công an” và “Đơn vị Quyết thắng” năm 2019",
        "Lê Văn Cường",
        "Phòng Tổ chức cán bộ, đơn vị thành viên Cụm thi đua số 4",
        "Kết quả thực hiện chỉ tiêu",
        "Công tác chuyên môn",
        "100,00",
        "96,00",
        "94,50",
        "Điểm tổng hợp: 94,95 điểm, xếp thứ 1",
        "Nghị định 01/2018/NĐ-CP",
        "Việc ứng dụng khoa học công nghệ vào công tác còn chậm.",
        "THỦ TRƯỞNG ĐƠN VỊ",
    ]:
        assert text in out, text
    assert out.count("Công tác chuyên môn") == 1  # the group is printed once
    assert "giải trình" not in out


def test_achievement_report_of_a_flagged_unit() -> None:
    ctx = achievement_context()
    flagged = ctx.score.model_copy(update={"gap": D("12"), "gap_flagged": True})
    out = render_achievement_report(ctx.model_copy(update={"score": flagged}), "md")
    assert "chênh lệch +12,00" in out
    assert "đơn vị đã được yêu cầu giải trình" in out


# --- escaping ------------------------------------------------------------------------------

EVIL = "Phòng <script>alert('x')</script> & Co"


def _evil_minutes() -> MinutesContext:
    ctx = minutes_context({**UNITS, "tham-muu": EVIL})
    v = ctx.vote
    return ctx.model_copy(
        update={
            "body": EVIL,
            "cluster_name": EVIL,
            "movement": EVIL,
            "place": EVIL,
            "leader": EVIL,
            "chair": Person(name=EVIL, position=EVIL),
            "lot_seed": EVIL,
            "closed_reason": EVIL,
            "ranking": tuple(r.model_copy(update={"proposed_title": EVIL}) for r in ctx.ranking),
            "vote": v.model_copy(
                update={
                    "leader": v.leader.model_copy(update={"tie_broken_by": "lot"}),
                    "deputy": v.deputy.model_copy(update={"winner": None, "note": EVIL}),
                    "titles": tuple(t.model_copy(update={"title": EVIL}) for t in v.titles),
                }
            ),
        }
    )


def _evil_memo() -> MemoContext:
    ctx = memo_context({**UNITS, "tham-muu": EVIL})
    return ctx.model_copy(
        update={
            "body": EVIL,
            "cluster_name": EVIL,
            "movement": EVIL,
            "locality": EVIL,
            "leader": EVIL,
            "directorate_decision": EVIL,
            "amendments": (EVIL,),
            "nominations": tuple(
                n.model_copy(update={"title": EVIL, "reasons": (EVIL, EVIL)})
                for n in ctx.nominations
            ),
        }
    )


def _evil_report() -> AchievementContext:
    ctx = achievement_context({**UNITS, "to-chuc-can-bo": EVIL})
    return ctx.model_copy(
        update={
            "body": EVIL,
            "cluster_name": EVIL,
            "movement": EVIL,
            "locality": EVIL,
            "titles": (EVIL,),
            "achievements": EVIL,
            "shortcomings": EVIL,
            "score": ctx.score.model_copy(update={"gap_flagged": True}),
            "criteria": tuple(
                c.model_copy(update={"group": EVIL, "criterion": EVIL}) for c in ctx.criteria
            ),
        }
    )


RENDERERS = [
    pytest.param(lambda f: render_minutes(_evil_minutes(), f), id="bien_ban"),
    pytest.param(lambda f: render_memo(_evil_memo(), f), id="to_trinh"),
    pytest.param(lambda f: render_achievement_report(_evil_report(), f), id="bao_cao_thanh_tich"),
]


@pytest.mark.parametrize("render_doc", RENDERERS)
def test_html_escapes_every_text_markdown_does_not(render_doc: Any) -> None:
    """Hostile text in every string field: escaped in HTML, printed as is in Markdown."""
    html = render_doc("html")
    assert "<script>" not in html
    escaped = "Phòng &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"
    assert html.count(escaped) >= 8
    md = render_doc("md")
    assert "&lt;" not in md and "&amp;" not in md and "&#39;" not in md
    assert md.count(EVIL) >= 8


def test_markdown_table_cells_escape_pipes() -> None:
    out = render_minutes(minutes_context({**UNITS, "hau-can": "Phòng Hậu cần | Kho"}), "md")
    assert "| 3 | Phòng Hậu cần \\| Kho | Có mặt, đã bỏ phiếu |" in out
    _assert_markdown_tables(out)


# --- strictness ----------------------------------------------------------------------------


def test_a_missing_variable_raises() -> None:
    variables = dict(minutes_context())
    del variables["closed_reason"]
    with pytest.raises(jinja2.UndefinedError):
        render("bien_ban.md.j2", **variables)
    with pytest.raises(jinja2.UndefinedError):
        render("to_trinh.html.j2")
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ khong_co }}").render()


def test_names_must_cover_every_unit() -> None:
    names = {k: v for k, v in UNITS.items() if k != "hau-can"}
    with pytest.raises(ValidationError, match="hau-can"):
        MinutesContext.model_validate({**dict(minutes_context()), "names": names})
    with pytest.raises(ValidationError, match="hau-can"):
        MemoContext.model_validate({**dict(memo_context()), "names": names})


def test_context_checks() -> None:
    with pytest.raises(ValidationError, match="không phải đơn vị thành viên"):
        MinutesContext.model_validate(
            {**dict(minutes_context()), "absent": [UnitRef(code="cong-an-quan", name="CAQ")]}
        )
    with pytest.raises(ValidationError, match="không có trong bảng xếp hạng"):
        MinutesContext.model_validate(
            {**dict(minutes_context()), "gap_flagged": [UnitRef(code="x", name="X")]}
        )
    with pytest.raises(ValidationError, match="không phải của"):
        AchievementContext.model_validate({**dict(achievement_context()), "unit": ref("tham-muu")})
    ctx = minutes_context()
    with pytest.raises(ValidationError):
        ctx.year = 2020  # type: ignore[misc]


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="pdf"):
        render_minutes(minutes_context(), "pdf")  # type: ignore[arg-type]


# --- the environment and its filters -------------------------------------------------------


def test_one_environment() -> None:
    env = environment()
    assert env is environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.trim_blocks and env.lstrip_blocks and env.keep_trailing_newline
    assert env.from_string("{{ x }}").render(x="<b>") == "<b>"  # no name: not escaped
    for name, escaped in [
        ("a.html.j2", True),
        ("a.html", True),
        ("a.md.j2", False),
        ("a.txt.j2", False),
        ("html.md.j2", False),
        (None, False),
    ]:
        assert templating._autoescape(name) is escaped, name


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (D("92.5"), {}, "92,50"),
        (D("92.505"), {}, "92,51"),  # half up
        (D("92.504"), {}, "92,50"),
        (92, {}, "92,00"),
        (92.25, {}, "92,25"),
        (D("1000"), {}, "1.000,00"),
        (D("-3.5"), {}, "-3,50"),
        (D("-0.001"), {}, "0,00"),
        (D("12"), {"sign": True}, "+12,00"),
        (D("-12"), {"sign": True}, "-12,00"),
        (D("0"), {"sign": True}, "0,00"),
        (D("7.25"), {"places": 1}, "7,3"),
        (None, {}, "—"),
    ],
)
def test_diem(value: Any, kwargs: dict[str, Any], expected: str) -> None:
    assert templating.diem(value, **kwargs) == expected


def test_dates() -> None:
    assert templating.ngay(dt.date(2019, 11, 14)) == "14/11/2019"
    assert templating.ngay(dt.datetime(2019, 1, 5, 23, 0)) == "05/01/2019"  # naive: as is
    late = dt.datetime(2019, 11, 13, 18, 0, tzinfo=dt.UTC)  # 01:00 next day in Hà Nội
    assert templating.ngay(late) == "14/11/2019"
    assert templating.gio(late) == "01 giờ 00"
    assert templating.gio(dt.datetime(2019, 11, 14, 8, 30, tzinfo=HCM)) == "08 giờ 30"
    assert templating.ngay(None) == "—"
    assert templating.ngay_thang(dt.date(2020, 2, 5)) == "ngày 05 tháng 02 năm 2020"
    assert templating.ngay_thang(dt.date(2019, 12, 10)) == "ngày 10 tháng 12 năm 2019"
    assert templating.ngay_thang(dt.date(2019, 3, 1)) == "ngày 01 tháng 3 năm 2019"


def test_shares() -> None:
    assert templating.ty_le(Fraction(2, 3)) == "2/3"
    assert templating.ty_le(Fraction(4, 5)) == "4/5"
    assert templating.ty_le(Fraction(1)) == "1/1"
    assert templating.phan_tram(Fraction(2, 3)) == "66,67%"
    assert templating.phan_tram(Fraction(1, 3)) == "33,33%"
    assert templating.phan_tram(Fraction(4, 5)) == "80%"
    assert templating.phan_tram(Fraction(9, 10)) == "90%"
    assert templating.phan_tram(Fraction(1)) == "100%"
    assert templating.phan_tram(D("0.125")) == "12,50%"


def test_filters_in_templates() -> None:
    out = (
        environment()
        .from_string(
            "{{ a | diem }} {{ d | ngay }} {{ q | ty_le }} {{ q | phan_tram }} {{ s | md_cell }}"
        )
        .render(a=D("92.5"), d=dt.date(2019, 11, 14), q=Fraction(2, 3), s="a|b\nc")
    )
    assert out == "92,50 14/11/2019 2/3 66,67% a\\|b c"


# --- names stay text on the forms approvers act on -----------------------------------------

_BAIT = "Phòng [Bấm để duyệt](http://duyet.invalid) <b>gấp</b> `mã` ![x](http://x.invalid/a.png)"


@pytest.mark.parametrize("name", ["form_leader.md.j2", "form_directorate.md.j2"])
def test_a_name_set_by_an_admin_cannot_put_a_link_or_html_on_a_form(name: str) -> None:
    """The Prefect UI renders a form's description as Markdown: a unit or leader named like a
    link would put a link before the directorate; its name must show as the text it is."""
    from markdown_it import MarkdownIt

    values = SAMPLES[name]()
    if name == "form_leader.md.j2":
        values["leader_name"] = _BAIT
        values["missing"][0]["name"] = _BAIT
        values["gaps"][0]["name"] = _BAIT
        values["ties"][0]["units"][0]["name"] = _BAIT
    else:
        values["names"] = {code: _BAIT for code in values["names"]}
    html_out = MarkdownIt("commonmark").enable("table").render(render(name, **values))
    assert "duyet.invalid" not in html_out.replace("[Bấm để duyệt](http://duyet.invalid)", "")
    assert "<a " not in html_out.replace('<a href="http://127.0.0.1:4200', "")
    assert "<img" not in html_out and "<b>" not in html_out and "<code>mã" not in html_out
    assert "[Bấm để duyệt](http://duyet.invalid) &lt;b&gt;gấp&lt;/b&gt;" in html_out
