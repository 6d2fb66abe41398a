"""Writing the organisation: as data (export_data), then as YAML or as an Excel workbook.

The workbook carries a comment on every header and lists to pick from (roles, unit codes,
years), so that what the admin types is checked by Excel before thidua checks it again.
"""

from io import BytesIO
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, col, select

from models import (
    Actor,
    Channel,
    ChannelKind,
    Cluster,
    Membership,
    Movement,
    TitleHistory,
    Unit,
)
from models.org import MemberRole, Role
from thidua.org.schema import LANGUAGES, MAX_YEAR, MIN_YEAR, SHEETS
from thidua.outfile import write_file
from thidua.sheet_text import literal_book

Data = dict[str, list[dict[str, Any]]]


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v not in (None, "")}


def export_data(session: Session) -> Data:
    units = {u.id: u for u in session.exec(select(Unit).order_by(col(Unit.id))).all()}
    clusters = {c.id: c for c in session.exec(select(Cluster).order_by(col(Cluster.id))).all()}
    channels: dict[tuple[int, ChannelKind], str] = {}
    for ch in session.exec(
        select(Channel).where(col(Channel.active).is_(True)).order_by(col(Channel.id))
    ).all():
        channels.setdefault((ch.actor_id, ch.kind), ch.address)
    people = []
    for a in session.exec(select(Actor).order_by(col(Actor.id))).all():
        assert a.id is not None
        people.append(
            _clean(
                {
                    "username": a.username,
                    "full_name": a.full_name,
                    "rank": a.rank,
                    "position": a.position,
                    "unit": units[a.unit_id].code if a.unit_id else None,
                    "role": a.role.value,
                    "language": a.language,
                    "email": channels.get((a.id, ChannelKind.EMAIL), a.email),
                    "webhook": channels.get((a.id, ChannelKind.WEBHOOK)),
                    # Someone made inactive without a year is written with one, so that an
                    # import of the export leaves them inactive.
                    "retired_from": None if a.active else (a.retired_from or a.created_at.year),
                }
            )
        )
    memberships = session.exec(
        select(Membership).order_by(
            col(Membership.year), col(Membership.cluster_id), col(Membership.id)
        )
    ).all()
    titles = session.exec(
        select(TitleHistory).order_by(col(TitleHistory.year), col(TitleHistory.id))
    ).all()
    return {
        "movements": [
            {"code": m.code, "name": m.name}
            for m in session.exec(select(Movement).order_by(col(Movement.id))).all()
        ],
        "clusters": [
            _clean({"code": c.code, "name": c.name, "body": c.body}) for c in clusters.values()
        ],
        "units": [
            _clean({"code": u.code, "name": u.name, "retired_from": u.retired_from})
            for u in units.values()
        ],
        "memberships": [
            {
                "year": m.year,
                "cluster": clusters[m.cluster_id].code,
                "unit": units[m.unit_id].code,
                "role": m.role.value,
            }
            for m in memberships
        ],
        "people": people,
        "past_titles": [
            _clean(
                {
                    "unit": units[t.unit_id].code,
                    "year": t.year,
                    "title": t.title,
                    "decision_no": t.decision_no,
                    "decision_date": t.decided_on,
                }
            )
            for t in titles
        ],
    }


HEADER = (
    "# Tổ chức thi đua (organisation): nhập bằng `thidua org import <tệp> --actor <quản trị>`.\n"
    "# Mỗi phần là một trang của sổ Excel cùng tên; các cột như `thidua org template`.\n"
)


GUIDE = "hướng dẫn"  # the reader skips this sheet
GUIDE_LINES = (
    "Tổ chức thi đua: điền các trang dưới đây; dòng 1 là tên cột (giữ nguyên), "
    "di chuột lên tên cột để xem chú thích.",
    "Kiểm tra, chưa ghi gì: thidua org import <tệp>.xlsx --dry-run",
    "Nhập: thidua org import <tệp>.xlsx --actor <quản trị viên> "
    "(lần đầu, khi chưa có người dùng nào, không cần --actor)",
    "Nhập lại cùng tệp không đổi gì; đơn vị, người dùng bị bỏ khỏi tệp được ghi thôi hoạt động, "
    "không bị xóa.",
    "",
)


def write_yaml(path: Path, data: Data, field: str = "yaml") -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    write_file(path, (HEADER + text).encode("utf-8"), field=field)


def write_xlsx(path: Path, data: Data, field: str = "xlsx") -> None:
    """The workbook of `data`; with no data, the empty template."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    last = 2000  # validations cover this many rows
    guide = book.create_sheet(GUIDE)
    for line in GUIDE_LINES:
        guide.append([line])
    for sheet in SHEETS:
        guide.append([f"{sheet.name}: {sheet.title}"])
    guide.column_dimensions["A"].width = 110
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        for i, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=i, value=column.key)
            cell.font, cell.fill = bold, fill
            cell.comment = Comment(f"{sheet.title}: {column.comment}", "thidua", width=300)
            dimension = ws.column_dimensions[get_column_letter(i)]
            dimension.width = max(14, len(column.key) + 4)
            if column.key not in NUMERIC_COLUMNS:
                # Text, so that Excel keeps a code typed as 007 or a decision number as 12/QĐ.
                dimension.number_format = "@"
        ws.freeze_panes = "A2"
        keys = [c.key for c in sheet.columns]
        for r, row in enumerate(data.get(sheet.name, []), start=2):
            for i, key in enumerate(keys, start=1):
                value = row.get(key)
                if value is not None:
                    ws.cell(row=r, column=i, value=value)
        for i, key in enumerate(keys, start=1):
            letter = get_column_letter(i)
            cells = f"{letter}2:{letter}{last}"
            rule = _validation(sheet.name, key, last)
            if rule is None:
                continue
            kind, formula, message = rule
            dv = (
                DataValidation(type="list", formula1=formula, allow_blank=True)
                if kind == "list"
                else DataValidation(
                    type="whole",
                    operator="between",
                    formula1=str(MIN_YEAR),
                    formula2=str(MAX_YEAR),
                    allow_blank=True,
                )
            )
            dv.error, dv.errorTitle, dv.showErrorMessage = message, "thidua", True
            dv.add(cells)
            ws.add_data_validation(dv)
    literal_book(book)  # a name typed as "=HYPERLINK(…)" is exported as text
    buffer = BytesIO()
    book.save(buffer)
    write_file(path, buffer.getvalue(), field=field)


# Columns Excel may hold as numbers or dates; every other column is text.
NUMERIC_COLUMNS = frozenset({"year", "retired_from", "decision_date"})


def _quoted(values: list[str]) -> str:
    return '"' + ",".join(values) + '"'


def _validation(sheet: str, key: str, last: int) -> tuple[str, str, str] | None:
    if key in ("year", "retired_from"):
        return "whole", "", f"Năm từ {MIN_YEAR} đến {MAX_YEAR}"
    if sheet == "people" and key == "role":
        return "list", _quoted([r.value for r in Role]), "Chọn một vai trò trong danh sách"
    if sheet == "memberships" and key == "role":
        return "list", _quoted([r.value for r in MemberRole]), "leader, deputy hoặc member"
    if key == "language":
        return "list", _quoted(list(LANGUAGES)), "vi hoặc en"
    if key == "unit":
        return "list", f"units!$A$2:$A${last}", "Mã đơn vị phải có trong trang units"
    if sheet == "memberships" and key == "cluster":
        return "list", f"clusters!$A$2:$A${last}", "Mã cụm phải có trong trang clusters"
    return None
