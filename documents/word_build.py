"""Build the Word templates in documents/word/: `python -m documents.word_build`.

What each template says, in the layout of documents/word_style.py.

The wording is the HTML and Markdown documents' own: the sentences come from the same
`_cau_<document>.html.j2` macros, so the three forms of a document never drift apart.
"""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocumentObject

from documents.word_drives import drive_points, drives
from documents.word_style import (
    CENTER,
    FOLDER,
    LEFT,
    _new,
    grid,
    header,
    heading,
    imports,
    para,
    signatures,
    tag,
    title,
)

BUILDERS: dict[str, Callable[[], DocumentObject]] = {}


def builder(name: str) -> Callable[[Callable[[], DocumentObject]], Callable[[], DocumentObject]]:
    def register(fn: Callable[[], DocumentObject]) -> Callable[[], DocumentObject]:
        BUILDERS[name] = fn
        return fn

    return register


NUMBER = "{{ h.so(symbol) }}"
SHARES = [3, 10, 10, 5, 4, 8]  # the memo's tables
KY_TEN = ("i", "{{ c.KY_TEN }}")
KY_TEN_DONG_DAU = ("i", "{{ c.KY_TEN_DONG_DAU }}")


def _lines(doc: DocumentObject, text: str, *, empty: str = "") -> None:
    """One paragraph per non-empty line of `text` (a variable holding several lines)."""
    tag(doc, f"{{%p for line in {text}.splitlines() if line.strip() %}}")
    para(doc, "{{ line.strip() }}")
    if empty:
        tag(doc, "{%p else %}")
        para(doc, empty)
    tag(doc, "{%p endfor %}")


