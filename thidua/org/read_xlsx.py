"""Reading the organisation from an Excel workbook: one worksheet per sheet, headers on row 1."""

import io
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from thidua.cli.files import read_xlsx_capped
from thidua.errors import InvalidInput, Problem
from thidua.org.read_yaml import cell
from thidua.org.schema import SHEET_BY_NAME, RawRow
from thidua.org.write import GUIDE

# More lines than any organisation has: a sheet padded to a million rows is refused, not read.
MAX_ROWS = 20_000


def read_xlsx(path: Path) -> tuple[dict[str, list[RawRow]], list[Problem]]:
    data = read_xlsx_capped(path)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file; none is the user's fault
        raise InvalidInput("file", f"'{path.name}' không phải sổ Excel .xlsx đọc được") from None
    sheets: dict[str, list[RawRow]] = {s: [] for s in SHEET_BY_NAME}
    problems: list[Problem] = []
    try:
        for ws in book.worksheets:
            name = ws.title
            if name not in SHEET_BY_NAME:
                if name.lower() not in (GUIDE, "huong_dan", "readme"):
                    known = ", ".join(SHEET_BY_NAME)
                    problems.append(
                        Problem.at(f"trang {name}", f"không có trong mẫu; chỉ có: {known}")
                    )
                continue
            # The size a file claims may be wrong (other tools than Excel write it stale): read
            # every row there is, not rows silently dropped past a stale last row.
            ws.reset_dimensions()
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            allowed = {c.key for c in SHEET_BY_NAME[name].columns}
            keys: list[str | None] = []
            for i, h in enumerate(header, start=1):
                key = cell(h)
                if key is None:
                    keys.append(None)
                    continue
                key = str(key)
                if key not in allowed:
                    problems.append(
                        Problem.at(
                            f"{name}!{get_column_letter(i)}1",
                            f"cột '{key[:64]}' không có trong mẫu; "
                            f"chỉ có: {', '.join(sorted(allowed))}",
                        )
                    )
                    keys.append(None)
                else:
                    keys.append(key)
            for r, values in enumerate(rows, start=2):
                if r > MAX_ROWS + 1:
                    problems.append(
                        Problem.at(f"trang {name}", f"quá {MAX_ROWS} dòng; chia thành nhiều tệp")
                    )
                    break
                row = {k: cell(v) for k, v in zip(keys, values, strict=False) if k is not None}
                if all(v is None for v in row.values()):
                    continue  # an empty line between rows
                places = {
                    k: f"{name}!{get_column_letter(i)}{r} (cột {k})"
                    for i, k in enumerate(keys, start=1)
                    if k is not None
                }
                sheets[name].append(
                    RawRow(
                        name,
                        {k: v for k, v in row.items() if v is not None},
                        places,
                        f"{name} dòng {r}",
                    )
                )
    except Exception:  # a sheet's XML broken past its first rows
        raise InvalidInput("file", f"'{path.name}' không phải sổ Excel .xlsx đọc được") from None
    finally:
        book.close()
    return sheets, problems
