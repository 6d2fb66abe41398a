"""The five stages of a campaign, in order, with their Vietnamese names."""

from enum import StrEnum


class Stage(StrEnum):
    SELF_ASSESSMENT = "self_assessment"
    PEER_REVIEW = "peer_review"
    VOTE = "vote"
    APPROVAL = "approval"
    NOMINATION = "nomination"

    @property
    def number(self) -> int:
        return STAGE_ORDER.index(self) + 1

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    def next(self) -> "Stage | None":
        i = STAGE_ORDER.index(self)
        return STAGE_ORDER[i + 1] if i + 1 < len(STAGE_ORDER) else None


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)

STAGE_LABELS: dict[Stage, str] = {
    Stage.SELF_ASSESSMENT: "Tự chấm điểm",
    Stage.PEER_REVIEW: "Chấm chéo",
    Stage.VOTE: "Bình xét, bỏ phiếu kín",
    Stage.APPROVAL: "Ban Giám đốc phê duyệt",
    Stage.NOMINATION: "Đề nghị khen thưởng",
}