@builder("bien_ban")
def minutes() -> DocumentObject:
    doc = _new()
    imports(doc, '"_cau_bien_ban.html.j2" as b with context')
    header(
        doc,
        [("{{ body | upper }}", False), ("{{ cluster_name | upper }}", True), (NUMBER, False)],
        "{{ locality }}, {{ held_at | ngay_thang }}",
    )
    title(
        doc, "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA", "Phong trào thi đua “{{ movement }}” năm {{ year }}"
    )
    heading(doc, "I. Thời gian, địa điểm, thành phần")
    para(doc, "**Thời gian:** {{ held_at | gio }}, ngày {{ held_at | ngay }}.")
    para(doc, "**Địa điểm:** {{ place }}.")
    para(
        doc,
        "**Chủ trì:** {{ h.nguoi(chair) }} ({{ leader }}, đơn vị Cụm trưởng {{ cluster_name }}).",
    )
    para(doc, "**Thư ký:** {{ h.nguoi(secretary) }}.")
    para(doc, "**Thành phần:** {{ members | length }} đơn vị thành viên.")
    grid(
        doc,
        ["STT", "Đơn vị", "Tình trạng"],
        ["{{ loop.index }}", "{{ u.name }}", "{{ b.tinh_trang(u) }}"],
        "u in members",
        [2, 10, 8],
    )
    heading(doc, "II. Điều kiện tiến hành bỏ phiếu")
    para(doc, "{{ b.so_phieu() }}")
    tag(doc, "{%p if written %}")
    para(doc, "{{ b.phieu_van_ban() }}")
    tag(doc, "{%p endif %}")
    para(doc, "{{ b.quy_dinh_so_phieu() }}")
    para(doc, "{{ b.ket_luan_so_phieu() }}", bold=True)
    heading(doc, "III. Kết quả chấm điểm thi đua")
    grid(
        doc,
        [
            "Hạng",
            "Đơn vị",
            "Tự chấm",
            "TB chấm chéo",
            "Điểm tổng hợp",
            "Chênh lệch",
            "Danh hiệu đề nghị",
        ],
        [
            "{{ r.rank }}",
            "{{ names[r.unit] }}",
            "{{ r.self_total | diem }}",
            "{{ r.peer_mean | diem }}",
            "{{ r.consolidated | diem }}",
            "{{ r.gap | diem(sign=True) }}{{ ' ⚠' if r.gap_flagged else '' }}",
            "{{ b.danh_hieu(r) }}",
        ],
        "r in ranking",
        [3, 7, 3, 3, 3, 3, 5],
    )
    tag(doc, "{%p if gap_flagged %}")
    para(
        doc,
        "Chênh lệch giữa điểm tự chấm và điểm trung bình chấm chéo vượt quá "
        "{{ gap_threshold | diem }} điểm (⚠); các đơn vị sau phải giải trình:",
    )
    tag(doc, "{%p for u in gap_flagged %}")
    tag(doc, '{%p set r = ranking | selectattr("unit", "equalto", u.code) | first %}')
    para(
        doc,
        "- {{ u.name }}: tự chấm {{ r.self_total | diem }}, chấm chéo {{ r.peer_mean | diem }}, "
        "chênh lệch {{ r.gap | diem(sign=True) }} điểm. {{ b.giai_trinh(u) }}",
    )
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p else %}")
    para(
        doc,
        "Không có đơn vị nào có chênh lệch giữa điểm tự chấm và chấm chéo vượt quá "
        "{{ gap_threshold | diem }} điểm.",
    )
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for u in no_self_assessment %}")
    para(doc, "- {{ u.name }}: không tự chấm điểm, không đủ điều kiện xét danh hiệu.")
    tag(doc, "{%p endfor %}")
    drives(doc, "Kết quả các đợt thi đua trong năm")
    drive_points(doc)
    heading(doc, "IV. Kết quả bỏ phiếu kín")
    elections = [
        ("acclaim", "acclaim_threshold", "1. Suy tôn đơn vị dẫn đầu năm {{ year }}",
         "'suy tôn là đơn vị dẫn đầu ' ~ cluster_name ~ ' năm ' ~ year"),
        ("leader", "leader_threshold", "2. Bầu đơn vị Cụm trưởng năm {{ year + 1 }}",
         "'bầu làm đơn vị Cụm trưởng năm ' ~ (year + 1)"),
        ("deputy", "leader_threshold", "3. Bầu đơn vị Cụm phó năm {{ year + 1 }}",
         "'bầu làm đơn vị Cụm phó năm ' ~ (year + 1)"),
    ]  # fmt: skip
    for question, threshold, label, outcome in elections:
        para(doc, label, bold=True, italic=True, align=LEFT)
        tag(doc, f"{{%p for unit, n in vote.{question}.counts %}}")
        para(doc, "- {{ names[unit] }}: {{ n }} phiếu")
        tag(doc, "{%p endfor %}")
        para(doc, f"{{{{ b.yeu_cau(vote.{question}, rules.{threshold}) }}}}")
        tag(doc, f"{{%p if vote.{question}.tie_broken_by %}}")
        para(doc, f"{{{{ b.phan_dinh(vote.{question}) }}}}")
        tag(doc, "{%p endif %}")
        para(doc, f"{{{{ b.ket_qua_bau(vote.{question}, {outcome}) }}}}", bold=True)
        if question == "acclaim":
            tag(doc, "{%p if vote.flag %}")
            para(doc, "{{ b.co_thi_dua() }}")
            tag(doc, "{%p endif %}")
    para(doc, "4. Biểu quyết danh hiệu thi đua năm {{ year }}", bold=True, italic=True, align=LEFT)
    grid(
        doc,
        ["Đơn vị", "Danh hiệu đề nghị", "Đồng ý", "Không đồng ý", "Cần đạt", "Kết quả"],
        [
            "{{ names[t.unit] }}",
            "{{ t.title }}",
            "{{ t.yes }}",
            "{{ t.no }}",
            "{{ t.required }}",
            "{{ b.ket_qua_danh_hieu(t) }}",
        ],
        "t in vote.titles",
        [6, 5, 2, 2, 2, 3],
    )
    para(doc, "{{ b.chi_tieu() }}")
    heading(doc, "V. Kết thúc")
    para(
        doc,
        "Việc bỏ phiếu kết thúc: {{ closed_reason }}. Kết quả kiểm phiếu đã được công bố tại hội "
        "nghị; biên bản được các đơn vị dự họp thống nhất thông qua.",
    )
    signatures(
        doc,
        [("b", "THƯ KÝ"), KY_TEN, ("g", ""), ("b", "{{ h.ten(secretary) }}")],
        [("b", "CHỦ TRÌ"), KY_TEN, ("g", ""), ("b", "{{ h.ten(chair) }}")],
    )
    return doc


