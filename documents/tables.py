"""A campaign's result tables as an Excel workbook (openpyxl) or CSV files.

CSV files are UTF-8 with a byte-order mark, so that Excel opens the Vietnamese letters as they
are; numbers are written with a decimal point (as Excel reads them whatever the locale's
separator, when the file is imported) and yes/no as "có"/"không".
"""

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from thidua.sheet_text import csv_text, literal_book

MAX_SHEET_NAME = 31  # Excel's limit


class Table(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def headers(self) -> tuple[str, ...]: ...
    @property
    def rows(self) -> Sequence[tuple[object, ...]]: ...


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    return str(value)


def csv_files(tables: Sequence[Table]) -> dict[str, bytes]:
    """File name → content of one CSV per table (UTF-8 with BOM)."""
    files = {}
    for t in tables:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(t.headers)
        # Text people typed may start with = + - @: kept as text (numbers stay numbers).
        writer.writerows(
            [csv_text(v) if isinstance(v, str) else _text(v) for v in row] for row in t.rows
        )
        files[f"{t.key}.csv"] = buf.getvalue().encode("utf-8-sig")
    return files


def workbook(tables: Sequence[Table], *, title: str) -> bytes:
    """One sheet per table: a bold, frozen header row, filters, numbers as numbers."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = title
    for t in tables:
        ws = wb.create_sheet(t.title[:MAX_SHEET_NAME])
        ws.append(list(t.headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in t.rows:
            ws.append(
                [
                    float(v) if isinstance(v, Decimal) else (_text(v) if isinstance(v, bool) else v)
                    for v in row
                ]
            )
        for i, header in enumerate(t.headers, 1):
            values = [header, *(_text(r[i - 1]) for r in t.rows)]
            ws.column_dimensions[get_column_letter(i)].width = min(
                max(len(v) for v in values) + 2, 40
            )
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if isinstance(cell.value, float):
                    cell.number_format = "0.00"
        ws.freeze_panes = "A2"
        if t.rows:
            ws.auto_filter.ref = ws.dimensions
    literal_book(wb)  # a name typed as "=HYPERLINK(…)" is written as text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
