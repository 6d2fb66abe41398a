"""Checking an organisation file: every row on its own, then the rows against each other.

Every problem is collected, with where it is, so that one run reports them all.
"""

from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.org import MemberRole, Role
from thidua.errors import InvalidInput, Problem
from thidua.org.schema import (
    LANGUAGES,
    MAX_YEAR,
    MIN_YEAR,
    SHEET_BY_NAME,
    OrgData,
    RawRow,
)

R = TypeVar("R", bound=BaseModel)

# Roles that act for a unit need one.
UNIT_ROLES = (Role.UNIT_OFFICER, Role.CLUSTER_LEADER)


class OrgProblems(InvalidInput):
    """The file breaks rules; `problems` lists them all, each with where it is."""

    def __init__(self, problems: list[Problem]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__("file", f"tệp có {len(problems)} lỗi, chưa ghi gì:\n{lines}", problems)


def _shown(value: Any) -> str:
    """A value as the person typed it: text quoted (escapes show what cannot be seen), a date
    or a time as Excel shows it, never Python's `datetime.date(2020, 1, 1)`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != time() else _shown(value.date())
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        return repr(value)[:80]
    return str(value)[:80]


def _reason(error: Any, value: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    shown = _shown(value)
    if kind == "missing":
        return "thiếu giá trị bắt buộc"
    if kind == "extra_forbidden":
        return "cột không có trong mẫu"
    if kind == "enum":
        return f"giá trị không hợp lệ {shown}; chọn một trong: {ctx.get('expected', '')}"
    if kind == "literal_error":
        return f"giá trị không hợp lệ {shown}; chọn một trong: {', '.join(LANGUAGES)}"
    if kind == "string_pattern_mismatch":
        return f"mã {shown} chỉ được gồm chữ không dấu, số và _ . -"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"không phải số nguyên: {shown}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"năm {shown} ngoài khoảng {MIN_YEAR}..{MAX_YEAR}"
    if kind == "string_too_long":
        return f"dài quá {ctx.get('max_length')} ký tự"
    if kind == "string_too_short":
        return "không được để trống"
    if kind == "string_type":
        return f"phải là chữ: {shown}"
    if kind.startswith("date"):
        return f"không phải ngày (dd/mm/yyyy hoặc yyyy-mm-dd): {shown}"
    return str(error["msg"]).removeprefix("Value error, ")


def _parse(row: RawRow, model: type[R], problems: list[Problem]) -> R | None:
    values = dict(row.values)
    for key, value in values.items():
        if isinstance(value, int | float) and key not in ("year", "retired_from"):
            values[key] = str(value).removesuffix(".0")  # a code or a number typed as digits
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else None
            problems.append(
                Problem.at(row.where(where), _reason(error, row.values.get(where or "")))
            )
        return None


def parse_rows(sheets: dict[str, list[RawRow]], problems: list[Problem]) -> OrgData:
    parsed: dict[str, list[tuple[RawRow, Any]]] = {}
    for name, rows in sheets.items():
        model = SHEET_BY_NAME[name].model
        parsed[name] = [(r, m) for r in rows if (m := _parse(r, model, problems)) is not None]
    return OrgData(**parsed)


def _duplicates(
    rows: list[tuple[RawRow, Any]], key: str, what: str, problems: list[Problem]
) -> None:
    # `Quantri` beside `quantri`, `ptm` beside `PTM`: two names a reader takes for one.
    first: dict[str, tuple[str, RawRow]] = {}
    for raw, row in rows:
        value = getattr(row, key)
        if value.casefold() in first:
            seen, there = first[value.casefold()]
            case = "" if seen == value else f" (như '{seen}': không phân biệt chữ hoa, chữ thường)"
            problems.append(
                Problem.at(raw.where(key), f"{what} '{value}' trùng với {there.where(key)}{case}")
            )
        else:
            first[value.casefold()] = (value, raw)


def check_whole(data: OrgData, problems: list[Problem], *, known_units: Collection[str]) -> None:
    """The rows against each other: codes that must exist, and one leader per cluster-year.

    `known_units` are the unit codes a row may name besides those of the file's units sheet
    (the database's, when only past titles are imported)."""
    _duplicates(data.movements, "code", "mã phong trào", problems)
    _duplicates(data.clusters, "code", "mã cụm", problems)
    _duplicates(data.units, "code", "mã đơn vị", problems)
    _duplicates(data.people, "username", "tên đăng nhập", problems)
    units = {u.code for _, u in data.units} | set(known_units)
    clusters = {c.code for _, c in data.clusters}
    retired_from = {u.code: u.retired_from for _, u in data.units}

    placed: dict[tuple[int, str], tuple[RawRow, str]] = {}  # (year, unit) → cluster
    roles: dict[tuple[int, str], Counter[MemberRole]] = defaultdict(Counter)
    first_row: dict[tuple[int, str], RawRow] = {}
    for raw, m in data.memberships:
        if m.cluster not in clusters:
            problems.append(Problem.at(raw.where("cluster"), f"không có cụm mã '{m.cluster}'"))
        if m.unit not in units:
            problems.append(Problem.at(raw.where("unit"), f"không có đơn vị mã '{m.unit}'"))
        elif (retired := retired_from.get(m.unit)) is not None and m.year >= retired:
            problems.append(
                Problem.at(
                    raw.where("year"), f"đơn vị '{m.unit}' đã thôi hoạt động từ năm {retired}"
                )
            )
        seen = placed.get((m.year, m.unit))
        if seen is not None:
            other_raw, other = seen
            problems.append(
                Problem.at(
                    raw.where("unit"),
                    f"đơn vị '{m.unit}' năm {m.year} đã ở cụm '{other}' "
                    f"({other_raw.where('cluster')}); mỗi năm một đơn vị chỉ ở một cụm"
                    if other != m.cluster
                    else f"đơn vị '{m.unit}' ghi hai lần trong cụm '{m.cluster}' năm {m.year}",
                )
            )
        else:
            placed[(m.year, m.unit)] = (raw, m.cluster)
        roles[(m.year, m.cluster)][m.role] += 1
        first_row.setdefault((m.year, m.cluster), raw)
    for (year, cluster), count in sorted(roles.items()):
        raw = first_row[(year, cluster)]
        if count[MemberRole.LEADER] == 0:
            problems.append(
                Problem.at(raw.where("role"), f"cụm '{cluster}' năm {year} chưa có đơn vị leader")
            )
        for role, label in ((MemberRole.LEADER, "leader"), (MemberRole.DEPUTY, "deputy")):
            if count[role] > 1:
                problems.append(
                    Problem.at(
                        raw.where("role"),
                        f"cụm '{cluster}' năm {year} có {count[role]} đơn vị {label}; chỉ được một",
                    )
                )

    for raw, p in data.people:
        if p.unit is not None and p.unit not in units:
            problems.append(
                Problem.at(raw.where("unit"), f"người dùng của đơn vị không tồn tại '{p.unit}'")
            )
        elif p.unit is None and p.role in UNIT_ROLES:
            problems.append(Problem.at(raw.where("unit"), f"vai trò {p.role.value} phải có đơn vị"))

    titles: dict[tuple[str, int, str], RawRow] = {}
    for raw, t in data.past_titles:
        if t.unit not in units:
            problems.append(Problem.at(raw.where("unit"), f"không có đơn vị mã '{t.unit}'"))
        key = (t.unit, t.year, t.title)
        if key in titles:
            problems.append(
                Problem.at(raw.where("title"), f"trùng với {titles[key].where('title')}")
            )
        titles[key] = raw
        if t.decision_date is not None and t.decision_date.year < t.year:
            problems.append(
                Problem.at(
                    raw.where("decision_date"),
                    f"ngày quyết định {t.decision_date:%d/%m/%Y} trước năm {t.year}",
                )
            )
