"""What a campaign shows in the Prefect UI: progress, ranking and vote tables, documents."""

from typing import Any

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
)

from rules.results import RankedUnit, VoteResult
from rules.tally import QUESTION_LABELS
from thidua.templating import diem


def _key(campaign_id: int, name: str) -> str:
    return f"c{campaign_id}-{name}"


def progress(campaign_id: int, share: float, description: str) -> None:
    create_progress_artifact(
        progress=round(share * 100, 1), key=_key(campaign_id, "tien-do"), description=description
    )


def ranking_table(campaign_id: int, ranking: list[RankedUnit], names: dict[str, str]) -> None:
    rows: list[dict[str, Any]] = [
        {
            "Hạng": r.rank,
            "Đơn vị": names[r.unit],
            "Tự chấm": diem(r.self_total),
            "Điểm chấm chéo (TB)": diem(r.peer_mean),
            "Điểm tổng hợp": diem(r.consolidated),
            "Chênh lệch": diem(r.gap) + (" ⚠ giải trình" if r.gap_flagged else ""),
            "Danh hiệu đề nghị": r.proposed_title or "—",
        }
        for r in ranking
    ]
    create_table_artifact(
        table=rows, key=_key(campaign_id, "xep-hang"), description="Bảng xếp hạng sau chấm chéo"
    )


def vote_table(campaign_id: int, vote: VoteResult, names: dict[str, str]) -> None:
    rows: list[dict[str, Any]] = []
    for e in (vote.acclaim, vote.leader, vote.deputy):
        rows.append(
            {
                "Nội dung": QUESTION_LABELS.get(e.question, e.question),
                "Kết quả": names.get(e.winner or "", "Không có"),
                "Số phiếu": ", ".join(f"{names[u]}: {n}" for u, n in e.counts) or "—",
                "Cần": e.required_votes,
            }
        )
    for t in vote.titles:
        rows.append(
            {
                "Nội dung": f"Danh hiệu {t.title}: {names[t.unit]}",
                "Kết quả": "Đạt" if t.approved else "Không đạt",
                "Số phiếu": f"Đồng ý {t.yes}, không đồng ý {t.no}",
                "Cần": t.required,
            }
        )
    create_table_artifact(
        table=rows,
        key=_key(campaign_id, "ket-qua-bo-phieu"),
        description=f"Kết quả bỏ phiếu kín: {vote.ballots_cast}/{vote.members}",
    )


def document(campaign_id: int, name: str, markdown: str, description: str) -> None:
    create_markdown_artifact(
        markdown=markdown, key=_key(campaign_id, name), description=description
    )
