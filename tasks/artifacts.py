"""What a campaign shows in the Prefect UI: progress, ranking and vote tables, documents."""

from typing import Any
from uuid import UUID

from prefect import get_client
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    ArtifactFilterType,
)

from rules.results import RankedUnit, VoteResult
from rules.tally import QUESTION_LABELS
from thidua.templating import diem


def _key(campaign_id: int, name: str) -> str:
    return f"c{campaign_id}-{name}"


class ProgressArtifact:
    """The campaign's one progress artifact, created once and then updated in place (a new
    artifact per step would leave the UI a pile of identical ones). A pass after a resume finds
    the one an earlier pass created, by its key and the flow run."""

    def __init__(self, campaign_id: int, flow_run_id: UUID | None, description: str) -> None:
        self.key = _key(campaign_id, "tien-do")
        self.description = description
        self.shown: float | None = None
        self.artifact_id: UUID | None = None
        if flow_run_id is not None:
            self.artifact_id, self.shown = _existing(self.key, flow_run_id)

    def show(self, share: float) -> None:
        value = round(share * 100, 1)
        if value == self.shown:
            return
        if self.artifact_id is None:
            self.artifact_id = create_progress_artifact(
                progress=value, key=self.key, description=self.description
            )
        else:
            update_progress_artifact(self.artifact_id, value, description=self.description)
        self.shown = value


def _existing(key: str, flow_run_id: UUID) -> tuple[UUID | None, float | None]:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
                type=ArtifactFilterType(any_=["progress"]),
            ),
            limit=1,
        )
    if not found:
        return None, None
    data = found[0].data
    return found[0].id, float(data) if isinstance(data, int | float) else None


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
