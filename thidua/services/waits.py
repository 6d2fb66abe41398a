"""How a campaign run decides its next step, and how an answer on its Prefect form is applied.

The flow re-runs from the top on every resume, so `plan_step` is computed from the database
alone: the open stage, what it has received, and the waits already answered. Each wait gets a
key from its stage run and sequence number, never reused, so a suspend fires once per wait.
"""

from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from models import Actor, CampaignStatus, StageRun, Wait
from models.types import utcnow
from rules.stages import Stage
from thidua.errors import Forbidden, InvalidInput, NotFound, ThiduaError, from_validation
from thidua.links import artifact_key, artifact_url
from thidua.services import audit
from thidua.services.auth import consume_action_code
from thidua.services.context import CampaignView, get_actor, load_campaign
from thidua.services.explanations import flagged
from thidua.services.form_choices import LeaderAction
from thidua.services.form_decisions import FormDecision, apply, from_form
from thidua.services.progress import Progress, Verdict, progress
from thidua.services.results import ranking_of, vote_of
from thidua.services.stages import ensure_open
from thidua.services.votes import ties_to_decide
from thidua.templating import render


class Step(BaseModel):
    kind: Literal["done", "close", "wait"]
    stage: Stage | None = None
    stage_run_id: int | None = None
    verdict: Verdict | None = None
    wait_id: int | None = None
    wait_key: str | None = None
    form: Literal["leader", "directorate"] | None = None
    heading: str = ""  # the form's own description: what it is, in a line
    situation: str = ""  # above the decision field: results, what is missing, how to answer
    progress: float = 1.0  # share of the campaign done, for the progress artifact


def _share_done(stage: Stage, state: Progress) -> float:
    inside = state.received / state.expected if state.expected else 0.0
    return round((stage.number - 1 + min(inside, 1.0)) / len(Stage), 3)


def plan_step(session: Session, campaign_id: int) -> Step:
    view = load_campaign(session, campaign_id)
    run = ensure_open(session, view)
    if run is None:
        return Step(kind="done")
    assert run.id is not None
    state = progress(session, view, run)
    share = _share_done(run.stage, state)
    pending = session.exec(
        select(Wait).where(Wait.stage_run_id == run.id, col(Wait.answered_at).is_(None))
    ).first()
    if pending is None and state.verdict != Verdict.WAITING:
        return Step(
            kind="close",
            stage=run.stage,
            stage_run_id=run.id,
            verdict=state.verdict,
            progress=share,
        )
    if pending is None:
        seq = len(session.exec(select(Wait.id).where(Wait.stage_run_id == run.id)).all()) + 1
        pending = Wait(
            stage_run_id=run.id,
            seq=seq,
            key=f"c{view.id}-s{run.stage.number}-a{run.attempt}-w{seq}",
        )
        session.add(pending)
        session.flush()
    view.campaign.status = CampaignStatus.WAITING
    view.campaign.updated_at = utcnow()
    session.add(view.campaign)
    last = session.exec(
        select(Wait)
        .where(Wait.stage_run_id == run.id, col(Wait.answered_at).is_not(None))
        .order_by(col(Wait.seq).desc())
    ).first()
    form: Literal["leader", "directorate"] = (
        "directorate" if run.stage == Stage.APPROVAL else "leader"
    )
    return Step(
        kind="wait",
        stage=run.stage,
        stage_run_id=run.id,
        verdict=state.verdict,
        wait_id=pending.id,
        wait_key=pending.key,
        form=form,
        heading=render(
            "form_heading.md.j2", run_name=view.run_name, stage=run.stage, attempt=run.attempt
        ),
        situation=describe(session, view, run, state, last.outcome if last else None),
        progress=share,
    )