@builder("to_trinh")
def memo() -> DocumentObject:
    doc = _new()
    imports(doc, '"_cau_to_trinh.html.j2" as t with context')
    header(
        doc,
        [("{{ body | upper }}", False), ("{{ cluster_name | upper }}", True), (NUMBER, False)],
        "{{ locality }}, {{ date | ngay_thang }}",
    )
    title(doc, "{{ t.TIEU_DE }}", "{{ t.trich_yeu() }}")
    para(doc, "**Kính gửi:** {{ t.kinh_gui() }}", align=CENTER)
    para(doc, "{{ t.can_cu() }}")
    cols = ["STT", "Đơn vị", "Danh hiệu, hình thức đề nghị", "Điểm tổng hợp", "Xếp hạng"]
    cells = [
        "{{ loop.index }}",
        "{{ names[n.unit] }}",
        "{{ n.title }}",
        "{{ n.score | diem }}",
        "{{ n.rank }}",
        "{{ t.ghi_chu(n) }}",
    ]
    heading(doc, "I. Các đơn vị đề nghị khen thưởng")
    grid(doc, [*cols, "Ghi chú"], cells, 'n in nominations | selectattr("eligible")', SHARES)
    heading(doc, "II. Các trường hợp không đủ điều kiện")
    tag(doc, '{%p if nominations | rejectattr("eligible") | list %}')
    grid(doc, [*cols, "Lý do"], cells, 'n in nominations | rejectattr("eligible")', SHARES)
    tag(doc, "{%p else %}")
    para(doc, "Không có.")
    tag(doc, "{%p endif %}")
    para(doc, "{{ t.tong_ket() }}")
    drives(doc, "Kết quả các đợt thi đua trong năm của cụm")
    heading(doc, "III. Ý kiến của Ban Giám đốc")
    para(doc, "{{ directorate_decision }}", bold=True)
    tag(doc, "{%p for a in amendments %}")
    para(doc, "- {{ a }}")
    tag(doc, "{%p endfor %}")
    heading(doc, "Hồ sơ kèm theo")
    tag(doc, "{%p for line in t.HO_SO_KEM_THEO %}")
    para(doc, "- {{ line }}")
    tag(doc, "{%p endfor %}")
    para(doc, "Kính trình Hội đồng Thi đua - Khen thưởng xem xét, quyết định.")
    signatures(
        doc,
        [("bis", "Nơi nhận:"), ("s", "- Như trên;"), ("s", "- Lưu: {{ cluster_name }}.")],
        [
            ("b", "ĐẠI DIỆN ĐƠN VỊ CỤM TRƯỞNG"),
            ("b", "{{ leader | upper }}"),
            ("b", "{{ signer.position | upper }}"),
            KY_TEN_DONG_DAU,
            ("g", ""),
            ("b", "{{ h.ten(signer) }}"),
        ],
    )
    return doc


