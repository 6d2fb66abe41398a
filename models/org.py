"""The organisation: units, clusters, yearly membership, people and their roles."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow

CODE_PATTERN = r"^[A-Za-z0-9_.-]+$"


class Role(StrEnum):
    UNIT_OFFICER = "unit_officer"  # submits for one unit
    CLUSTER_LEADER = "cluster_leader"  # acts for the cluster while their unit leads it
    DIRECTORATE = "directorate"  # Ban Giám đốc
    COUNCIL = "council"  # Hội đồng Thi đua - Khen thưởng: decides on nominations
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.UNIT_OFFICER: "Cán bộ đơn vị",
    Role.CLUSTER_LEADER: "Chỉ huy đơn vị Cụm trưởng",
    Role.DIRECTORATE: "Ban Giám đốc",
    Role.COUNCIL: "Hội đồng Thi đua - Khen thưởng",
    Role.ADMIN: "Quản trị hệ thống",
}


class MemberRole(StrEnum):
    LEADER = "leader"  # Cụm trưởng
    DEPUTY = "deputy"  # Cụm phó
    MEMBER = "member"


class UnitBase(SQLModel):
    code: str = Field(index=True, unique=True, min_length=1, max_length=32, regex=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)


class Unit(UnitBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # A unit with history is never deleted: from this year on it is no longer in any cluster.
    retired_from: int | None = None


class UnitPublic(UnitBase):
    id: int


class ClusterBase(SQLModel):
    code: str = Field(index=True, unique=True, min_length=1, max_length=32, regex=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=200)  # the parent body, e.g. Công an thành phố Hà Nội


class Cluster(ClusterBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class ClusterPublic(ClusterBase):
    id: int


class Membership(SQLModel, table=True):
    """A unit's place in a cluster for one year; leader and deputy are elected for a year."""

    __table_args__ = (UniqueConstraint("cluster_id", "unit_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    cluster_id: int = Field(foreign_key="cluster.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int = Field(index=True)
    role: MemberRole = MemberRole.MEMBER
    # Leader or deputy kept from the year before because the vote elected no one (no quorum,
    # an unresolved tie), until the directorate appoints others (`thidua org appoint`).
    carried_over: bool = False


class ActorBase(SQLModel):
    username: str = Field(index=True, unique=True, min_length=1, max_length=64, regex=CODE_PATTERN)
    full_name: str = Field(min_length=1, max_length=200)
    role: Role
    # Indexed: a stage's officers are found by their units at every stage open and close.
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    email: str | None = None
    language: str = "vi"
    rank: str | None = Field(default=None, max_length=100)  # cấp bậc, e.g. Thượng tá
    position: str | None = Field(default=None, max_length=200)  # chức vụ, e.g. Trưởng phòng


class Actor(ActorBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    secret_hash: str | None = (
        None  # sha256 of the secret issued by thidua; the secret is never stored
    )
    active: bool = True
    retired_from: int | None = None  # no longer active from this year on (never deleted)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class ActorPublic(ActorBase):
    id: int


class TitleHistory(SQLModel, table=True):
    """Titles a unit held in earlier years: what prerequisites are checked against."""

    __table_args__ = (UniqueConstraint("unit_id", "year", "title"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int
    # "" records that the unit earned no title that year: the year is on record all the same.
    title: str
    decision_no: str | None = Field(default=None, max_length=64)  # the source of an imported title
    decided_on: date | None = None
