"""How a dry-run of draft rules is shown: a table per campaign (80 columns are enough), or a
workbook (.xlsx) with one line per unit and a sheet of notes."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console

from thidua.cli.io import table
from thidua.services.dry_run import DryRun, UnitChange, UnitOutcome
from thidua.templating import diem

ELECTION_LABELS = {
    "acclaim": "Suy tôn đơn vị dẫn đầu",
    "flag": "Đề nghị cờ thi đua",
    "leader": "Cụm trưởng năm sau",
    "deputy": "Cụm phó năm sau",
}
_FIELDS = ("score", "rank", "title", "nominations")


def _show(outcome: UnitOutcome, field: str) -> str:
    value = getattr(outcome, field)
    if field == "nominations":
        return "; ".join(n.label() for n in value) or "—"
    if isinstance(value, Decimal):
        return diem(value)  # 87,88: the decimal comma of every document the clerk reads
    return "—" if value is None else str(value)


def _cell(change: UnitChange, field: str) -> str:
    before, after = _show(change.before, field), _show(change.after, field)
    return before if before == after else f"{before} → {after}"


def print_dry_run(console: Console, result: DryRun, *, rules_name: str) -> None:
    def say(text: str) -> None:
        # Wrapped to the terminal, unlike the shared console's lines: notes can be long.
        console.print(text, markup=False, highlight=False, soft_wrap=False)

    say(f"Chạy thử quy định {rules_name} trên số liệu năm {result.year}")
    say("(kết quả đã lưu của năm đó không thay đổi)")
    for line in result.scheme_notes:
        say(f"  • {line}")
    for c in result.campaigns:
        changed = [u for u in c.units if u.changed]
        t = table(
            f"{c.cluster_name} ({c.cluster}) — đợt #{c.campaign_id}: "
            f"{len(changed)}/{len(c.units)} đơn vị thay đổi",
            "Đơn vị",
            "Điểm",
            "Hạng",
            "Danh hiệu",
            "Đề nghị khen thưởng",
        )
        for u in changed:
            t.add_row(u.unit, *(_cell(u, f) for f in _FIELDS))
        if changed:
            console.print(t)
        else:
            say(f"{t.title}: không có gì thay đổi")
        for key, (before, after) in c.elections.items():
            if before != after:
                say(f"  {ELECTION_LABELS[key]}: {before or '—'} → {after or '—'}")
        for u in changed:
            for line in u.notes:
                say(f"  {u.unit}: {line}")
        for line in c.notes:
            say(f"  {line}")


def as_json(result: DryRun) -> dict[str, Any]:
    return {**result.model_dump(mode="json"), "changed_units": result.changed_units}


XLSX_HEADERS = (
    "Cụm",
    "Mã đơn vị",
    "Tên đơn vị",
    "Điểm trước",
    "Điểm sau",
    "Hạng trước",
    "Hạng sau",
    "Danh hiệu trước",
    "Danh hiệu sau",
    "Đề nghị trước",
    "Đề nghị sau",
    "Thay đổi",
    "Ghi chú",
)


def write_xlsx(path: Path, result: DryRun) -> None:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # only this command needs it

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Thay đổi"
    sheet.append(XLSX_HEADERS)
    for c in result.campaigns:
        for u in c.units:
            b, a = u.before, u.after
            sheet.append(
                (
                    c.cluster,
                    u.unit,
                    u.name,
                    float(b.score) if b.score is not None else None,
                    float(a.score) if a.score is not None else None,
                    b.rank,
                    a.rank,
                    b.title,
                    a.title,
                    _show(b, "nominations"),
                    _show(a, "nominations"),
                    ", ".join(u.changed),
                    "; ".join(u.notes),
                )
            )
    sheet.freeze_panes = "D2"
    notes = book.create_sheet("Ghi chú")
    notes.append(("Năm so sánh", result.year))
    for line in result.scheme_notes:
        notes.append(("Thang điểm", line))
    for c in result.campaigns:
        for key, (before, after) in c.elections.items():
            label = f"{c.cluster}: {ELECTION_LABELS[key]}"
            notes.append((label, f"{before or '—'} → {after or '—'}"))
        for line in c.notes:
            notes.append((c.cluster, line))
    from thidua.sheet_text import literal_book

    literal_book(book)  # names and notes are people's text, never formulas
    from io import BytesIO

    from thidua.outfile import write_file

    buffer = BytesIO()
    book.save(buffer)
    write_file(path, buffer.getvalue(), field="xlsx")
