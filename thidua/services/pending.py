"""A person's inbox: what waits for them, in every open campaign that concerns them."""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel import Session, col, select

from models import (
    Actor,
    CouncilOutcome,
    Nomination,
    NominationStatus,
    Role,
    StageRun,
    Unit,
)
from rules.stages import Stage
from thidua import localtime
from thidua.services.context import CampaignView, load_campaign, open_stage_run
from thidua.services.progress import Verdict, progress
from thidua.services.queries import campaign_ids, flagged_now, unit_code_of
from thidua.services.votes import ties_to_decide
from thidua.templating import diem


@dataclass(frozen=True)
class PendingItem:
    campaign_id: int
    campaign: str
    stage_label: str
    due_at: datetime | None
    what: str
    command: str
    flow_run_id: UUID | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["due_at"] = localtime.iso(self.due_at)
        d["flow_run_id"] = str(self.flow_run_id) if self.flow_run_id else None
        return d


def pending(session: Session, actor: Actor) -> list[PendingItem]:
    """What waits for this person across all open campaigns, oldest deadline first."""
    items: list[PendingItem] = []
    for i in campaign_ids(session, concerning=actor, open_only=True):
        view = load_campaign(session, i)
        run = open_stage_run(session, view)
        if run is None:
            continue
        state = progress(session, view, run)
        common = dict(
            campaign_id=view.id,
            campaign=view.run_name,
            stage_label=run.stage.label,
            due_at=run.due_at,
            flow_run_id=view.campaign.flow_run_id,
        )
        c = f"--campaign {view.id} --actor {actor.username}"
        ties = ties_to_decide(session, view, run) if run.stage == Stage.VOTE else []
        if ties and _decides_ties(actor, view, run):
            for tie in ties:
                units = ", ".join(
                    f"{u.code} ({u.yes} phiếu, {diem(u.score)} điểm)" for u in tie.units
                )
                what = (
                    f"chủ tọa quyết định {tie.places} suất “{tie.title}” trong các đơn vị bằng "
                    f"phiếu, bằng điểm: {units}"
                )
                if actor.role == Role.DIRECTORATE:
                    what = f"chuyển lên: quá hạn bỏ phiếu, quyết định thay chủ tọa: {what}"
                items.append(
                    PendingItem(
                        **common,
                        what=what,
                        command=f'thidua chair decide {c} --title "{tie.title}" '
                        '--unit <mã> --reason "<lý do>"',
                    )
                )
            continue
        if actor.role == Role.UNIT_OFFICER:
            mine = [
                m
                for m in state.missing
                if actor.unit_id is not None and m.unit == unit_code_of(session, actor.unit_id)
            ]
            # The form comes pre-filled (thidua form, YAML or --xlsx); the same file goes back.
            verb = {
                stage: f"thidua form {kind} {c} --out {name} && "
                f"thidua submit {kind} {c} --file {name}"
                for stage, kind, name in (
                    (Stage.SELF_ASSESSMENT, "self-assessment", "tu-cham.yaml"),
                    (Stage.PEER_REVIEW, "review", "cham-cheo.yaml"),
                    (Stage.VOTE, "ballot", "phieu-bau.yaml"),
                )
            }
            for m in mine:
                items.append(PendingItem(**common, what=m.what, command=verb[run.stage]))
            own = unit_code_of(session, actor.unit_id or 0)
            limit = view.rules.gap_threshold
            for g in flagged_now(session, view, run):
                if g.unit == own and g.text is None:
                    what = (
                        f"giải trình: tự chấm {g.self_total}, trung bình chấm chéo {g.peer_mean}, "
                        f"chênh lệch {g.gap} (quá {limit} điểm)"
                    )
                    command = f'thidua submit explanation {c} --text "…"'
                    items.append(PendingItem(**common, what=what, command=command))
        elif actor.role == Role.CLUSTER_LEADER and view.leader and actor.unit_id == view.leader.id:
            if (
                run.stage in (Stage.SELF_ASSESSMENT, Stage.PEER_REVIEW, Stage.VOTE)
                and not state.missing
                and not state.confirmed
            ):
                gaps = flagged_now(session, view, run)
                note = ""
                if gaps:
                    silent = sum(1 for g in gaps if g.text is None)
                    note = (
                        f"; đọc giải trình của {len(gaps)} đơn vị chênh lệch điểm "
                        f"({silent} chưa giải trình): thidua status --campaign {view.id}"
                    )
                items.append(
                    PendingItem(
                        **common,
                        what="đã đủ, chờ xác nhận giai đoạn" + note,
                        command=f"thidua confirm {c}",
                    )
                )
            elif run.stage == Stage.SELF_ASSESSMENT and state.missing:
                items.append(
                    PendingItem(
                        **common,
                        what=f"theo dõi: còn thiếu {len(state.missing)} đơn vị; "
                        "kiểm tra và trả lại bản tự chấm chưa đạt",
                        command=f"thidua return {c} --unit <mã> --comment <lý do>",
                    )
                )
        elif (
            actor.role == Role.DIRECTORATE
            and run.escalated_at is not None
            and state.verdict == Verdict.WAITING  # not once it may move (a tie decided)
        ):
            items.append(
                PendingItem(
                    **common,
                    what=f"chuyển lên: Cụm trưởng chưa xác nhận '{run.stage.label}' quá hạn",
                    command=f"thidua confirm {c}",
                )
            )
        elif actor.role == Role.DIRECTORATE and run.stage == Stage.APPROVAL and state.missing:
            items.append(
                PendingItem(
                    **common,
                    what="phê duyệt kết quả của cụm",
                    command=f"thidua decide {c} approve|amend|return",
                )
            )
    if actor.role == Role.DIRECTORATE:
        items += _unrecorded(session, actor)
    if actor.role == Role.COUNCIL:
        items += _before_council(session, actor)
    return sorted(items, key=lambda p: (p.due_at is None, p.due_at, p.campaign_id))


