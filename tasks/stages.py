"""The five stage tasks: each closes its stage with its results, opens the next, and plans the
campaign's next step (so that a close costs one task run, not two).

A task body is one database transaction (thidua.services.stages.close_stage) that finds a stage
already closed and does nothing, so a retry after a failure, even one right after the commit,
writes no row, ballot count or audit event twice.
"""

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from models import Document, StageRun
from rules.stages import Stage
from tasks import artifacts
from tasks.campaign import plan
from thidua.db import session_scope
from thidua.faults import maybe_fail
from thidua.services.context import load_campaign
from thidua.services.progress import Verdict
from thidua.services.results import closed_result, outcome_of, ranking_of, vote_of
from thidua.services.stages import close_stage
from thidua.services.waits import Step

# Seconds between the retries of a stage task: a database busy for a moment, a lost connection.
RETRY_DELAYS: list[float] = [1, 5, 15]


def _close(campaign_id: int, stage_run_id: int, verdict: Verdict, point: str) -> dict[str, str]:
    with session_scope() as session:
        view = load_campaign(session, campaign_id)
        run = session.get(StageRun, stage_run_id)
        assert run is not None
        close_stage(session, view, run, verdict)
        scope = str(view.year)
    maybe_fail(point, scope)
    with session_scope() as session:
        return {u.code: u.name for u in load_campaign(session, campaign_id).members}


def _document(campaign_id: int, kind: str) -> str | None:
    with session_scope() as session:
        doc = session.exec(
            select(Document)
            .where(Document.campaign_id == campaign_id, Document.kind == kind, Document.fmt == "md")
            .order_by(Document.id.desc())  # type: ignore[union-attr]
        ).first()
        return doc.content if doc else None


@task(
    name="Giai đoạn 1 · Tự chấm điểm",
    task_run_name="Giai đoạn 1 · Tự chấm điểm · đợt #{campaign_id}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def close_self_assessment(campaign_id: int, stage_run_id: int, verdict: Verdict) -> Step:
    _close(campaign_id, stage_run_id, verdict, "close_self_assessment")
    with session_scope() as session:
        result = closed_result(session, campaign_id, Stage.SELF_ASSESSMENT) or {}
    missing = ", ".join(result.get("missing", [])) or "không"
    artifacts.document(
        campaign_id,
        "tu-cham",
        f"Đã nộp: {len(result.get('submitted', []))} "
        f"đơn vị. Không nộp (không đủ điều kiện xét danh hiệu): {missing}.",
        "Kết quả giai đoạn tự chấm điểm",
    )
    return plan(campaign_id)


@task(
    name="Giai đoạn 2 · Chấm chéo",
    task_run_name="Giai đoạn 2 · Chấm chéo · đợt #{campaign_id}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def close_peer_review(campaign_id: int, stage_run_id: int, verdict: Verdict) -> Step:
    names = _close(campaign_id, stage_run_id, verdict, "close_peer_review")
    with session_scope() as session:
        ranking = ranking_of(session, campaign_id) or []
    artifacts.ranking_table(campaign_id, ranking, names)
    return plan(campaign_id)


@task(
    name="Giai đoạn 3 · Bình xét, bỏ phiếu kín",
    task_run_name="Giai đoạn 3 · Bình xét, bỏ phiếu kín · đợt #{campaign_id}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def close_vote(campaign_id: int, stage_run_id: int, verdict: Verdict) -> Step:
    names = _close(campaign_id, stage_run_id, verdict, "close_vote")
    with session_scope() as session:
        vote = vote_of(session, campaign_id)
    assert vote is not None
    artifacts.vote_table(campaign_id, vote, names)
    minutes = _document(campaign_id, "bien_ban")
    if minutes:
        artifacts.document(campaign_id, "bien-ban", minutes, "Biên bản họp bình xét thi đua")
    return plan(campaign_id)


@task(
    name="Giai đoạn 4 · Ban Giám đốc phê duyệt",
    task_run_name="Giai đoạn 4 · Ban Giám đốc phê duyệt · đợt #{campaign_id}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def close_approval(campaign_id: int, stage_run_id: int, verdict: Verdict) -> Step:
    names = _close(campaign_id, stage_run_id, verdict, "close_approval")
    with session_scope() as session:
        run = session.get(StageRun, stage_run_id)
        result = run.result_json if run and run.result_json else {}
        outcome = outcome_of(session, campaign_id)
    if result.get("returned_to"):
        text = (
            f"Ban Giám đốc **trả lại** giai đoạn `{result['returned_to']}`. "
            f"Lý do: {result.get('reason', '')}"
        )
    else:
        assert outcome is not None
        lines = [f"- {names[u]}: {t}" for u, t in sorted(outcome["titles"].items())]
        text = _document(campaign_id, "quyet_dinh") or "\n".join(
            [f"Ban Giám đốc: **{outcome['decision']}**. {outcome['reason']}", *lines]
        )
    artifacts.document(campaign_id, "phe-duyet", text, "Quyết định của Ban Giám đốc")
    return plan(campaign_id)


@task(
    name="Giai đoạn 5 · Đề nghị khen thưởng",
    task_run_name="Giai đoạn 5 · Đề nghị khen thưởng · đợt #{campaign_id}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    cache_policy=NO_CACHE,
)
def close_nomination(campaign_id: int, stage_run_id: int, verdict: Verdict) -> Step:
    _close(campaign_id, stage_run_id, verdict, "close_nomination")
    memo = _document(campaign_id, "to_trinh")
    if memo:
        artifacts.document(campaign_id, "to-trinh", memo, "Tờ trình đề nghị khen thưởng")
    return plan(campaign_id)


CLOSERS = {
    Stage.SELF_ASSESSMENT: close_self_assessment,
    Stage.PEER_REVIEW: close_peer_review,
    Stage.VOTE: close_vote,
    Stage.APPROVAL: close_approval,
    Stage.NOMINATION: close_nomination,
}
