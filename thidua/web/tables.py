"""The result tables (thidua/services/result_tables.py) as the results page shows them: titles
and headers in the reader's language, numbers right-aligned in Vietnamese style, and each peer
reviewer's column headed by its unit code (a legend names them) so that the ranking stays
readable; the Excel download keeps the tables as they are."""

from dataclasses import dataclass, field
from decimal import Decimal

from thidua.services.result_tables import Cell, Sheet
from thidua.templating import diem
from thidua.web.i18n import catalog, translator

REVIEWER = "Chấm bởi "  # how result_tables heads each peer reviewer's column


@dataclass(frozen=True)
class Column:
    text: str
    full: str | None = None  # the header written out, when `text` is a unit code
    num: bool = False


@dataclass(frozen=True)
class ShownSheet:
    title: str
    columns: list[Column]
    rows: list[list[str]]
    legend: list[tuple[str, str]] = field(default_factory=list)  # unit code, unit name


def shown(value: Cell, lang: str) -> str:
    t = translator(lang)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("results.yes") if value else t("results.no")
    if isinstance(value, Decimal):
        return diem(value)
    return str(value)


def _numeric(sheet: Sheet, index: int) -> bool:
    values = [row[index] for row in sheet.rows if row[index] is not None]
    return bool(values) and all(
        isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values
    )


def show(sheets: list[Sheet], units: dict[str, str], lang: str) -> list[ShownSheet]:
    """`units`: unit code → name, as in queries.report."""
    words, t = catalog(lang), translator(lang)
    code_of = {name: code for code, name in units.items()}
    out = []
    for sheet in sheets:
        columns, legend = [], []
        for i, header in enumerate(sheet.headers):
            num = _numeric(sheet, i)
            name = header.removeprefix(REVIEWER)
            if header.startswith(REVIEWER) and name in code_of:
                code = code_of[name]
                columns.append(Column(code, t("results.scored_by", name=name), num))
                legend.append((code, name))
            else:
                columns.append(Column(words.get(f"col.{header}", header), None, num))
        rows = [[shown(v, lang) for v in row] for row in sheet.rows]
        title = words.get(f"sheet.{sheet.key}", sheet.title)
        out.append(ShownSheet(title, columns, rows, legend))
    return out
