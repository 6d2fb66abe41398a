"""Explanations (giải trình) of a gap between a unit's self-score and its peers' scores.

Who and when, decided here:
- Only a unit whose gap is flagged (thidua/services/gaps.py: |self − mean of peers| above the
  cycle's `gap_threshold`, from the reviews received so far) may file one, by its own officer.
- Only while the peer review is open: the cluster leader reads the explanations on the stage-2
  form and in `thidua status` before confirming the peer-review results; once the stage closes
  the ranking is final and the explanations go into the minutes as they stand.
- Filing again while the stage is open replaces the text; the audit log keeps every version.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from models import Actor, Explanation, StageRun
from models.types import utcnow
from rules.stages import Stage
from thidua.errors import InvalidInput, NotReady
from thidua.limits import TEXT, check_text, newlines
from thidua.services import audit
from thidua.services.access import require_member_officer
from thidua.services.context import CampaignView, latest_closed_run, load_campaign
from thidua.services.gaps import unit_scores


@dataclass(frozen=True)
class Gap:
    """A flagged unit, its figures and its explanation if it filed one."""

    unit: str
    name: str
    self_total: Decimal | None
    peer_mean: Decimal | None
    gap: Decimal | None
    text: str | None


def explanations_of(session: Session, run_id: int) -> dict[int, Explanation]:
    rows = session.exec(select(Explanation).where(Explanation.stage_run_id == run_id)).all()
    return {e.unit_id: e for e in rows}


def flagged(session: Session, view: CampaignView, pr_run: StageRun) -> list[Gap]:
    """The units flagged now in `pr_run` (open: from the reviews in so far), with their texts."""
    assert pr_run.id is not None
    texts = explanations_of(session, pr_run.id)
    names = {u.code: u for u in view.members}
    return [
        Gap(
            unit=s.unit,
            name=names[s.unit].name,
            self_total=s.self_total,
            peer_mean=s.peer_mean,
            gap=s.gap,
            text=(e.text if (e := texts.get(names[s.unit].id or 0)) else None),
        )
        for s in unit_scores(session, view, pr_run)
        if s.gap_flagged
    ]


def texts_for_minutes(session: Session, view: CampaignView) -> dict[str, str]:
    """Unit code -> explanation, of the peer review whose ranking the minutes print."""
    pr_run = latest_closed_run(session, view.id, Stage.PEER_REVIEW)
    if pr_run is None or pr_run.id is None:
        return {}
    by_id = {u.id: u.code for u in view.members}
    return {by_id[k]: e.text for k, e in explanations_of(session, pr_run.id).items() if k in by_id}


def submit_explanation(
    session: Session, *, actor: Actor, campaign_id: int, text: str, via: str = "cli"
) -> Explanation:
    # Imported here: reading the gaps (`thidua status`, `pending`) writes nothing.
    from thidua.services.submissions import accepting, flush_or_conflict

    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "nộp giải trình")
    run = accepting(session, view, Stage.PEER_REVIEW, unit)
    text = newlines(text).strip()
    if not text:
        raise InvalidInput("text", "nội dung giải trình không được để trống")
    check_text("text", text, max_length=TEXT, multiline=True)
    assert run.id is not None and unit.id is not None and actor.id is not None
    mine = next((s for s in unit_scores(session, view, run) if s.unit == unit.code), None)
    if mine is None or not mine.gap_flagged:
        limit = view.rules.gap_threshold
        figures = ""
        if mine is not None and mine.gap is not None:
            figures = f" (hiện tự chấm {mine.self_total}, trung bình chấm chéo {mine.peer_mean})"
        raise NotReady(
            f"Điểm tự chấm của {unit.name} hiện không chênh lệch quá {limit} điểm so với trung "
            f"bình chấm chéo{figures}: không cần giải trình"
        )
    existing = session.exec(
        select(Explanation).where(
            Explanation.stage_run_id == run.id, Explanation.unit_id == unit.id
        )
    ).first()
    before = {"text": existing.text} if existing else None
    if existing is not None and existing.text == text:
        return existing  # the same text again: nothing to record
    row = existing or Explanation(
        stage_run_id=run.id, unit_id=unit.id, text=text, submitted_by=actor.id
    )
    row.text, row.submitted_by, row.submitted_at = text, actor.id, utcnow()
    session.add(row)
    flush_or_conflict(session, f"{unit.name} vừa nộp giải trình")
    audit.record(
        session,
        actor=actor,
        action="explanation.submit",
        campaign_id=view.id,
        entity="explanation",
        entity_id=row.id,
        before=before,
        after={
            "unit": unit.code,
            "gap": str(mine.gap),
            "self_total": str(mine.self_total),
            "peer_mean": str(mine.peer_mean),
            "text": text,
            "via": via,
        },
    )
    return row
