"""A campaign's results as plain tables, for Excel and CSV (documents/tables.py writes them).

The ranking with every reviewer's score of each unit, the self/peer gaps, the vote per question
(counts only: a ballot is never shown), the titles approved, the nominations with their status.
Built from the same read model as `thidua report` (thidua/services/queries.py), plus the
reviewers' totals of the peer-review run that produced the ranking.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from models import PeerReview, StageRun
from rules.stages import Stage
from thidua.services import queries

Cell = str | int | Decimal | bool | None
QUESTIONS = (
    ("acclaim", "Suy tôn đơn vị dẫn đầu"),
    ("leader", "Cụm trưởng năm sau"),
    ("deputy", "Cụm phó năm sau"),
)


@dataclass(frozen=True)
class Sheet:
    key: str  # file name of its CSV: "xep-hang"
    title: str  # sheet name in the workbook: "Xếp hạng" (at most 31 characters)
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)


def _points(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _reviewer_scores(session: Session, campaign_id: int) -> dict[tuple[int, int], Decimal]:
    """(reviewer unit id, reviewee unit id) → total, from the peer review the ranking came from."""
    run = session.exec(
        select(StageRun)
        .where(
            StageRun.campaign_id == campaign_id,
            StageRun.stage == Stage.PEER_REVIEW,
            col(StageRun.closed_at).is_not(None),
            StageRun.close_reason != "returned",
        )
        .order_by(col(StageRun.attempt).desc())
    ).first()
    if run is None:
        return {}
    rows = session.exec(
        select(PeerReview.reviewer_unit_id, PeerReview.reviewee_unit_id, PeerReview.total).where(
            PeerReview.stage_run_id == run.id
        )
    ).all()
    return {(a, b): Decimal(str(t)) for a, b, t in rows}


def result_sheets(session: Session, campaign_id: int) -> list[Sheet]:
    """Every table of the campaign's results; empty tables where a stage has not closed."""
    from thidua.services.context import load_campaign

    data = queries.report(session, campaign_id)
    view = load_campaign(session, campaign_id)
    names: dict[str, str] = data["units"]
    ids = {u.code: u.id for u in view.members}
    scores = _reviewer_scores(session, campaign_id)
    reviewers = list(view.member_codes)

    ranking = Sheet(
        "xep-hang",
        "Xếp hạng",
        (
            "Hạng", "Mã đơn vị", "Đơn vị", "Tự chấm",
            *(f"Chấm bởi {names[r]}" for r in reviewers),
            "TB chấm chéo", "Điểm tổng hợp", "Danh hiệu đề xuất",
        ),
    )  # fmt: skip
    gaps = Sheet(
        "chenh-lech",
        "Chênh lệch tự chấm - chấm chéo",
        ("Đơn vị", "Tự chấm", "TB chấm chéo", "Chênh lệch", "Ngưỡng", "Phải giải trình"),
    )
    threshold = view.rules.gap_threshold
    for r in data["ranking"]:
        unit = r["unit"]
        given = [
            None if reviewer == unit else scores.get((ids[reviewer] or 0, ids[unit] or 0))
            for reviewer in reviewers
        ]
        ranking.rows.append(
            (
                r["rank"], unit, names[unit], _points(r["self_total"]),
                *(_points(g) for g in given),
                _points(r["peer_mean"]), _points(r["consolidated"]), r["proposed_title"] or "",
            )
        )  # fmt: skip
        gaps.rows.append(
            (
                names[unit],
                _points(r["self_total"]),
                _points(r["peer_mean"]),
                _points(r["gap"]),
                _points(threshold),
                bool(r["gap_flagged"]),
            )
        )
    elections = Sheet(
        "bo-phieu",
        "Bỏ phiếu",
        ("Nội dung", "Đơn vị", "Số phiếu", "Số đơn vị bỏ phiếu", "Cần đạt", "Trúng cử"),
    )
    title_votes = Sheet(
        "bieu-quyet-danh-hieu",
        "Biểu quyết danh hiệu",
        ("Đơn vị", "Danh hiệu", "Đồng ý", "Không đồng ý", "Cần đạt", "Thông qua"),
    )
    vote = data["vote"]
    if vote:
        for key, label in QUESTIONS:
            e = vote[key]
            for unit, n in e["counts"]:
                elections.rows.append(
                    (label, names[unit], n, vote["ballots_cast"], e["required_votes"],
                     unit == e["winner"])
                )  # fmt: skip
        for t in vote["titles"]:
            title_votes.rows.append(
                (names[t["unit"]], t["title"], t["yes"], t["no"], t["required"], t["approved"])
            )
    titles = Sheet("danh-hieu", "Danh hiệu được phê duyệt", ("Mã đơn vị", "Đơn vị", "Danh hiệu"))
    outcome = data["outcome"] or {}
    for unit, title in sorted((outcome.get("titles") or {}).items()):
        titles.rows.append((unit, names[unit], title))
    nominations = Sheet(
        "de-nghi-khen-thuong",
        "Đề nghị khen thưởng",
        (
            "Mã đơn vị", "Đơn vị", "Danh hiệu, hình thức", "Điểm tổng hợp", "Xếp hạng",
            "Đủ điều kiện", "Ghi chú", "Trạng thái", "Số quyết định", "Ngày quyết định",
        ),
    )  # fmt: skip
    for n in data["nominations"]:
        nominations.rows.append(
            (
                n["unit"], n["name"], n["title"], _points(n["score"]), n["rank"], n["eligible"],
                "; ".join(n["reasons"]), n["council_status"], n["decision_no"] or "",
                n["decision_date"] or "",
            )
        )  # fmt: skip
    return [ranking, gaps, elections, title_votes, titles, nominations]
