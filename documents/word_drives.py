"""The year's emulation drives in the Word minutes and memo (documents/word_build.py): the
drives with their recorded results, and the scheme's lines computed from them, as the Markdown
and HTML documents say them."""

from docx.document import Document as DocumentObject

from documents.word_style import LEFT, grid, para, tag

DRIVE_CELLS = [
    "{{ r.rank }}",
    "{{ r.unit.name }}",
    "{{ r.points | diem }} / {{ r.maximum | diem }}",
    "{{ 'Được tặng' if r.commended else '' }}",
]
POINTS_CELLS = [
    "{{ p.unit.name }}",
    "{{ p.code }} · {{ p.name }}",
    "{{ p.points | diem }}",
    "{{ p.explanation }}",
]


def drives(doc: DocumentObject, label: str) -> None:
    """The year's drives and their recorded results, as the Markdown and HTML documents say."""
    tag(doc, "{%p if drives %}")
    para(doc, label, bold=True, italic=True, align=LEFT)
    tag(doc, "{%p for d in drives %}")
    para(
        doc,
        "**{{ loop.index }}. {{ d.name }}** ({{ d.starts_on | ngay }} – {{ d.ends_on | ngay }})"
        "{{ '' if d.recorded else ': chưa sơ kết.' }}",
        align=LEFT,
    )
    tag(doc, "{%p if d.recorded %}")
    grid(doc, ["Hạng", "Đơn vị", "Điểm", "Giấy khen"], DRIVE_CELLS, "r in d.results", [2, 10, 5, 4])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def drive_points(doc: DocumentObject) -> None:
    """The scheme's lines computed from the drives, unit by unit (MinutesContext.drive_points)."""
    tag(doc, "{%p if drive_points %}")
    para(doc, "Điểm lấy từ kết quả các đợt thi đua", bold=True, italic=True, align=LEFT)
    para(doc, "{{ b.diem_dot_thi_dua() }}")
    heads = ["Đơn vị", "Dòng của thang điểm", "Điểm", "Cách tính"]
    grid(doc, heads, POINTS_CELLS, "p in drive_points", [6, 7, 2, 7])
    tag(doc, "{%p endif %}")
