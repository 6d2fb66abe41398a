"""Synthetic organisations for scale tests and benchmarks: many clusters shaped like the sample.

Cluster i is `CTD-S{i:03d}` ("Cụm thi đua số S{i:03d}"), with `units_per_cluster` units of one
province's police (Phòng Tham mưu Công an tỉnh Bắc Ninh, …), a leader and a deputy for the
year, officers and commanders named as in the sample (canbo.<unit>, chihuy.<unit>), the
movement, the admin and the directorate of the sample, and some titles of the year before so
that prerequisites have history to check. Deterministic for a seed.
"""

import random

from sqlmodel import Session, col, select

from models import (
    Actor,
    Cluster,
    MemberRole,
    Membership,
    Movement,
    Role,
    StageRun,
    TitleHistory,
    Unit,
)
from rules.stages import Stage
from simulation.participants import Script, act
from thidua.db import session_scope
from thidua.sample import (
    ADMIN,
    BODY,
    DIRECTORATE,
    MOVEMENT,
    commander_username,
    officer_username,
)
from thidua.services import decisions
from thidua.services.context import get_actor, load_campaign
from thidua.services.stages import close_stage
from thidua.services.waits import answer, plan_step

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("PTM", "Phòng Tham mưu"),
    ("PTCCB", "Phòng Tổ chức cán bộ"),
    ("PHC", "Phòng Hậu cần"),
    ("PTC", "Phòng Tài chính"),
    ("PCSHS", "Phòng Cảnh sát hình sự"),
    ("PCSGT", "Phòng Cảnh sát giao thông"),
    ("PANKT", "Phòng An ninh kinh tế"),
    ("PCTD", "Phòng Công tác Đảng và công tác chính trị"),
    ("PPCCC", "Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ"),
    ("TTR", "Thanh tra"),
    ("PCSQLHC", "Phòng Cảnh sát quản lý hành chính về trật tự xã hội"),
    ("PCSKT", "Phòng Cảnh sát kinh tế"),
    ("PCSMT", "Phòng Cảnh sát phòng chống tội phạm về môi trường"),
    ("PXDPT", "Phòng Xây dựng phong trào bảo vệ an ninh Tổ quốc"),
    ("PKTHS", "Phòng Kỹ thuật hình sự"),
)

PROVINCES: tuple[str, ...] = (
    "tỉnh Bắc Ninh",
    "tỉnh Hải Dương",
    "tỉnh Hưng Yên",
    "tỉnh Thái Bình",
    "tỉnh Nam Định",
    "tỉnh Ninh Bình",
    "tỉnh Hà Nam",
    "tỉnh Vĩnh Phúc",
    "tỉnh Phú Thọ",
    "tỉnh Thái Nguyên",
    "tỉnh Bắc Giang",
    "tỉnh Quảng Ninh",
    "thành phố Hải Phòng",
    "tỉnh Thanh Hóa",
    "tỉnh Nghệ An",
    "tỉnh Hà Tĩnh",
    "tỉnh Quảng Bình",
    "tỉnh Quảng Trị",
    "thành phố Huế",
    "thành phố Đà Nẵng",
    "tỉnh Quảng Nam",
    "tỉnh Quảng Ngãi",
    "tỉnh Bình Định",
    "tỉnh Phú Yên",
    "tỉnh Khánh Hòa",
    "tỉnh Lâm Đồng",
    "tỉnh Đắk Lắk",
    "tỉnh Gia Lai",
    "tỉnh Kon Tum",
    "tỉnh Bình Dương",
    "tỉnh Đồng Nai",
    "tỉnh Long An",
    "tỉnh Tiền Giang",
    "tỉnh Bến Tre",
    "tỉnh Vĩnh Long",
    "thành phố Cần Thơ",
    "tỉnh An Giang",
    "tỉnh Kiên Giang",
    "tỉnh Cà Mau",
    "tỉnh Sóc Trăng",
)

PAST_TITLES = ("Đơn vị Quyết thắng", "Đơn vị tiên tiến")


def cluster_code(i: int) -> str:
    return f"CTD-S{i:03d}"


def unit_code(i: int, j: int) -> str:
    return f"S{i:03d}-{DEPARTMENTS[j][0]}"


def _province(i: int) -> str:
    place = PROVINCES[(i - 1) % len(PROVINCES)]
    round_ = (i - 1) // len(PROVINCES)
    return place if round_ == 0 else f"{place} (khu vực {round_ + 1})"


