"""The Excel form of one person (openpyxl; imported only by `thidua form … --xlsx`).

Labels are locked (sheet protection, no password: it guards against slips, not people) and only
the input cells are open; each score cell validates 0..maximum in its steps, the bonus lines
their cap together; totals are formulas. A hidden sheet `_mau` says where each field sits, so
`thidua submit … --file F.xlsx` reads the values back (never the formulas) whatever the layout.
"""

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from thidua.forms.context import FormContext, FormKind
from thidua.forms.yaml_form import form_data
from thidua.sheet_text import literal
from thidua.templating import gio, ngay

MAP_SHEET = "_mau"
SCORE_COLUMN = "H"
HEADERS = ("Mã", "Nhóm", "Tiêu chí", "Loại", "Chỉ tiêu", "Tối đa", "Bước", "Điểm")
WIDTHS = {"A": 10, "B": 26, "C": 60, "D": 14, "E": 30, "F": 8, "G": 8, "H": 10}
INPUT = PatternFill("solid", fgColor="FFF2CC")
FIXED = PatternFill("solid", fgColor="D9D9D9")  # computed by thidua: read, never typed
BOLD = Font(bold=True)
OPEN = Protection(locked=False)
AGREE, REFUSE = "Đồng ý", "Không đồng ý"
CHOSEN = "x"


