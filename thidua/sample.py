"""The sample data: Emulation Cluster No. 4 of Hanoi City Police, as in shared/seed (2019)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from models import (
    Actor,
    Channel,
    ChannelKind,
    Cluster,
    MemberRole,
    Membership,
    Movement,
    Role,
    TitleHistory,
    Unit,
)

BODY = "Công an thành phố Hà Nội"
CLUSTER = ("CTD4", "Cụm thi đua số 4")
MOVEMENT = ("VANTQ", "Vì an ninh Tổ quốc")
YEAR = 2019

UNITS: tuple[tuple[str, str], ...] = (
    ("PTM", "Phòng Tham mưu"),
    ("PTCCB", "Phòng Tổ chức cán bộ"),
    ("PHC", "Phòng Hậu cần"),
    ("PTC", "Phòng Tài chính"),
    ("BANTD", "Báo An ninh Thủ đô"),
    ("TTHL", "Trung tâm Huấn luyện và bồi dưỡng nghiệp vụ CATP"),
    ("PXDPT", "Phòng Xây dựng phong trào bảo vệ an ninh Tổ quốc"),
    ("CTT8", "Công ty Tháng Tám"),
    ("TTR", "Thanh tra CATP"),
    ("PCTD", "Phòng Công tác Đảng - Công tác chính trị"),
)
# The article names the 2020 leader and deputy (Tổ chức cán bộ, Tài chính) but not 2019's;
# the sample assumes Phòng Tham mưu led and Phòng Hậu cần deputised in 2019.
LEADER_2019, DEPUTY_2019 = "PTM", "PHC"

# Titles of 2018, so that prerequisites over earlier years have something to check.
HISTORY_2018: tuple[tuple[str, str], ...] = (
    ("PTM", "Đơn vị Quyết thắng"),
    ("PHC", "Đơn vị Quyết thắng"),
    ("PTCCB", "Đơn vị tiên tiến"),
    ("BANTD", "Đơn vị tiên tiến"),
)

DIRECTORATE = ("bgd.phogiamdoc", "Phó Giám đốc CATP Hà Nội (Ban Giám đốc)")
COUNCIL = ("hoidong.thuky", "Thư ký Hội đồng Thi đua - Khen thưởng CATP Hà Nội")
ADMIN = ("quantri", "Quản trị hệ thống thi đua")
MAIL_DOMAIN = "catp.hanoi.example"  # every sample person gets <username>@ this (RFC 2606)


def officer_username(unit_code: str) -> str:
    return f"canbo.{unit_code.lower()}"


def commander_username(unit_code: str) -> str:
    return f"chihuy.{unit_code.lower()}"


@dataclass(frozen=True)
class SampleSummary:
    units: int
    actors: int
    created: bool


def load_sample(session: Session, *, year: int = YEAR, drives: bool = False) -> SampleSummary:
    """Idempotent: loading twice leaves one copy of everything. `drives`: with the four 2019
    emulation drives, launched, reported, confirmed and recorded through the services, so with
    their audit events (`thidua init --sample`; tests that count events load without them)."""
    created = False

    def get_or_add(model: type, where: dict[str, object], **values: object) -> object:
        nonlocal created
        stmt = select(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        row = session.exec(stmt).first()
        if row is None:
            row = model(**where, **values)
            session.add(row)
            session.flush()
            created = True
        return row

    cluster = get_or_add(Cluster, {"code": CLUSTER[0]}, name=CLUSTER[1], body=BODY)
    get_or_add(Movement, {"code": MOVEMENT[0]}, name=MOVEMENT[1])
    assert isinstance(cluster, Cluster)
    actors = 0
    for code, name in UNITS:
        unit = get_or_add(Unit, {"code": code}, name=name)
        assert isinstance(unit, Unit)
        role = {LEADER_2019: MemberRole.LEADER, DEPUTY_2019: MemberRole.DEPUTY}.get(
            code, MemberRole.MEMBER
        )
        get_or_add(
            Membership, {"cluster_id": cluster.id, "unit_id": unit.id, "year": year}, role=role
        )
        get_or_add(
            Actor,
            {"username": officer_username(code)},
            full_name=f"Cán bộ thi đua {name}",
            role=Role.UNIT_OFFICER,
            unit_id=unit.id,
        )
        get_or_add(
            Actor,
            {"username": commander_username(code)},
            full_name=f"Chỉ huy {name}",
            role=Role.CLUSTER_LEADER,
            unit_id=unit.id,
        )
        actors += 2
    for code, title in HISTORY_2018:
        unit = session.exec(select(Unit).where(Unit.code == code)).one()
        get_or_add(TitleHistory, {"unit_id": unit.id, "year": 2018, "title": title})
    get_or_add(Actor, {"username": DIRECTORATE[0]}, full_name=DIRECTORATE[1], role=Role.DIRECTORATE)
    get_or_add(Actor, {"username": COUNCIL[0]}, full_name=COUNCIL[1], role=Role.COUNCIL)
    get_or_add(Actor, {"username": ADMIN[0]}, full_name=ADMIN[1], role=Role.ADMIN)
    usernames = [u for code, _ in UNITS for u in (officer_username(code), commander_username(code))]
    for username in [*usernames, DIRECTORATE[0], COUNCIL[0], ADMIN[0]]:
        actor = session.exec(select(Actor).where(Actor.username == username)).one()
        get_or_add(
            Channel,
            {"actor_id": actor.id, "kind": ChannelKind.EMAIL},
            address=f"{username}@{MAIL_DOMAIN}",
        )
    if drives and year == YEAR:
        from thidua.sample_drives import load_sample_drives

        session.flush()
        created |= bool(
            load_sample_drives(
                session,
                units=tuple(code for code, _ in UNITS),
                leader=commander_username(LEADER_2019),
                directorate=DIRECTORATE[0],
                cluster=CLUSTER[0],
            )
        )
    return SampleSummary(units=len(UNITS), actors=actors + 3, created=created)


def sample_org(*, year: int = YEAR) -> dict[str, list[dict[str, object]]]:
    """The sample as an organisation file (`thidua org import`): the same rows as load_sample."""
    leaders = {LEADER_2019: "leader", DEPUTY_2019: "deputy"}
    people: list[dict[str, object]] = []
    for code, name in UNITS:
        for username, full_name, role in (
            (officer_username(code), f"Cán bộ thi đua {name}", Role.UNIT_OFFICER),
            (commander_username(code), f"Chỉ huy {name}", Role.CLUSTER_LEADER),
        ):
            people.append(
                {"username": username, "full_name": full_name, "unit": code, "role": role.value}
            )
    for (username, full_name), role in (
        (DIRECTORATE, Role.DIRECTORATE),
        (COUNCIL, Role.COUNCIL),
        (ADMIN, Role.ADMIN),
    ):
        people.append({"username": username, "full_name": full_name, "role": role.value})
    for person in people:
        person.update(language="vi", email=f"{person['username']}@{MAIL_DOMAIN}")
    return {
        "movements": [{"code": MOVEMENT[0], "name": MOVEMENT[1]}],
        "clusters": [{"code": CLUSTER[0], "name": CLUSTER[1], "body": BODY}],
        "units": [{"code": code, "name": name} for code, name in UNITS],
        "memberships": [
            {"year": year, "cluster": CLUSTER[0], "unit": code, "role": leaders.get(code, "member")}
            for code, _ in UNITS
        ],
        "people": people,
        "past_titles": [{"unit": code, "year": 2018, "title": t} for code, t in HISTORY_2018],
    }
