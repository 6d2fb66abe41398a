"""The page and the pieces of the Word templates (documents/word_build.py writes them).

The .docx files in documents/word/ are committed, and documents/word_build.py is how they were
made: run `python -m documents.word_build` after changing either, and commit the result.
An organisation may instead replace a .docx with its own, made in Word: it is a docxtpl
template, Jinja inside Word (`{{ cluster_name }}`, `{%p for … %}` for a paragraph, `{%tr for
… %}` for a table row), with the variables of the document's context
(documents/context.py), the filters of thidua/templating.py and the shared sentences of
documents/templates/_cau_*.html.j2.

The layout is that of Nghị định 30/2020/NĐ-CP (Phụ lục I): A4; margins top and bottom 20 mm,
left 30 mm, right 15 mm; Times New Roman; the issuing body (with the body above it) on the left
and the national title and motto on the right of a borderless header table, the date line in
italics under the motto; the title in bold capitals; "Nơi nhận:" at the foot left, the
signature block at the foot right (position, then the name).
"""

from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FOLDER = Path(__file__).parent / "word"
FONT = "Times New Roman"
BODY_PT = 14  # the decree: 13 to 14
HEADER_PT = 13  # the issuing body: 12 to 13
QUOC_HIEU_PT = 12  # the national title: 12 to 13 (12 keeps it on one line)
TABLE_PT = 12
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]  # the width of the text on A4
LEFT, CENTER, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def _new() -> DocumentObject:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    # Word takes Vietnamese letters from the East Asian and complex-script slots too.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), 1.1
    return doc


def para(
    where: DocumentObject | _Cell,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: int | None = None,
    align: object = JUSTIFY,
    after: int | None = None,
) -> Paragraph:
    p = where.add_paragraph()
    p.alignment = align
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    lead, _, rest = text.partition("**") if text.startswith("**") else ("", "", text)
    if lead == "" and text.startswith("**"):  # "**Điều 1.** …": the lead-in in bold
        lead, _, rest = text[2:].partition("**")
        p.add_run(lead).bold = True
    if rest:
        run = p.add_run(rest)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    return p


def tag(where: DocumentObject | _Cell, text: str) -> None:
    """A paragraph holding only a docxtpl tag ({%p … %}): it disappears when rendered."""
    para(where, text, after=0)


def _cell(table: Table, row: int, col: int) -> _Cell:
    cell = table.cell(row, col)
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)  # start empty
    return cell


def widths(table: Table, mm: list[float]) -> None:
    """Fixed column widths (Word and LibreOffice read the grid, the cells and the table's width)."""
    table.autofit = False
    for i, w in enumerate(mm):
        table.columns[i].width = Mm(w)
        for cell in table.columns[i].cells:
            cell.width = Mm(w)
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(round(sum(mm) * 1440 / 25.4)))


RULE_MM = 20  # the line under the issuing body: a third to a half of its name's length


def _rule(cell: _Cell, *, cell_mm: float, line_mm: float) -> None:
    """An empty paragraph whose bottom border is a centred solid line `line_mm` long."""
    p = para(cell, align=CENTER, after=2)
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm((cell_mm - line_mm) / 2)
    fmt.line_spacing = Pt(4)  # no blank line: only the border shows
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p._p.get_or_add_pPr().append(borders)


def header(doc: DocumentObject, issuer: list[tuple[str, bool]], date_line: str) -> None:
    """Issuing body on the left, national title, motto and date line on the right."""
    t = doc.add_table(rows=1, cols=2)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths(t, [TEXT_MM * 0.4, TEXT_MM * 0.6])
    left, right = _cell(t, 0, 0), _cell(t, 0, 1)
    for text, bold in issuer:
        para(left, text, bold=bold, size=HEADER_PT, align=CENTER, after=0)
        if bold:  # the issuing body itself: the decree's short line under its name
            _rule(left, cell_mm=TEXT_MM * 0.4, line_mm=RULE_MM)
    para(right, "{{ c.QUOC_HIEU }}", bold=True, size=QUOC_HIEU_PT, align=CENTER, after=0)
    para(right, "{{ c.TIEU_NGU }}", bold=True, underline=True, size=BODY_PT, align=CENTER)
    para(right, date_line, italic=True, size=BODY_PT, align=CENTER)
    para(doc, after=0)


def title(doc: DocumentObject, text: str, subtitle: str = "") -> None:
    para(doc, text, bold=True, size=BODY_PT, align=CENTER, after=0)
    if subtitle:
        para(doc, subtitle, bold=True, align=CENTER)


def heading(doc: DocumentObject, text: str) -> None:
    para(doc, text, bold=True, align=LEFT)


def grid(
    doc: DocumentObject, heads: list[str], cells: list[str], loop: str, shares: list[int]
) -> None:
    """A bordered table: a header row, then one row per item of `loop` ("r in ranking");
    `shares` divide the text's width between the columns."""
    t = doc.add_table(rows=4, cols=len(heads))
    t.style = "Table Grid"
    widths(t, [TEXT_MM * s / sum(shares) for s in shares])
    for i, h in enumerate(heads):
        para(_cell(t, 0, i), h, bold=True, size=TABLE_PT, align=CENTER, after=0)
    para(_cell(t, 1, 0), f"{{%tr for {loop} %}}", size=TABLE_PT, after=0)
    for i, text in enumerate(cells):
        para(_cell(t, 2, i), text, size=TABLE_PT, align=LEFT, after=0)
    para(_cell(t, 3, 0), "{%tr endfor %}", size=TABLE_PT, after=0)
    for r in (1, 3):  # the tag rows: their other cells stay empty
        for i in range(1, len(heads)):
            _cell(t, r, i).add_paragraph()
    para(doc, after=0)


def signatures(
    doc: DocumentObject, left: list[tuple[str, str]], right: list[tuple[str, str]]
) -> None:
    """The foot: two borderless columns of (style, text); style b(old), i(talic), s(mall), g(ap)."""
    t = doc.add_table(rows=1, cols=2)
    widths(t, [TEXT_MM * 0.45, TEXT_MM * 0.55])
    # One piece: the names never go to the next page without the positions above them.
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for i, column in enumerate((left, right)):
        cell = _cell(t, 0, i)
        for style, text in column:
            if style == "g":
                for _ in range(3):
                    para(cell, after=0)
                continue
            para(
                cell,
                text,
                bold="b" in style,
                italic="i" in style,
                size=TABLE_PT if "s" in style else BODY_PT,
                align=LEFT if "s" in style else CENTER,
                after=0,
            )
    if not left:
        _cell(t, 0, 0).add_paragraph()


def imports(doc: DocumentObject, *names: str) -> None:
    tag(doc, '{%p import "_chung.j2" as c %}')
    tag(doc, '{%p import "_cau_chung.html.j2" as h %}')
    for name in names:
        tag(doc, f"{{%p import {name} %}}")
