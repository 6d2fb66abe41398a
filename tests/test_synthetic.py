"""Synthetic clusters for scale tests and benchmarks: shaped like the sample, deterministic."""

from collections import Counter

from sqlmodel import col, func, select

from models import Actor, Cluster, MemberRole, Membership, Unit
from simulation.participants import Script
from simulation.synthetic import drive_in_process, load_synthetic
from thidua.db import create_schema, session_scope
from thidua.sample import ADMIN, MOVEMENT, commander_username, officer_username
from thidua.services.context import get_actor
from thidua.services.cycles import start_cycle
from thidua.services.queries import report


def test_clusters_of_ten_units_with_a_leader_a_deputy_and_their_people(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        codes = load_synthetic(s, clusters=3, year=2030, seed=5)
    with session_scope() as s:
        assert load_synthetic(s, clusters=3, year=2030, seed=5) == codes  # idempotent
        assert codes == ["CTD-S001", "CTD-S002", "CTD-S003"]
        assert s.exec(select(func.count()).select_from(Cluster)).one() == 3
        assert s.exec(select(func.count()).select_from(Unit)).one() == 30
        roles = Counter(
            (m.cluster_id, m.role) for m in s.exec(select(Membership)).all() if m.role != "member"
        )
        assert sorted(roles.values()) == [1] * 6  # one leader and one deputy per cluster
        unit = s.exec(select(Unit).where(col(Unit.code) == "S002-PTM")).one()
        assert unit.name == "Phòng Tham mưu Công an tỉnh Hải Dương"
        for username in (officer_username(unit.code), commander_username(unit.code)):
            assert s.exec(select(Actor).where(Actor.username == username)).one().unit_id == unit.id
        leader = s.exec(select(Membership).where(Membership.role == MemberRole.LEADER)).first()
        assert leader is not None


def test_a_synthetic_campaign_runs_to_the_end_in_process(database_url: str) -> None:
    create_schema()
    with session_scope() as s:
        codes = load_synthetic(s, clusters=1, year=2030, seed=5)
        _, started = start_cycle(
            s,
            actor=get_actor(s, ADMIN[0]),
            year=2030,
            movement_code=MOVEMENT[0],
            cluster_codes=codes,
        )
    cid = started[0].campaign_id
    drive_in_process(cid, Script(late_unit=None, returned_unit=None))
    with session_scope() as s:
        data = report(s, cid)
    assert data["status"] == "completed" and data["nominations"]
    assert len(data["ranking"]) == 10
