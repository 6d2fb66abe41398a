"""Reading the organisation from YAML: one list of rows per sheet, each row a mapping."""

from pathlib import Path
from typing import Any

from thidua.cli.files import load_data
from thidua.errors import Problem
from thidua.org.schema import SHEET_BY_NAME, RawRow


def cell(value: Any) -> Any:
    """A value as the checks see it: text stripped, an empty cell None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read_yaml(path: Path) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    data = load_data(path)
    return rows_of(data, path.name)


def rows_of(data: Any, name: str) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    sheets: dict[str, list[RawRow]] = {s: [] for s in SHEET_BY_NAME}
    problems: list[Problem] = []
    if data is None:
        return sheets, problems
    if not isinstance(data, dict):
        return sheets, [Problem.at(name, "nội dung phải là một bảng khóa: giá trị")]
    for key, rows in data.items():
        if key not in SHEET_BY_NAME:
            known = ", ".join(SHEET_BY_NAME)
            problems.append(Problem.at(str(key)[:64], f"phần không có trong mẫu; chỉ có: {known}"))
            continue
        if rows is None:
            continue
        if not isinstance(rows, list):
            problems.append(Problem.at(key, "phải là một danh sách các dòng"))
            continue
        for i, row in enumerate(rows):
            here = f"{key}[{i}]"
            if not isinstance(row, dict):
                problems.append(Problem.at(here, "mỗi dòng phải là một bảng khóa: giá trị"))
                continue
            values = {str(k)[:64]: cell(v) for k, v in row.items()}
            places = {k: f"{here}.{k}" for k in values}
            values = {k: v for k, v in values.items() if v is not None}
            sheets[key].append(RawRow(key, values, places, here))
    return sheets, problems
