"""A nation's peer reviews scored at once (gaps.rankings over gaps.open_reviews, the batched
reads) give each campaign exactly the ranking its own close computes and stores."""

import pytest
from sqlmodel import select

from bench.bulkload import fill_peer_review
from bench.domain import prepare, start
from models import StageRun
from rules.stages import Stage
from thidua.db import get_engine, session_scope
from thidua.services import gaps
from thidua.services.context import load_campaign
from thidua.services.progress import Verdict
from thidua.services.results import ranking_of
from thidua.services.stages import close_stage


def test_every_open_review_at_once_gives_each_campaign_its_own_close_s_ranking(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    start(prepare(3))
    fill_peer_review(get_engine())
    monkeypatch.setattr(gaps, "CHUNK", 2)  # three campaigns read in two batches
    with session_scope() as s:
        reviews = gaps.open_reviews(s)
        assert sorted(r.campaign_id for r in reviews) == sorted(
            s.exec(select(StageRun.campaign_id).where(StageRun.stage == Stage.PEER_REVIEW)).all()
        )
        together = gaps.rankings(s, reviews)
        for r in reviews:
            view = load_campaign(s, r.campaign_id)
            run = s.get(StageRun, r.run_id)
            assert run is not None
            alone = gaps.rankings(s, [gaps.Review.of(view, run)])
            assert alone == {r.run_id: together[r.run_id]}
            assert [u.unit for u in together[r.run_id]] != []
    for r in reviews:
        with session_scope() as s:
            run = s.get(StageRun, r.run_id)
            assert run is not None
            assert close_stage(s, load_campaign(s, r.campaign_id), run, Verdict.CONFIRMED)
        with session_scope() as s:
            stored = ranking_of(s, r.campaign_id)
        assert stored is not None
        assert [u.model_dump(mode="json") for u in stored] == [
            u.model_dump(mode="json") for u in together[r.run_id]
        ]
