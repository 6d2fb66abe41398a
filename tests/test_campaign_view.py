"""A campaign's view is read once per transaction, and read again whenever what it is read from
was written in the transaction, or the transaction rolled back or ended."""

import pytest
from sqlmodel import Session, select

from bench.domain import prepare, start
from models import MemberRole, Membership
from thidua.db import session_scope
from thidua.services.context import CampaignView, load_campaign


@pytest.fixture
def campaign(database_url: str) -> int:
    (cid,) = start(prepare(1))
    return cid


def _swap_leader(s: Session, view: CampaignView) -> str:
    """The deputy leads, the leader deputises; returns the new leader's code."""
    assert view.leader is not None and view.deputy is not None
    rows = s.exec(
        select(Membership).where(
            Membership.cluster_id == view.cluster.id, Membership.year == view.year
        )
    ).all()
    for m in rows:
        if m.unit_id == view.leader.id:
            m.role = MemberRole.DEPUTY
        elif m.unit_id == view.deputy.id:
            m.role = MemberRole.LEADER
        s.add(m)
    return view.deputy.code


def test_the_same_view_within_a_transaction_until_its_sources_are_written(campaign: int) -> None:
    with session_scope() as s:
        first = load_campaign(s, campaign)
        assert load_campaign(s, campaign) is first
        new_leader = _swap_leader(s, first)  # not flushed yet: the next read flushes it
        again = load_campaign(s, campaign)
        assert again is not first
        assert again.leader is not None and again.leader.code == new_leader
        assert load_campaign(s, campaign) is again
        s.expunge_all()
        assert load_campaign(s, campaign) is not again
    with session_scope() as s:  # a new transaction reads again, and sees what was committed
        view = load_campaign(s, campaign)
        assert view.leader is not None and view.leader.code == new_leader


def test_a_rolled_back_savepoint_or_transaction_drops_the_view(campaign: int) -> None:
    with session_scope() as s:
        first = load_campaign(s, campaign)
        leader = first.leader
        assert leader is not None
        nested = s.begin_nested()
        _swap_leader(s, first)
        assert load_campaign(s, campaign).leader != leader
        nested.rollback()
        view = load_campaign(s, campaign)
        assert view.leader is not None and view.leader.code == leader.code
    with pytest.raises(RuntimeError), session_scope() as s:
        view = load_campaign(s, campaign)
        _swap_leader(s, view)
        load_campaign(s, campaign)
        raise RuntimeError("the command fails")
    with session_scope() as s:
        view = load_campaign(s, campaign)
        assert view.leader is not None and view.leader.code == leader.code
