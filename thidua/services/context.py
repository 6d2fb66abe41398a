"""Reading what a command needs: the actor, the campaign, its members, rules and open stage."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as SASession
from sqlmodel import Session, col, select

from models import (
    Actor,
    Campaign,
    Cluster,
    Cycle,
    MemberRole,
    Membership,
    Movement,
    StageRun,
    Unit,
)
from rules.ballot import validate_ballot
from rules.config import CycleRules
from rules.results import BallotContent
from rules.stages import Stage
from thidua.errors import NotFound, WrongStage
from thidua.limits import MAX_ID


@lru_cache(maxsize=64)
def parse_rules(rules_json: str) -> CycleRules:
    """A cycle's stored rules, parsed once per text (they are fixed when the cycle starts)."""
    return CycleRules.model_validate_json(rules_json)


@dataclass(frozen=True)
class CampaignView:
    """A campaign with everything its commands check against, read once per command."""

    campaign: Campaign
    cycle: Cycle
    movement: Movement
    cluster: Cluster
    rules: CycleRules
    members: tuple[Unit, ...]  # member units of the cluster in the cycle's year, by code
    leader: Unit | None
    deputy: Unit | None

    @property
    def id(self) -> int:
        assert self.campaign.id is not None
        return self.campaign.id

    @property
    def year(self) -> int:
        return self.cycle.year

    @property
    def member_codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.members)

    @property
    def run_name(self) -> str:
        return f"{self.year} · {self.cluster.name} · {self.movement.name}"

    def unit(self, code: str) -> Unit:
        for u in self.members:
            if u.code == code:
                return u
        raise NotFound(f"Đơn vị '{code}' không phải thành viên {self.cluster.name} năm {self.year}")

    def unit_by_id(self, unit_id: int) -> Unit:
        for u in self.members:
            if u.id == unit_id:
                return u
        raise NotFound(f"Đơn vị #{unit_id} không thuộc cụm")


def get_actor(session: Session, username: str) -> Actor:
    actor = session.exec(select(Actor).where(Actor.username == username)).first()
    if actor is None or not actor.active:
        raise NotFound(f"Không có người dùng '{username}'")
    return actor


def get_unit(session: Session, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"Không có đơn vị mã '{code}'")
    return unit


_VIEWS = "thidua.campaign_views"
# What a view is read from: a write to any of these in the transaction drops the views read.
_VIEWED = (Campaign, Cycle, Movement, Cluster, Membership, Unit)


def load_campaign(session: Session, campaign_id: int) -> CampaignView:
    """The campaign's view, read once per transaction: a command, the flows' steps and the
    simulated participants ask for it many times in one transaction (about 60 times per
    cluster in a cycle). Dropped when the transaction ends or rolls back (a savepoint too),
    and when anything it is read from is written in it or expunged, so a later call reads
    what the first would read now. Under `no_autoflush` it is read afresh, as before."""
    if not session.autoflush:
        return _read_campaign(session, campaign_id)
    # The flush the read's own query made first: a write pending to what a view is read from
    # is flushed now, and the flush drops the views (_drop_views_written).
    session.flush()
    views: dict[int, CampaignView] = session.info.setdefault(_VIEWS, {})
    view = views.get(campaign_id)
    if view is None:
        view = views[campaign_id] = _read_campaign(session, campaign_id)
    return view


