"""A unit's peer reviews: what one submit writes, that sending it again writes nothing, and that a
review a concurrent submit wrote meanwhile is a refusal (Conflict), never a silent drop."""

import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, select

from bench.domain import drive_all, prepare, script, start
from models import AuditEvent, PeerReview, PeerScore, StageRun
from rules.defaults import example_scores
from rules.stages import Stage
from thidua.db import session_scope
from thidua.errors import Conflict
from thidua.sample import officer_username
from thidua.services.context import get_actor, load_campaign
from thidua.services.inputs import ReviewInput
from thidua.services.reviews import submit_reviews
from thidua.settings import get_settings

from .postgres import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def campaign(
    request: pytest.FixtureRequest, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    """One cluster's campaign with its peer review open and nobody's review in yet."""
    with ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(temporary_database("thidua_reviews"))
            monkeypatch.setenv("THIDUA_DATABASE_URL", url)
            get_settings.cache_clear()
            stack.callback(get_settings.cache_clear)
        (cid,) = start(prepare(1))
        drive_all([cid], script(), until=Stage.PEER_REVIEW)
        yield cid


def _reviews(cid: int, reviewer: str, quality: float = 0.9) -> list[ReviewInput]:
    with session_scope() as s:
        view = load_campaign(s, cid)
        scheme = view.rules.scheme
        others = [c for c in view.member_codes if c != reviewer]
    return [
        ReviewInput(reviewee=c, scores=example_scores(scheme, quality), comment=f"Tốt: {c}")
        for c in others
    ]


def _submit(s: Session, cid: int, reviewer: str, reviews: list[ReviewInput]) -> list[PeerReview]:
    return submit_reviews(
        s, actor=get_actor(s, officer_username(reviewer)), campaign_id=cid, reviews=reviews
    )


def _counts(s: Session) -> tuple[int, int, int]:
    return (
        s.exec(select(func.count()).select_from(PeerReview)).one(),
        s.exec(select(func.count()).select_from(PeerScore)).one(),
        s.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "peer_review.submit")
        ).one(),
    )


def _members(cid: int) -> tuple[str, ...]:
    with session_scope() as s:
        return load_campaign(s, cid).member_codes


def test_one_submit_writes_each_review_its_scores_and_event_and_a_resend_writes_nothing(
    campaign: int,
) -> None:
    reviewer = _members(campaign)[0]
    reviews = _reviews(campaign, reviewer)
    with session_scope() as s:
        written = _submit(s, campaign, reviewer, reviews)
        ids = [r.id for r in written]
    with session_scope() as s:
        view = load_campaign(s, campaign)
        items = len(example_scores(view.rules.scheme, 0.9))
        assert _counts(s) == (len(reviews), len(reviews) * items, len(reviews))
        for item, review_id in zip(reviews, ids, strict=True):
            review = s.get(PeerReview, review_id)
            assert review is not None
            assert view.unit_by_id(review.reviewee_unit_id).code == item.reviewee
            stored = s.exec(
                select(PeerScore.item_code, PeerScore.points)
                .where(PeerScore.review_id == review_id)
                .order_by(PeerScore.id)  # type: ignore[arg-type]
            ).all()
            assert [(k, float(str(v))) for k, v in item.scores.items()] == [
                (k, p) for k, p in stored
            ]
            after = s.exec(
                select(AuditEvent.after).where(
                    AuditEvent.action == "peer_review.submit",
                    AuditEvent.entity_id == str(review_id),
                )
            ).one()
            assert after is not None and after["reviewee"] == item.reviewee
    with session_scope() as s:  # the same content again: the same reviews, nothing new
        assert [r.id for r in _submit(s, campaign, reviewer, reviews)] == ids
    with session_scope() as s:
        assert _counts(s)[0] == len(reviews)
    changed = [reviews[0], *_reviews(campaign, reviewer, 0.8)[1:]]
    with pytest.raises(Conflict, match="không được chấm lại"), session_scope() as s:
        _submit(s, campaign, reviewer, changed)
    with session_scope() as s:
        assert _counts(s) == (len(reviews), len(reviews) * items, len(reviews))


def test_a_review_a_concurrent_submit_wrote_after_the_read_is_a_conflict(campaign: int) -> None:
    # The second reviewee's review is taken: the refusal names it, not the first.
    reviewer, _, raced = _members(campaign)[:3]
    reviews = _reviews(campaign, reviewer)
    with session_scope() as s:
        raced_name = load_campaign(s, campaign).unit(raced).name

    with session_scope() as s:
        view = load_campaign(s, campaign)
        run = s.exec(
            select(StageRun).where(
                StageRun.campaign_id == campaign, StageRun.stage == Stage.PEER_REVIEW
            )
        ).one()
        taken = {
            "stage_run_id": run.id,
            "reviewer_unit_id": view.unit(reviewer).id,
            "reviewee_unit_id": view.unit(raced).id,
            "total": 0.0,
            "comment": "",
            "content_sha256": "0" * 64,
            "submitted_by": get_actor(s, officer_username(reviewer)).id,
        }

    def arrives_after_the_read(state: ORMExecuteState) -> Any:
        """The unit's reviews are read; then, before this submit writes, another officer of
        the unit commits the review of `raced` (on PostgreSQL the unique key waits for it)."""
        described = getattr(state.statement, "column_descriptions", [])
        entities = [d.get("entity") for d in described]
        if not (state.is_select and PeerReview in entities) or state.session.info.get("raced"):
            return None
        frozen = state.invoke_statement().freeze()
        state.session.info["raced"] = True
        table = PeerReview.__table__  # type: ignore[attr-defined]
        state.session.connection().execute(table.insert().values(**taken))
        return frozen()

    with (
        pytest.raises(Conflict, match=f"vừa chấm chéo {re.escape(raced_name)}$"),
        session_scope() as s,
    ):
        event.listen(s, "do_orm_execute", arrives_after_the_read)
        _submit(s, campaign, reviewer, reviews)
    assert s.info.get("raced")
    with session_scope() as s:
        assert _counts(s) == (0, 0, 0)  # the refused submit wrote nothing