def describe(
    session: Session, view: CampaignView, run: StageRun, state: Progress, last: str | None
) -> str:
    """The Markdown shown above the decision: what is decided, what is missing, the deadline;
    narrow enough for the dialog's 472 pixels (tables of short cells, lists that wrap)."""
    common: dict[str, Any] = dict(
        run_name=view.run_name,
        campaign_id=view.id,
        attempt=run.attempt,
        due_at=run.due_at,
        overdue=state.overdue,
        last_outcome=last,
        year=view.year,
        as_of=utcnow(),
    )
    if run.stage == Stage.APPROVAL:
        vote = vote_of(session, view.id)
        ranking = ranking_of(session, view.id) or []
        assert vote is not None
        return render(
            "form_directorate.md.j2",
            **common,
            vote=vote,
            ranking=ranking,
            names={u.code: u.name for u in view.members},
            title_votes={t.unit: t for t in vote.titles},
            passed={t.unit for t in vote.titles if t.approved},
            ranking_url=artifact_url(artifact_key(view.id, "xep-hang")),
            vote_url=artifact_url(artifact_key(view.id, "ket-qua-bo-phieu")),
        )
    ties = ties_to_decide(session, view, run) if run.stage == Stage.VOTE else []
    return render(
        "form_leader.md.j2",
        **common,
        ties=ties,
        escalated=run.escalated_at is not None,
        chair_choice=LeaderAction.CHAIR_TIE.value,
        stage_number=run.stage.number,
        stage_label=run.stage.label,
        received=state.received,
        expected=state.expected,
        missing=state.missing,
        leader_name=view.leader.name if view.leader else "—",
        gaps=flagged(session, view, run) if run.stage == Stage.PEER_REVIEW else [],
        gap_threshold=view.rules.gap_threshold,
    )


def _identify(
    session: Session, username: str, code: str, run: StageRun, decision: FormDecision
) -> Actor:
    try:
        actor = get_actor(session, username.strip())
    except NotFound:
        raise Forbidden("Mã xác nhận một lần không đúng, đã dùng hoặc đã hết hạn") from None
    assert run.id is not None
    consume_action_code(session, actor=actor, stage_run_id=run.id, code=code, decision=decision)
    return actor


def _apply(session: Session, view: CampaignView, run: StageRun, data: dict[str, Any]) -> str:
    username, code, decision = from_form(run.stage, data)
    if decision is None:
        return "Đã kiểm tra lại"
    # The schema lets "" through (the wake-up answer has it); a decision needs both.
    for field, value, title in (
        ("actor", username, "Tên đăng nhập của người thực hiện"),
        ("code", code, "Mã xác nhận một lần"),
    ):
        if not value.strip():
            raise InvalidInput(field, f"không được để trống ({title})")
    # Outside the savepoint below: a wrong try must be counted even though it is refused, and
    # a code stays spent if its decision can no longer be taken (the person asks for a new one).
    actor = _identify(session, username, code, run, decision)
    with session.begin_nested():
        apply(
            session,
            actor=actor,
            campaign_id=view.id,
            stage=run.stage,
            decision=decision,
            via="prefect-ui",
        )
    return f"{actor.full_name}: {decision.choice}"


def answer(session: Session, campaign_id: int, wait_id: int, data: dict[str, Any]) -> str:
    """Apply what a person answered on the form, once. A refused answer is recorded and shown
    on the next form; it never fails the run."""
    wait = session.get(Wait, wait_id, with_for_update=True)
    if wait is None:
        raise InvalidInput("wait_id", f"không có lượt chờ #{wait_id}")
    if wait.answered_at is not None:
        return wait.outcome or ""
    view = load_campaign(session, campaign_id)
    run = session.get(StageRun, wait.stage_run_id)
    assert run is not None
    try:
        outcome = _apply(session, view, run, data)
    except ValidationError as exc:
        err = from_validation(exc)
        outcome = f"Bị từ chối: {err.message}"
    except ThiduaError as exc:
        outcome = f"Bị từ chối: {exc.message}"
    if outcome.startswith("Bị từ chối"):
        audit.record(
            session,
            actor=None,
            action="form.refused",
            campaign_id=view.id,
            entity="wait",
            entity_id=wait.id,
            after={"key": wait.key, "actor": str(data.get("actor", "")), "reason": outcome},
        )
    wait.answered_at = utcnow()
    wait.outcome = outcome
    session.add(wait)
    return outcome
