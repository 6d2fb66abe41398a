"""Word documents of a finished campaign, opened with python-docx as a clerk's Word would, and
one printed with LibreOffice to check that its first page carries ink."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from thidua.templating import diem

from .conftest import CHAIR, SECRETARY, cli, ok

DATE_LINE = re.compile(r"^Hà Nội, ngày \d\d tháng \d\d? năm \d{4}$")


def _texts(doc: DocumentObject) -> list[str]:
    """Every paragraph of the document, tables included, in order."""
    return [
        "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in doc.element.body.iter(qn("w:p"))
    ]


def _all(tmp_path: Path, cid: int) -> dict[str, DocumentObject]:
    folder = tmp_path / "word"
    result = ok("report", "--campaign", cid, "--all", "--docx", "--out", folder, "--json")
    written = json.loads(result.stdout)["written"]
    assert sorted(Path(p).name for p in written) == sorted(p.name for p in folder.iterdir())
    return {Path(p).stem: docx.Document(p) for p in written}


def _report(cid: int) -> dict[str, Any]:
    return json.loads(ok("report", "--campaign", cid, "--json").stdout)


def _check_page(doc: DocumentObject) -> None:
    """A4 and the margins of Nghị định 30/2020/NĐ-CP; Times New Roman 13–14 pt."""
    s = doc.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(0.5) and abs(s.page_height - Mm(297)) < Mm(0.5)
    assert Mm(20) - Mm(0.5) <= s.top_margin <= Mm(25) + Mm(0.5)
    assert Mm(20) - Mm(0.5) <= s.bottom_margin <= Mm(25) + Mm(0.5)
    assert Mm(30) - Mm(0.5) <= s.left_margin <= Mm(35) + Mm(0.5)
    assert Mm(15) - Mm(0.5) <= s.right_margin <= Mm(20) + Mm(0.5)
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)


def _check_header(doc: DocumentObject, issuer: list[str], number: str | None) -> None:
    """Issuing body on the left, Quốc hiệu, Tiêu ngữ and the italic date line on the right."""
    head = doc.tables[0]
    left = [p.text for p in head.cell(0, 0).paragraphs if p.text]
    right = head.cell(0, 1).paragraphs
    assert left[: len(issuer)] == issuer
    if number:
        assert left[-1] == f"Số: …………/{number}"
    assert [p.text for p in right[:2]] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert all(r.bold for p in right[:2] for r in p.runs)
    assert DATE_LINE.match(right[2].text) and all(r.italic for r in right[2].runs)


def _signature(doc: DocumentObject) -> tuple[list[str], list[str]]:
    foot = doc.tables[-1]
    return tuple(  # type: ignore[return-value]
        [p.text for p in foot.cell(0, i).paragraphs if p.text] for i in (0, 1)
    )


def test_every_document_as_word(finished: int, tmp_path: Path) -> None:
    data = _report(finished)
    names = data["units"]
    docs = _all(tmp_path, finished)
    eligible = sorted({n["unit"] for n in data["nominations"] if n["eligible"]})
    assert sorted(docs) == sorted(
        ["bien-ban-lan-1", "bien-ban-lan-2", "quyet-dinh", "to-trinh"]
        + [f"bao-cao-{u}" for u in eligible]
    )
    for doc in docs.values():
        _check_page(doc)
        text = "\n".join(_texts(doc))
        assert "{{" not in text and "{%" not in text and "&amp;" not in text

    # the minutes: every member, every score as the database has it, the people who sign
    minutes = docs["bien-ban-lan-2"]
    _check_header(minutes, ["CÔNG AN THÀNH PHỐ HÀ NỘI", "CỤM THI ĐUA SỐ 4"], "BB-CTD4")
    text = _texts(minutes)
    assert "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA" in text
    members = minutes.tables[1]
    assert [r.cells[1].text for r in members.rows[1:]] == [names[c] for c in names]
    ranking = minutes.tables[2]
    assert [(r.cells[1].text, r.cells[4].text) for r in ranking.rows[1:]] == [
        (names[r["unit"]], diem(r["consolidated"])) for r in data["ranking"]
    ]
    assert f"Thư ký: {SECRETARY}." in text
    assert any(t.startswith(f"Chủ trì: {CHAIR}") for t in text)
    left, right = _signature(minutes)
    assert left == ["THƯ KÝ", "(Ký, ghi rõ họ tên)", SECRETARY]
    assert right == ["CHỦ TRÌ", "(Ký, ghi rõ họ tên)", CHAIR]

    # the decision: the titles the directorate approved, signed by the one who decided
    decision = docs["quyet-dinh"]
    _check_header(decision, ["BỘ CÔNG AN", "CÔNG AN THÀNH PHỐ HÀ NỘI"], "QĐ-CAHN")
    titles = decision.tables[1]
    assert sorted((r.cells[1].text, r.cells[2].text) for r in titles.rows[1:]) == sorted(
        (names[u], t) for u, t in data["outcome"]["titles"].items()
    )
    left, right = _signature(decision)
    assert left[0] == "Nơi nhận:" and "- Như Điều 3;" in left
    assert right == [
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "(Ký, ghi rõ họ tên, đóng dấu)",
        "Phó Giám đốc CATP Hà Nội (Ban Giám đốc)",
    ]

    # the memo: units and nominations counted apart, signed for the leading unit
    memo = docs["to-trinh"]
    _check_header(memo, ["CÔNG AN THÀNH PHỐ HÀ NỘI", "CỤM THI ĐUA SỐ 4"], "TTr-CTD4")
    nominated = [r.cells[1].text for r in memo.tables[1].rows[1:]]
    assert sorted(nominated) == sorted(
        names[n["unit"]] for n in data["nominations"] if n["eligible"]
    )
    total = next(t for t in _texts(memo) if t.startswith("Tổng số:"))
    assert total.startswith(f"Tổng số: {len(eligible)} đơn vị đủ điều kiện được đề nghị, với ")
    left, right = _signature(memo)
    assert left[0] == "Nơi nhận:" and right[-1] == CHAIR

    # one achievement report per unit, with each of its titles
    for unit in eligible:
        report = docs[f"bao-cao-{unit}"]
        _check_header(report, ["CÔNG AN THÀNH PHỐ HÀ NỘI", names[unit].upper()], None)
        text = "\n".join(_texts(report))
        for n in data["nominations"]:
            if n["unit"] == unit and n["eligible"]:
                assert f"“{n['title']}”" in text
        assert _signature(report)[1][0] == "THỦ TRƯỞNG ĐƠN VỊ"


def test_one_document_and_refusals(finished: int, tmp_path: Path) -> None:
    out = tmp_path / "bb.docx"
    ok("report", "--campaign", finished, "--document", "bien-ban-lan-1.md", "--docx", "--out", out)
    assert "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA" in _texts(docx.Document(str(out)))
    for args, code, needle in [
        (["--document", "to-trinh", "--docx"], 2, "out"),
        (["--all", "--out", tmp_path / "x"], 2, "all"),
        (["--document", "to-trinh", "--xlsx", tmp_path / "x.xlsx"], 2, "document"),
        (["--document", "khong-co", "--docx", "--out", tmp_path / "k.docx"], 3, "khong-co"),
    ]:
        result = cli("report", "--campaign", finished, *args)
        assert result.exit_code == code, result.output
        assert needle in result.output
    assert not (tmp_path / "k.docx").exists() and not (tmp_path / "x").exists()
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="needs LibreOffice and pdftoppm (.ci/run installs them)",
)
def test_a_word_document_prints(finished: int, tmp_path: Path) -> None:
    """LibreOffice turns the decision into a PDF; its first page, as an image, carries ink."""
    path = tmp_path / "quyet-dinh.docx"
    ok("report", "--campaign", finished, "--document", "quyet-dinh", "--docx", "--out", path)
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with another run
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = tmp_path / "quyet-dinh.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    [image] = list(tmp_path.glob("p*.pgm"))
    width, height, pixels = _pgm(image.read_bytes())
    assert 412 <= width <= 415 and 583 <= height <= 587  # A4 at 50 dpi
    dark = sum(1 for v in pixels if v < 128) / len(pixels)
    assert 0.005 < dark < 0.5, dark  # text on the page, and not a black page
    # the header's ink is at the top: the first sixth of the page is not blank
    top = pixels[: width * height // 6]
    assert sum(1 for v in top if v < 128) > 200


def _pgm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and pixels of a binary PGM (P5, 8 bits) as pdftoppm -gray writes it."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5" and fields[3] == b"255"
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1 :]
    assert len(pixels) == width * height
    return width, height, pixels


def test_the_minutes_in_word_say_what_each_flagged_unit_explained(
    finished: int, tmp_path: Path
) -> None:
    """The filed minutes (Word) state, like the Markdown ones, whether each unit asked to explain
    its self/peer gap did so, and say so when no unit had to."""
    out = tmp_path / "bb.docx"
    ok("report", "--campaign", finished, "--document", "bien-ban-lan-2", "--docx", "--out", out)
    word = [t.strip() for t in _texts(docx.Document(str(out))) if t.strip()]
    markdown = ok("report", "--campaign", finished, "--document", "bien-ban-lan-2.md").stdout
    flagged = [line.strip() for line in markdown.splitlines() if "chênh lệch +" in line]
    flagged += [line.strip() for line in markdown.splitlines() if "chênh lệch -" in line]
    assert flagged, "the finished campaign has a unit asked to explain its gap"
    for line in flagged:
        assert line.endswith(("Đơn vị chưa giải trình.",)) or "Giải trình: " in line
        assert line in word


def test_the_issuing_body_is_underlined_by_a_short_rule(finished: int, tmp_path: Path) -> None:
    """Nghị định 30/2020/NĐ-CP, Phụ lục I: under the issuing body's name (bold) a solid line of a
    third to a half of the name's length, centred, before "Số: …"; under the motto likewise."""
    for name, doc in _all(tmp_path, finished).items():
        left = doc.tables[0].cell(0, 0)
        width = left.width
        paragraphs = left.paragraphs
        bold = [i for i, p in enumerate(paragraphs) if p.runs and all(r.bold for r in p.runs)]
        assert bold, name
        rule = paragraphs[bold[-1] + 1]
        assert rule.text == "", name
        border = rule._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
        assert border is not None and border.get(qn("w:val")) == "single", name
        indent = rule.paragraph_format
        line = width - indent.left_indent - indent.right_indent
        assert abs(indent.left_indent - indent.right_indent) < Mm(0.5), name  # centred
        assert Mm(15) <= line <= width / 2, name
        after = [p.text for p in paragraphs[bold[-1] + 2 :] if p.text]
        assert after == ([] if name.startswith("bao-cao") else [after[0]]), name
        assert name.startswith("bao-cao") or after[0].startswith("Số: "), name
