"""`pending` and `status` read only the campaigns that concern the person, chosen in SQL."""

from sqlmodel import Session, col, select

from models import Cluster, MemberRole, Membership, StageRun, Unit
from rules.stages import Stage
from simulation.synthetic import load_synthetic
from thidua.db import create_schema, session_scope
from thidua.sample import ADMIN, DIRECTORATE, MOVEMENT, commander_username, officer_username
from thidua.services import pending, queries
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle

YEAR = 2030


def _three_open_campaigns() -> dict[str, int]:
    create_schema()
    with session_scope() as s:
        codes = load_synthetic(s, clusters=3, year=YEAR, seed=5)
        _, started = start_cycle(
            s,
            actor=get_actor(s, ADMIN[0]),
            year=YEAR,
            movement_code=MOVEMENT[0],
            cluster_codes=codes,
        )
        for c in started:  # the flow would open stage 1; here the reads need an open stage
            from thidua.services.context import load_campaign
            from thidua.services.stages import ensure_open

            ensure_open(s, load_campaign(s, c.campaign_id))
    return {c.cluster_code: c.campaign_id for c in started}


def _unit_of(s: Session, cluster: str, role: MemberRole) -> str:
    return (
        s.exec(
            select(Unit.code)
            .join(Membership, col(Membership.unit_id) == col(Unit.id))
            .join(Cluster, col(Cluster.id) == col(Membership.cluster_id))
            .where(Cluster.code == cluster, Membership.role == role, Membership.year == YEAR)
            .order_by(col(Unit.code))
        ).first()
        or ""
    )


def test_an_officer_and_a_leader_see_their_own_clusters_campaign_only(database_url: str) -> None:
    campaigns = _three_open_campaigns()
    with session_scope() as s:
        officer = get_actor(s, officer_username("S002-PTM"))
        assert queries.campaign_ids(s, concerning=officer, open_only=True) == [
            campaigns["CTD-S002"]
        ]
        assert {p.campaign_id for p in pending.pending(s, officer)} == {campaigns["CTD-S002"]}
        assert [st.campaign_id for st in queries.status(s, concerning=officer)] == [
            campaigns["CTD-S002"]
        ]
        leader = get_actor(s, commander_username(_unit_of(s, "CTD-S002", MemberRole.LEADER)))
        assert queries.campaign_ids(s, concerning=leader) == [campaigns["CTD-S002"]]
        # The commander of a unit that does not lead its cluster has no leader's work there.
        member = get_actor(s, commander_username(_unit_of(s, "CTD-S002", MemberRole.MEMBER)))
        assert member.role == leader.role
        assert queries.campaign_ids(s, concerning=member) == []


def test_the_directorate_sees_only_what_reached_it(database_url: str) -> None:
    campaigns = _three_open_campaigns()
    with session_scope() as s:
        directorate = get_actor(s, DIRECTORATE[0])
        assert queries.campaign_ids(s, concerning=directorate) == []
        run = s.exec(select(StageRun).where(StageRun.campaign_id == campaigns["CTD-S003"])).one()
        run.stage = Stage.APPROVAL  # as if the cluster had voted
        s.add(run)
        s.flush()
        assert queries.campaign_ids(s, concerning=directorate) == [campaigns["CTD-S003"]]
        admin = get_actor(s, ADMIN[0])
        assert queries.campaign_ids(s, concerning=admin) == []
        assert queries.campaign_ids(s) == sorted(campaigns.values())