class _Map:
    """The rows of the hidden sheet: field path, sheet, cell."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []
        # (sheet, cell) of the totals thidua writes as formulas; every other cell is text.
        self.formulas: set[tuple[str, str]] = set()

    def add(self, field: str, ws: Worksheet, cell: str) -> None:
        self.rows.append((field, ws.title, cell))


def _open(ws: Worksheet, ref: str, value: Any = None) -> None:
    cell = ws[ref]
    cell.value = value
    cell.protection = OPEN
    cell.fill = INPUT
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _header(ws: Worksheet, f: dict[str, Any]) -> int:
    """The title lines of a sheet; returns the next free row."""
    ws["A1"] = f["title"]
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{f['run_name']} — đợt bình xét số {f['campaign_id']}"
    ws["A3"] = (
        f"Đơn vị: {f['unit']['name']} ({f['unit']['code']}) · người điền: {f['actor']['name']}"
    )
    due = f["due_at"]
    ws["A4"] = f"Hạn nộp: {gio(due)} ngày {ngay(due)}" if due else "Giai đoạn này chưa mở."
    ws["A5"] = (
        f"Chỉ điền các ô màu vàng. Nộp: {f['command']} --file <tệp này>. Mọi ô sai được báo "
        "cùng lúc (tên trang, ô và lý do); khi còn ô sai thì không có gì được ghi."
    )
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    return 7


def _validation(ref: str, maximum: str, step: str | None, cap: str | None) -> DataValidation:
    parts = [f"ISNUMBER({ref})", f"{ref}>=0", f"{ref}<={maximum}"]
    rule = f"từ 0 đến {maximum}"
    if step:
        cents = round(float(step) * 100)
        parts.append(f"MOD(ROUND({ref}*100,0),{cents})=0")
        rule += f", bội số của {step}"
    if cap:
        parts.append(cap)
        rule += "; tổng điểm thưởng không vượt mức tối đa"
    dv = DataValidation(
        type="custom", formula1=f"AND({','.join(parts)})", allow_blank=True, showErrorMessage=True
    )
    dv.errorTitle = "Điểm không hợp lệ"
    dv.error = f"Điểm phải là số {rule}."
    dv.promptTitle = "Điểm"
    dv.prompt = f"Số {rule}."
    dv.showInputMessage = True
    return dv


def _score_table(
    ws: Worksheet,
    f: dict[str, Any],
    values: dict[str, str] | None,
    prefix: str,
    where: _Map,
    drive: dict[str, dict[str, str]],
) -> int:
    """Criteria, bonus and penalty lines and their formulas, from row 7; the next free row.
    A line computed from the drives (`drive`: the unit's) shows its points, locked and unmapped:
    it counts in the formulas and is never read back."""
    s = f["scheme"]
    row = 7
    for i, h in enumerate(HEADERS):
        cell = ws.cell(row=row, column=i + 1, value=h)
        cell.font = BOLD
    row += 1
    criteria: list[str] = []

    def line(item: dict[str, Any], group: str, kind: str, cap: str | None = None) -> str:
        nonlocal row
        ref = f"{SCORE_COLUMN}{row}"
        cells = (item["code"], group, item["name"], kind, item.get("target") or "")
        for col, value in zip("ABCDE", cells, strict=True):
            ws[f"{col}{row}"] = value
        ws[f"C{row}"].alignment = Alignment(wrap_text=True, vertical="top")
        ws[f"F{row}"] = float(item["max"])
        ws[f"G{row}"] = float(item["step"]) if item["step"] else None
        if item.get("from_drives"):
            d = drive[item["code"]]
            ws[f"D{row}"] = "từ đợt thi đua"
            ws[f"E{row}"] = f"Hệ thống tính, không điền: {d['explanation']}"
            ws[ref] = float(d["points"]) if d["points"] else None
            ws[ref].fill = FIXED
            row += 1
            return ref
        given = (values or {}).get(item["code"])
        _open(ws, ref, float(given) if given is not None else None)
        dv = _validation(ref, item["max"], item["step"], cap)
        ws.add_data_validation(dv)
        dv.add(ref)
        where.add(f"{prefix}scores.{item['code']}", ws, ref)
        row += 1
        return ref

    for g in s["groups"]:
        ws[f"A{row}"], ws[f"B{row}"] = g["code"], f"{g['name']} (tối đa {g['max']} điểm)"
        ws[f"A{row}"].font = ws[f"B{row}"].font = BOLD
        row += 1
        criteria += [line(c, g["name"], c["kind"]) for c in g["criteria"]]
    bonus_refs: list[str] = []
    if s["bonuses"]:
        first = row + 1
        span = f"${SCORE_COLUMN}${first}:${SCORE_COLUMN}${first + len(s['bonuses']) - 1}"
        ws[f"B{row}"] = f"Điểm thưởng (cộng; tổng tối đa {s['max_bonus']} điểm)"
        ws[f"B{row}"].font = BOLD
        row += 1
        cap = f"SUM({span})<={s['max_bonus']}"
        bonus_refs = [line(b, "Điểm thưởng", "thưởng", cap) for b in s["bonuses"]]
        ws[f"C{row}"] = f"Cộng điểm thưởng (tối đa {s['max_bonus']})"
        ws[f"{SCORE_COLUMN}{row}"] = f"=SUM({span})"
        where.formulas.add((ws.title, f"{SCORE_COLUMN}{row}"))
        where.add(f"{prefix}scores", ws, f"{SCORE_COLUMN}{row}")
        row += 1
    penalty_refs: list[str] = []
    if s["penalties"]:
        ws[f"B{row}"] = "Điểm trừ (ghi số điểm bị trừ, số dương)"
        ws[f"B{row}"].font = BOLD
        row += 1
        penalty_refs = [line(p, "Điểm trừ", "trừ") for p in s["penalties"]]
    total = f"SUM({criteria[0]}:{criteria[-1]})"
    if bonus_refs:
        total += f"+SUM({bonus_refs[0]}:{bonus_refs[-1]})"
    if penalty_refs:
        total += f"-SUM({penalty_refs[0]}:{penalty_refs[-1]})"
    ws[f"C{row}"] = f"TỔNG ĐIỂM (tối đa {s['total']} điểm, cộng thưởng, trừ điểm trừ; không dưới 0)"
    ws[f"C{row}"].font = BOLD
    ws[f"{SCORE_COLUMN}{row}"] = f"=MAX(0,{total})"
    where.formulas.add((ws.title, f"{SCORE_COLUMN}{row}"))
    ws[f"{SCORE_COLUMN}{row}"].font = BOLD
    return row + 2


def _text(ws: Worksheet, row: int, label: str, value: str, field: str, where: _Map) -> int:
    ws[f"B{row}"] = label
    ws[f"B{row}"].font = BOLD
    ws.merge_cells(f"C{row}:{SCORE_COLUMN}{row}")
    _open(ws, f"C{row}", value or None)
    ws.row_dimensions[row].height = 60
    where.add(field, ws, f"C{row}")
    return row + 1


def _protect(ws: Worksheet) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widening a column to read a name is harmless
    ws.protection.formatRows = False


def _self_assessment(wb: Workbook, f: dict[str, Any], where: _Map) -> None:
    ws = wb.active
    ws.title = "Tự chấm"
    _header(ws, f)
    if f["returned_comment"]:
        ws["A6"] = f"BẢN LẦN {f['version']} BỊ TRẢ LẠI ĐỂ SỬA. Lý do: {f['returned_comment']}"
        ws["A6"].font = Font(bold=True, color="C00000")
    row = _score_table(ws, f, f["own"], "", where, f["drive"])
    row = _text(ws, row, "Thành tích nổi bật", f["achievements"], "achievements", where)
    row = _text(ws, row, "Tồn tại, hạn chế", f["shortcomings"], "shortcomings", where)
    _text(ws, row, "Minh chứng (mỗi dòng một mục)", "\n".join(f["evidence"]), "evidence", where)
    _protect(ws)


def _sheet_title(code: str, taken: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\'" else ch for ch in code)[:28] or "_"
    title, n = base, 1
    while title.lower() in taken or title == MAP_SHEET:
        n += 1
        title = f"{base[:25]}~{n}"
    taken.add(title.lower())
    return title


def _review(wb: Workbook, f: dict[str, Any], where: _Map) -> None:
    wb.remove(wb.active)
    taken: set[str] = set()
    for i, r in enumerate(f["reviewees"]):
        ws = wb.create_sheet(_sheet_title(r["code"], taken))
        _header(ws, f)
        ws["A6"] = f"Chấm chéo: {r['name']} ({r['code']})" + (" — đã nộp" if r["scores"] else "")
        ws["A6"].font = Font(bold=True, size=12)
        where.add(f"reviews[{i}].reviewee", ws, "A6")
        row = _score_table(ws, f, r["scores"], f"reviews[{i}].", where, r["drive"])
        _text(ws, row, "Nhận xét", r["comment"], f"reviews[{i}].comment", where)
        _protect(ws)
    where.rows += [(f"reviewee:{i}", r["code"], "") for i, r in enumerate(f["reviewees"])]


def _ballot(wb: Workbook, f: dict[str, Any], where: _Map) -> None:
    ws = wb.active
    ws.title = "Phiếu bầu"
    _header(ws, f)
    ws["A6"] = (
        "Phiếu bầu kín: nội dung phiếu lưu tách khỏi danh sách đơn vị đã bỏ phiếu. "
        f"Đánh dấu {CHOSEN} vào ô của đơn vị chọn; để trống là không bầu câu đó."
    )
    row = 8
    mark = DataValidation(type="list", formula1=f'"{CHOSEN}"', allow_blank=True)
    mark.error, mark.errorTitle = f"Chỉ ghi {CHOSEN} hoặc để trống.", "Đánh dấu"
    vote = DataValidation(type="list", formula1=f'"{AGREE},{REFUSE}"', allow_blank=True)
    vote.error, vote.errorTitle = f"Chọn {AGREE} hoặc {REFUSE}, hoặc để trống.", "Biểu quyết"
    ws.add_data_validation(mark)
    ws.add_data_validation(vote)
    for n, q in enumerate(f["questions"], start=1):
        ws[f"A{row}"] = f"Câu {n}. {q['text']}: chọn {q['choose']} đơn vị. {q['note']}".strip()
        ws[f"A{row}"].font = BOLD
        row += 1
        for c in q["candidates"]:
            ws[f"A{row}"], ws[f"B{row}"] = c["code"], c["name"]
            _open(ws, f"{SCORE_COLUMN}{row}")
            mark.add(f"{SCORE_COLUMN}{row}")
            where.rows.append(
                (f"choice:{q['key']}:{q['choose']}:{c['code']}", ws.title, f"{SCORE_COLUMN}{row}")
            )
            row += 1
        row += 1
    ws[f"A{row}"] = (
        f"Câu {len(f['questions']) + 1}. Biểu quyết danh hiệu đề xuất: {AGREE} / {REFUSE}."
    )
    ws[f"A{row}"].font = BOLD
    row += 1
    for t in f["titles"]:
        ws[f"A{row}"], ws[f"B{row}"], ws[f"C{row}"] = t["code"], t["name"], t["title"]
        _open(ws, f"{SCORE_COLUMN}{row}")
        vote.add(f"{SCORE_COLUMN}{row}")
        where.add(f"ballot.titles.{t['code']}", ws, f"{SCORE_COLUMN}{row}")
        row += 1
    _protect(ws)


BUILDERS = {
    FormKind.SELF_ASSESSMENT: _self_assessment,
    FormKind.REVIEW: _review,
    FormKind.BALLOT: _ballot,
}


def xlsx_form(ctx: FormContext) -> bytes:
    f = form_data(ctx)
    wb = Workbook()
    where = _Map()
    BUILDERS[ctx.kind](wb, f, where)
    hidden = wb.create_sheet(MAP_SHEET)
    hidden.append(["kind", str(ctx.kind), ""])
    hidden.append(["campaign", str(ctx.view.id), ""])
    hidden.append(["unit", ctx.unit.code, ""])
    for row in where.rows:
        hidden.append(list(row))
    for ws in wb.worksheets:  # names, criteria and comments are people's text, never formulas
        literal(ws, {ref for title, ref in where.formulas if title == ws.title})
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
