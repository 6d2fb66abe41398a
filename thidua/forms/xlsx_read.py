"""Reading a filled Excel form back (openpyxl; imported only for a .xlsx file).

The hidden sheet `_mau` (thidua/forms/xlsx_form.py) says where each field sits; the values are
read as the cells hold them (data_only: the value Excel last computed, never a formula's text).
The file is capped like every input (1 MiB) and so is what it unzips to, before openpyxl opens it.
"""

import re
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from thidua.cli.files import read_xlsx_capped
from thidua.errors import InvalidInput, Problem
from thidua.forms.filled import Filled
from thidua.forms.xlsx_form import AGREE, MAP_SHEET, REFUSE
from thidua.limits import newlines

_COMMA_DECIMAL = re.compile(r"^\s*-?\d+,\d+\s*$")


def _open_workbook(path: Path, name: str) -> Any:
    data = read_xlsx_capped(path, name)
    from openpyxl import load_workbook

    try:
        return load_workbook(BytesIO(data), data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file; none is the user's fault
        raise InvalidInput(name, f"không đọc được bảng tính '{path.name}'") from None


def _value(raw: Any) -> Any:
    """A cell as a YAML form would hold it: numbers as numbers, text stripped, empty as None."""
    if isinstance(raw, str):
        text = newlines(raw).strip()  # a text pasted from Windows keeps its lines
        if _COMMA_DECIMAL.match(text):  # 4,5 typed as text on a Vietnamese keyboard
            return text.replace(",", ".")
        return text or None
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return raw


# A single cell (never a range: `A1:XFD1048576` would make openpyxl build a billion cells).
_CELL = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")
_MAP_ROW = re.compile(r"^(choice:[^:]+:[1-9][0-9]{0,2}:.+|reviewee:[0-9]{1,4}|[^:]+)$")


def _check_map(body: list[tuple[str, ...]], path: Path, name: str) -> None:
    """The hidden sheet as thidua wrote it: each row a field and one cell (a reviewee row no
    cell), so that an edited map is a message, not a traceback or a runaway read."""
    for i, (field, _sheet, ref) in enumerate(body, start=4):
        reviewee = field.startswith("reviewee:")
        if not _MAP_ROW.match(field) or not (ref == "" if reviewee else _CELL.match(ref)):
            raise InvalidInput(
                name, f"'{path.name}': trang {MAP_SHEET} của mẫu bị sửa (dòng {i}); tải mẫu mới"
            )


def read_xlsx(path: Path, name: str = "file") -> Filled:
    wb = _open_workbook(path, name)
    if MAP_SHEET not in wb.sheetnames:
        raise InvalidInput(
            name,
            f"'{path.name}' không phải mẫu do thidua form … --xlsx tạo (thiếu trang {MAP_SHEET})",
        )
    rows = [
        tuple(str(c) if c is not None else "" for c in r[:3])
        for r in wb[MAP_SHEET].iter_rows(values_only=True)
    ]
    if len(rows) < 3:
        raise InvalidInput(name, f"'{path.name}': trang {MAP_SHEET} của mẫu bị sửa")
    _check_map(rows[3:], path, name)
    head = {k: v for k, v, _ in rows[:3]}
    kind = head.get("kind", "")

    def cell(sheet: str, ref: str) -> Any:
        if sheet not in wb.sheetnames:
            raise InvalidInput(name, f"bảng tính thiếu trang '{sheet}' của mẫu")
        return _value(wb[sheet][ref].value)

    campaign = head.get("campaign", "")
    data: dict[str, Any] = {
        "campaign": int(campaign) if campaign.isdigit() else campaign,
        "unit": head.get("unit"),
    }
    cells: dict[str, str] = {}
    body = rows[3:]
    if kind == "self-assessment":
        data["scores"] = {}
        for field, sheet, ref in body:
            cells[field] = f"{sheet}!{ref}"
            if field.startswith("scores."):
                value = cell(sheet, ref)
                if value is not None:
                    data["scores"][field.removeprefix("scores.")] = value
            elif field == "evidence":
                lines = str(cell(sheet, ref) or "").splitlines()
                data["evidence"] = [line.strip() for line in lines if line.strip()]
            elif field in ("achievements", "shortcomings"):
                data[field] = "" if cell(sheet, ref) is None else str(cell(sheet, ref))
        # A criterion left empty is missing, as in a YAML form; a bonus left empty counts 0.
        return Filled(data, cells)
    if kind == "review":
        return _reviews(body, cell, data)
    if kind == "ballot":
        return _ballot(body, cell, data)
    raise InvalidInput(name, f"'{path.name}': trang {MAP_SHEET} không nói đây là mẫu phiếu nào")


def _reviews(body: list[tuple[str, ...]], cell: Any, data: dict[str, Any]) -> Filled:
    """One review per sheet; a sheet left wholly empty is a unit not reviewed yet (sent later)."""
    codes = {int(f.partition(":")[2]): sheet for f, sheet, _ in body if f.startswith("reviewee:")}
    sheets: dict[int, list[tuple[str, str, str]]] = {i: [] for i in codes}
    for field, sheet, ref in body:
        m = re.match(r"^reviews\[(\d+)\]\.(.+)$", field)
        if m and int(m.group(1)) in sheets:
            sheets[int(m.group(1))].append((m.group(2), sheet, ref))
    reviews: list[dict[str, Any]] = []
    cells: dict[str, str] = {}
    for i in sorted(sheets):
        values = {f: cell(sheet, ref) for f, sheet, ref in sheets[i] if f != "reviewee"}
        if all(v is None for v in values.values()):
            continue
        j = len(reviews)
        reviews.append(
            {
                "reviewee": codes[i],
                "scores": {
                    f.removeprefix("scores."): v
                    for f, v in values.items()
                    if f.startswith("scores.") and v is not None
                },
                "comment": "" if values.get("comment") is None else str(values["comment"]),
            }
        )
        cells.update({f"reviews[{j}].{f}": f"{sheet}!{ref}" for f, sheet, ref in sheets[i]})
    data["reviews"] = reviews
    return Filled(data, cells)


def _ballot(body: list[tuple[str, ...]], cell: Any, data: dict[str, Any]) -> Filled:
    cells: dict[str, str] = {}
    problems: list[Problem] = []
    marked: dict[str, list[tuple[str, str]]] = {}
    allowed: dict[str, int] = {}
    titles: dict[str, bool | None] = {}
    for field, sheet, ref in body:
        where = f"{sheet}!{ref}"
        if field.startswith("choice:"):
            _, key, choose, code = field.split(":", 3)
            allowed[key] = int(choose)
            marked.setdefault(key, [])
            value = cell(sheet, ref)
            if value is not None:
                marked[key].append((code, where))
                if str(value).lower() != "x":
                    problems.append(
                        Problem(f"ballot.{key}", "đánh dấu bằng x hoặc để trống", where)
                    )
        elif field.startswith("ballot.titles."):
            code = field.removeprefix("ballot.titles.")
            cells[field] = where
            value = cell(sheet, ref)
            if value is None:
                titles[code] = None
            elif str(value).lower() in (AGREE.lower(), REFUSE.lower()):
                titles[code] = str(value).lower() == AGREE.lower()
            else:
                titles[code] = None
                problems.append(
                    Problem(field, f"chọn '{AGREE}' hoặc '{REFUSE}', hoặc để trống", where)
                )
    for key, chosen in marked.items():
        data[key] = chosen[0][0] if len(chosen) == 1 else None
        if chosen:
            cells[f"ballot.{key}"] = chosen[0][1]
        if len(chosen) > allowed[key]:
            names = ", ".join(code for code, _ in chosen)
            problems.append(
                Problem(
                    f"ballot.{key}",
                    f"chỉ được chọn {allowed[key]} đơn vị (đã đánh dấu {len(chosen)}: {names})",
                    chosen[0][1],
                )
            )
    data["titles"] = titles
    return Filled(data, cells, tuple(problems))