def _unrecorded(session: Session, actor: Actor) -> list[PendingItem]:
    """Nominations relying on years nothing records: the directorate confirms or drops them."""
    items = []
    for n, u in session.exec(
        select(Nomination, Unit)
        .join(Unit, col(Unit.id) == col(Nomination.unit_id))
        .where(Nomination.record_check == "pending")
        .order_by(col(Nomination.campaign_id), col(Nomination.id))
    ).all():
        view = load_campaign(session, n.campaign_id)
        years = ", ".join(map(str, n.unrecorded_years or []))
        items.append(
            PendingItem(
                campaign_id=view.id,
                campaign=view.run_name,
                stage_label=Stage.NOMINATION.label,
                due_at=None,
                what=f"đề nghị “{n.title}” cho {u.name}: chưa có dữ liệu năm {years}; "
                "xác nhận hoặc bỏ",
                command=f"thidua nomination confirm|drop --campaign {view.id} --unit {u.code} "
                f'--title "{n.title}" --reason <lý do> --actor {actor.username}',
                flow_run_id=view.campaign.flow_run_id,
            )
        )
    return items


def _before_council(session: Session, actor: Actor) -> list[PendingItem]:
    """Filed nominations the council has not decided, or returned: it decides each of them.
    One still waiting for the directorate's record check is not the council's yet."""
    from thidua.services.council import latest_decisions

    rows = session.exec(
        select(Nomination, Unit)
        .join(Unit, col(Unit.id) == col(Nomination.unit_id))
        .where(Nomination.status != NominationStatus.INELIGIBLE)
        .order_by(col(Nomination.campaign_id), col(Nomination.id))
    ).all()
    decided = latest_decisions(session, [n.id for n, _ in rows if n.id is not None])
    items = []
    for n, u in rows:
        if n.record_check == "pending":
            continue
        d = decided.get(n.id or 0)
        if d is not None and d.outcome != CouncilOutcome.RETURNED:
            continue
        view = load_campaign(session, n.campaign_id)
        what = f"xét đề nghị “{n.title}” cho {u.name}"
        if d is not None:
            what = f"xét lại đề nghị “{n.title}” cho {u.name} (trả lại: {d.reason})"
        items.append(
            PendingItem(
                campaign_id=view.id,
                campaign=view.run_name,
                stage_label=Stage.NOMINATION.label,
                due_at=None,
                what=what,
                command=f"thidua council decide --campaign {view.id} --actor {actor.username} "
                f'--unit {u.code} --title "{n.title}" awarded|not-awarded|returned …',
                flow_run_id=view.campaign.flow_run_id,
            )
        )
    return items


def _decides_ties(actor: Actor, view: CampaignView, run: StageRun) -> bool:
    """The chair (the leading unit's commander), or the directorate once the tie went up."""
    if actor.role == Role.DIRECTORATE:
        return run.escalated_at is not None
    return (
        actor.role == Role.CLUSTER_LEADER
        and view.leader is not None
        and actor.unit_id == view.leader.id
    )