def _get_or_add_actor(session: Session, username: str, **values: object) -> None:
    if session.exec(select(Actor.id).where(Actor.username == username)).first() is None:
        session.add(Actor(username=username, **values))  # type: ignore[arg-type]


def load_synthetic(
    session: Session, *, clusters: int, units_per_cluster: int = 10, year: int, seed: int
) -> list[str]:
    """Create `clusters` clusters of `units_per_cluster` units with their members in `year`;
    returns the cluster codes. Idempotent per cluster: a cluster already there is left as is."""
    if not 3 <= units_per_cluster <= len(DEPARTMENTS):
        raise ValueError(f"units_per_cluster must be within 3..{len(DEPARTMENTS)}")
    if session.exec(select(Movement.id).where(Movement.code == MOVEMENT[0])).first() is None:
        session.add(Movement(code=MOVEMENT[0], name=MOVEMENT[1]))
    _get_or_add_actor(session, ADMIN[0], full_name=ADMIN[1], role=Role.ADMIN)
    _get_or_add_actor(session, DIRECTORATE[0], full_name=DIRECTORATE[1], role=Role.DIRECTORATE)
    existing = set(
        session.exec(
            select(Cluster.code).where(
                col(Cluster.code).in_([cluster_code(i) for i in range(1, clusters + 1)])
            )
        ).all()
    )
    codes = []
    for i in range(1, clusters + 1):
        code = cluster_code(i)
        codes.append(code)
        if code in existing:
            continue
        rng = random.Random(f"{seed}:{code}")
        province = _province(i)
        cluster = Cluster(code=code, name=f"Cụm thi đua số S{i:03d}", body=BODY)
        units = [
            Unit(code=unit_code(i, j), name=f"{DEPARTMENTS[j][1]} Công an {province}")
            for j in range(units_per_cluster)
        ]
        session.add(cluster)
        session.add_all(units)
        session.flush()
        leader, deputy = rng.sample(range(units_per_cluster), 2)
        for j, unit in enumerate(units):
            assert unit.id is not None and cluster.id is not None
            role = {leader: MemberRole.LEADER, deputy: MemberRole.DEPUTY}.get(j, MemberRole.MEMBER)
            session.add(Membership(cluster_id=cluster.id, unit_id=unit.id, year=year, role=role))
            session.add(
                Actor(
                    username=officer_username(unit.code),
                    full_name=f"Cán bộ thi đua {unit.name}",
                    role=Role.UNIT_OFFICER,
                    unit_id=unit.id,
                )
            )
            session.add(
                Actor(
                    username=commander_username(unit.code),
                    full_name=f"Chỉ huy {unit.name}",
                    role=Role.CLUSTER_LEADER,
                    unit_id=unit.id,
                )
            )
            if rng.random() < 0.4:
                session.add(
                    TitleHistory(unit_id=unit.id, year=year - 1, title=rng.choice(PAST_TITLES))
                )
    session.flush()
    return codes


def drive_in_process(
    campaign_id: int,
    script: Script,
    *,
    until: Stage | None = None,
    approval_reason: str = "",
    max_steps: int = 60,
) -> None:
    """Take a campaign through its stages as its flow run would, without Prefect: plan the next
    step, close a stage that may close, else let the simulated participants (and the directorate,
    which approves) act and answer the wait. Stops when stage `until` is open (None: the end).
    Each step is its own transaction, as in the flow."""
    for _ in range(max_steps):
        with session_scope() as s:
            step = plan_step(s, campaign_id)
        if step.kind == "done" or (until is not None and step.stage == until):
            return
        if step.kind == "close":
            assert step.verdict is not None
            with session_scope() as s:
                run = s.get(StageRun, step.stage_run_id)
                assert run is not None
                close_stage(s, load_campaign(s, campaign_id), run, step.verdict)
            continue
        with session_scope() as s:
            if step.stage == Stage.APPROVAL:
                decisions.decide(
                    s,
                    actor=get_actor(s, DIRECTORATE[0]),
                    campaign_id=campaign_id,
                    outcome=decisions.Outcome.APPROVE,
                    reason=approval_reason,
                )
            else:
                act(s, campaign_id, script)
        assert step.wait_id is not None
        with session_scope() as s:
            answer(s, campaign_id, step.wait_id, {})
    raise RuntimeError(f"campaign {campaign_id} did not reach {until or 'the end'}")