@builder("bao_cao_thanh_tich")
def achievement_report() -> DocumentObject:
    doc = _new()
    imports(doc, '"_cau_bao_cao_thanh_tich.html.j2" as r with context')
    header(
        doc,
        [("{{ body | upper }}", False), ("{{ unit.name | upper }}", True)],
        "{{ locality }}, {{ date | ngay_thang }}",
    )
    title(doc, "{{ r.TIEU_DE }}", "{{ r.trich_yeu() }}")
    heading(doc, "I. Thông tin chung")
    para(doc, "{{ r.thong_tin() }}")
    heading(doc, "II. Kết quả chấm điểm thi đua")
    grid(
        doc,
        ["Nhóm tiêu chí", "Tiêu chí", "Điểm tối đa", "Tự chấm", "TB chấm chéo"],
        [
            "{{ line.group if loop.changed(line.group) else '' }}",
            "{{ line.criterion }}",
            "{{ line.max_points | diem }}",
            "{{ line.self_points | diem }}",
            "{{ line.peer_mean | diem }}",
        ],
        "line in criteria",
        [4, 6, 2, 2, 2],
    )
    para(
        doc,
        "Cộng: điểm tối đa {{ r.tong('max_points') }}; tự chấm {{ r.tong('self_points') }}; "
        "trung bình chấm chéo {{ r.tong('peer_mean') }}.",
    )
    para(doc, "{{ r.ket_qua_cham_diem() }}")
    tag(doc, "{%p if score.gap_flagged %}")
    para(doc, "{{ r.giai_trinh() }}", bold=True)
    tag(doc, "{%p endif %}")
    heading(doc, "III. Thành tích đạt được")
    _lines(doc, "achievements")
    heading(doc, "IV. Tồn tại, hạn chế")
    _lines(doc, "shortcomings", empty="Không có.")
    heading(doc, "V. Đề nghị")
    para(doc, "{{ r.de_nghi() }}")
    signatures(
        doc,
        [("b", "XÁC NHẬN CỦA {{ cluster_name | upper }}"), KY_TEN_DONG_DAU],
        [("b", "THỦ TRƯỞNG ĐƠN VỊ"), KY_TEN_DONG_DAU, ("g", ""), ("b", "{{ h.ten(head) }}")],
    )
    return doc


@builder("quyet_dinh")
def decision() -> DocumentObject:
    doc = _new()
    imports(doc, '"_cau_quyet_dinh.html.j2" as q with context')
    header(
        doc,
        [("{{ parent_body | upper }}", False), ("{{ body | upper }}", True), (NUMBER, False)],
        "{{ locality }}, {{ date | ngay_thang }}",
    )
    title(doc, "{{ q.TIEU_DE }}", "{{ q.trich_yeu() }}")
    para(doc, "{{ q.tham_quyen() | upper }}", bold=True, align=CENTER)
    tag(doc, '{%p for line in q.can_cu().split("\\n") %}')
    para(doc, "{{ line }}", italic=True)
    tag(doc, "{%p endfor %}")
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER)
    para(doc, '**Điều 1.** {{ q.trich_yeu() | replace("Về việc công nhận", "Công nhận") }}:')
    para(doc, "1. {{ q.suy_ton() }}")
    para(doc, "2. {{ q.danh_hieu() }}")
    grid(
        doc,
        ["STT", "Đơn vị", "Danh hiệu thi đua", "Điểm tổng hợp", "Xếp hạng"],
        [
            "{{ loop.index }}",
            "{{ t.unit.name }}",
            "{{ t.title }}",
            "{{ t.score | diem }}",
            "{{ t.rank }}",
        ],
        "t in titles",
        [2, 10, 8, 4, 3],
    )
    para(doc, "3. {{ q.cum_truong() }}")
    tag(doc, "{%p if amendments %}")
    para(doc, "{{ q.dieu_chinh() }}")
    tag(doc, "{%p endif %}")
    para(doc, "**Điều 2.** {{ q.hieu_luc() }}")
    para(doc, "**Điều 3.** {{ q.thi_hanh() }}")
    signatures(
        doc,
        [
            ("bis", "Nơi nhận:"),
            ("s", '{%p for line in q.noi_nhan().split("\\n") %}'),
            ("s", "{{ line }}"),
            ("s", "{%p endfor %}"),
        ],
        [
            ("b", "{{ signer_on_behalf }}"),
            ("b", "{{ signer.position | upper }}"),
            KY_TEN_DONG_DAU,
            ("g", ""),
            ("b", "{{ h.ten(signer) }}"),
        ],
    )
    return doc


def build(folder: Path = FOLDER) -> list[Path]:
    """Write every Word template into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in sorted(BUILDERS.items()):
        path = folder / f"{name}.docx"
        doc = make()
        props = doc.core_properties
        props.author, props.title, props.revision = "thidua", name, 1
        # Fixed, so that building again without a change gives the same files.
        props.created = props.modified = dt.datetime(2020, 1, 1)
        doc.save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build():
        print(path)