@event.listens_for(SASession, "after_flush")
def _drop_views_written(session: SASession, _context: object) -> None:
    if session.info.get(_VIEWS) and any(
        isinstance(o, _VIEWED) for o in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info.pop(_VIEWS, None)


@event.listens_for(SASession, "do_orm_execute")
def _drop_views_bulk(state: ORMExecuteState) -> None:
    if not state.is_select and state.session.info.get(_VIEWS):
        state.session.info.pop(_VIEWS, None)


@event.listens_for(SASession, "persistent_to_detached")
def _drop_views_detached(session: SASession, instance: object) -> None:
    if isinstance(instance, _VIEWED):  # expunged: a read now would load it again
        session.info.pop(_VIEWS, None)


@event.listens_for(SASession, "after_soft_rollback")
def _drop_views_rolled_back(session: SASession, _previous: object) -> None:
    session.info.pop(_VIEWS, None)


@event.listens_for(SASession, "after_transaction_end")
def _drop_views_ended(session: SASession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_VIEWS, None)


def _read_campaign(session: Session, campaign_id: int) -> CampaignView:
    # An id no integer column can hold would overflow the driver instead of finding nothing.
    in_range = 1 <= campaign_id <= MAX_ID
    campaign = session.get(Campaign, campaign_id) if in_range else None
    if campaign is None:
        raise NotFound(f"Không có đợt bình xét (campaign) #{campaign_id}")
    cycle = session.get(Cycle, campaign.cycle_id)
    cluster = session.get(Cluster, campaign.cluster_id)
    assert cycle is not None and cluster is not None
    movement = session.get(Movement, cycle.movement_id)
    assert movement is not None
    rows = session.exec(
        select(Membership, Unit)
        .join(Unit, col(Unit.id) == col(Membership.unit_id))
        .where(Membership.cluster_id == cluster.id, Membership.year == cycle.year)
        .order_by(col(Unit.code))
    ).all()
    leader = next((u for m, u in rows if m.role == MemberRole.LEADER), None)
    deputy = next((u for m, u in rows if m.role == MemberRole.DEPUTY), None)
    return CampaignView(
        campaign=campaign,
        cycle=cycle,
        movement=movement,
        cluster=cluster,
        rules=parse_rules(cycle.rules_json),
        members=tuple(u for _, u in rows),
        leader=leader,
        deputy=deputy,
    )


Lock = Literal["share", "update"] | None


def open_stage_run(session: Session, view: CampaignView, lock: Lock = None) -> StageRun | None:
    """The campaign's open stage run, if one is open.

    `lock` holds the row until the transaction ends (PostgreSQL; SQLite's writers run one at a
    time anyway): "share" for an input written into the stage (several at once), so that the
    stage cannot close under it and closing counts it; "update" for a decision on the stage
    (one at a time), which then sees what the one before it wrote. Closing takes "update" too,
    so an input either lands before the close and is counted, or finds the stage closed.
    """
    stmt = (
        select(StageRun)
        .where(StageRun.campaign_id == view.id, col(StageRun.closed_at).is_(None))
        .order_by(col(StageRun.id).desc())
    )
    if lock is not None:
        stmt = stmt.with_for_update(read=lock == "share").execution_options(populate_existing=True)
    return session.exec(stmt).first()


def require_open_stage(
    session: Session, view: CampaignView, stage: object, lock: Lock = None
) -> StageRun:
    run = open_stage_run(session, view, lock)
    if run is None or run.stage != stage or view.campaign.stage != stage:
        current = view.campaign.stage.label
        state = "đang mở" if run is not None else "đã đóng"
        raise WrongStage(
            f"{view.run_name}: giai đoạn hiện tại là '{current}' ({state}); "
            f"không thể thực hiện việc của giai đoạn '{getattr(stage, 'label', stage)}'"
        )
    return run


def latest_stage_run(session: Session, campaign_id: int, stage: object) -> StageRun | None:
    return session.exec(
        select(StageRun)
        .where(StageRun.campaign_id == campaign_id, StageRun.stage == stage)
        .order_by(col(StageRun.attempt).desc())
    ).first()


def latest_closed_run(session: Session, campaign_id: int, stage: Stage) -> StageRun | None:
    """The stage's latest closed run (a return by the directorate reopens a stage)."""
    return session.exec(
        select(StageRun)
        .where(
            StageRun.campaign_id == campaign_id,
            StageRun.stage == stage,
            col(StageRun.closed_at).is_not(None),
        )
        .order_by(col(StageRun.attempt).desc())
    ).first()


def apply_ballot_rules(
    view: CampaignView, voter: str, ballot: BallotContent, proposed: Mapping[str, str | None]
) -> None:
    """The cycle's ballot rules for `voter`'s ballot (RuleViolation lists what breaks them)."""
    validate_ballot(
        ballot,
        voter=voter,
        members=view.member_codes,
        proposed_titles=proposed,
        allow_self_title=view.rules.vote.self_title_vote,
    )
