"""The organisation file: its sheets, their columns, one pydantic model per row.

The same sheets are the keys of the YAML file and the worksheets of the Excel workbook, with the
same column names, so either can be exported, edited and imported again.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from models.org import CODE_PATTERN, MemberRole, Role
from thidua.limits import text_problem

MIN_YEAR, MAX_YEAR = 2000, 2100
LANGUAGES = ("vi", "en")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _one_line(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        problem = text_problem(value, max_length=limit)
        if problem:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"địa chỉ e-mail không hợp lệ '{value}'")
    return value


def _webhook(value: str) -> str:
    if not value.startswith("https://") or len(value) <= len("https://"):
        raise ValueError(f"địa chỉ webhook phải là URL https:// (nhận được '{value}')")
    return value


def _day(value: Any) -> Any:
    """A cell of a date: a date, an Excel datetime, YYYY-MM-DD or dd/mm/yyyy."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and (m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)):
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            raise ValueError(f"ngày không tồn tại '{value}'") from None
    return value


def _whole(value: Any) -> Any:
    # Excel keeps every number as a float: 2019.0 is the year 2019.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Code = Annotated[str, Field(min_length=1, max_length=32, pattern=CODE_PATTERN)]
Username = Annotated[str, Field(min_length=1, max_length=64, pattern=CODE_PATTERN)]
Name = Annotated[str, Field(min_length=1), _one_line(200)]
Year = Annotated[int, BeforeValidator(_whole), Field(ge=MIN_YEAR, le=MAX_YEAR)]
Day = Annotated[date, BeforeValidator(_day)]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MovementRow(_Row):
    code: Code
    name: Name


class ClusterRow(_Row):
    code: Code
    name: Name
    body: Annotated[str, _one_line(200)] = ""


class UnitRow(_Row):
    code: Code
    name: Name
    retired_from: Year | None = None


class MembershipRow(_Row):
    year: Year
    cluster: Code
    unit: Code
    role: MemberRole = MemberRole.MEMBER


class PersonRow(_Row):
    username: Username
    full_name: Name
    rank: Annotated[str, _one_line(100)] | None = None
    position: Annotated[str, _one_line(200)] | None = None
    unit: Code | None = None
    role: Role
    language: Literal["vi", "en"] = "vi"
    email: Annotated[str, _one_line(320), AfterValidator(_email)] | None = None
    webhook: Annotated[str, _one_line(500), AfterValidator(_webhook)] | None = None
    retired_from: Year | None = None


class TitleRow(_Row):
    unit: Code
    year: Year
    title: Annotated[str, _one_line(200)] = ""  # empty: on record, no title that year
    decision_no: Annotated[str, _one_line(64)] | None = None
    decision_date: Day | None = None


@dataclass(frozen=True)
class Column:
    key: str
    comment: str  # shown on the header cell of the workbook


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str  # what the sheet holds, in Vietnamese
    model: type[_Row]
    columns: tuple[Column, ...]


_ROLES = ", ".join(r.value for r in Role)
_MEMBER_ROLES = ", ".join(r.value for r in MemberRole)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "movements",
        "Phong trào thi đua",
        MovementRow,
        (
            Column("code", "Mã phong trào (chữ, số, _ . -), ví dụ VANTQ. Bắt buộc, không trùng."),
            Column("name", "Tên phong trào, ví dụ: Vì an ninh Tổ quốc. Bắt buộc."),
        ),
    ),
    Sheet(
        "clusters",
        "Cụm thi đua",
        ClusterRow,
        (
            Column("code", "Mã cụm thi đua, ví dụ CTD4. Bắt buộc, không trùng."),
            Column("name", "Tên cụm, ví dụ: Cụm thi đua số 4. Bắt buộc."),
            Column("body", "Cơ quan cấp trên, ví dụ: Công an thành phố Hà Nội."),
        ),
    ),
    Sheet(
        "units",
        "Đơn vị",
        UnitRow,
        (
            Column("code", "Mã đơn vị, ví dụ PTM. Bắt buộc, không trùng."),
            Column("name", "Tên đơn vị. Bắt buộc."),
            Column("retired_from", "Năm đơn vị thôi hoạt động (để trống nếu còn hoạt động)."),
        ),
    ),
    Sheet(
        "memberships",
        "Thành viên cụm theo năm",
        MembershipRow,
        (
            Column("year", "Năm thi đua, ví dụ 2025."),
            Column("cluster", "Mã cụm thi đua (có trong trang clusters)."),
            Column("unit", "Mã đơn vị (có trong trang units). Mỗi năm một đơn vị chỉ ở một cụm."),
            Column("role", f"Vai trò trong cụm: {_MEMBER_ROLES}. Mỗi cụm mỗi năm một leader."),
        ),
    ),
    Sheet(
        "people",
        "Người dùng",
        PersonRow,
        (
            Column("username", "Tên đăng nhập (chữ, số, _ . -). Bắt buộc, không trùng."),
            Column("full_name", "Họ và tên. Bắt buộc."),
            Column("rank", "Cấp bậc, ví dụ: Thượng tá."),
            Column("position", "Chức vụ, ví dụ: Trưởng phòng."),
            Column("unit", "Mã đơn vị (bắt buộc với unit_officer và cluster_leader)."),
            Column("role", f"Vai trò: {_ROLES}."),
            Column("language", "Ngôn ngữ thông báo: vi hoặc en (mặc định vi)."),
            Column("email", "Địa chỉ e-mail nhận thông báo."),
            Column("webhook", "URL https:// nhận thông báo (tùy chọn)."),
            Column("retired_from", "Năm người dùng thôi hoạt động (để trống nếu còn)."),
        ),
    ),
    Sheet(
        "past_titles",
        "Danh hiệu các năm trước",
        TitleRow,
        (
            Column("unit", "Mã đơn vị (có trong trang units)."),
            Column("year", "Năm đạt danh hiệu."),
            Column("title", "Danh hiệu, ví dụ: Đơn vị Quyết thắng. Để trống: năm đó không đạt."),
            Column("decision_no", "Số quyết định khen thưởng, ví dụ 1234/QĐ-CAHN."),
            Column("decision_date", "Ngày quyết định (dd/mm/yyyy hoặc yyyy-mm-dd)."),
        ),
    ),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}


@dataclass(frozen=True)
class RawRow:
    """One row as read from the file, before it is checked; `place` names a column's cell."""

    sheet: str
    values: dict[str, Any]
    places: dict[str, str]  # column key → where it is, for messages
    row_place: str  # where the whole row is

    def where(self, key: str | None = None) -> str:
        if key is None:
            return self.row_place
        return self.places.get(key, f"{self.row_place}.{key}")


@dataclass
class OrgData:
    """The organisation as the file states it, every row checked on its own."""

    movements: list[tuple[RawRow, MovementRow]]
    clusters: list[tuple[RawRow, ClusterRow]]
    units: list[tuple[RawRow, UnitRow]]
    memberships: list[tuple[RawRow, MembershipRow]]
    people: list[tuple[RawRow, PersonRow]]
    past_titles: list[tuple[RawRow, TitleRow]]
