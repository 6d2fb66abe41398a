"""The Word templates: made by their script, safe with any text, replaceable by one's own."""

import io
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from documents.docx import FOLDER, render_docx
from documents.render import DECISION, DOCUMENTS
from documents.word_build import build

from .test_documents import (
    EVIL,
    _evil_memo,
    _evil_minutes,
    _evil_report,
    achievement_context,
    decision_context,
    memo_context,
    minutes_context,
)


def _text(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    return "\n".join(t.text or "" for t in doc.element.body.iter(qn("w:t")))


def test_the_committed_templates_are_what_the_script_builds(tmp_path: Path) -> None:
    built = {p.name for p in build(tmp_path)}
    assert built == {f"{d}.docx" for d in DOCUMENTS} == {p.name for p in FOLDER.glob("*.docx")}
    for name in built:
        # The words, the tables and the page, not the bytes: another python-docx may write
        # the same document in other bytes.
        new, old = docx.Document(str(tmp_path / name)), docx.Document(str(FOLDER / name))
        assert _paragraphs(new) == _paragraphs(old), f"{name}: python -m documents.word_build"
        assert len(new.tables) == len(old.tables)
        page = ("page_width", "page_height", "top_margin", "bottom_margin", "left_margin")
        assert [getattr(new.sections[0], a) for a in (*page, "right_margin")] == [
            getattr(old.sections[0], a) for a in (*page, "right_margin")
        ]


def _paragraphs(doc: object) -> list[str]:
    body = doc.element.body  # type: ignore[attr-defined]
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]


@pytest.mark.parametrize(
    ("document", "ctx"),
    [
        ("bien_ban", _evil_minutes),
        ("to_trinh", _evil_memo),
        ("bao_cao_thanh_tich", _evil_report),
        (DECISION, lambda: decision_context({**minutes_context().names, "tham-muu": EVIL})),
    ],
)
def test_hostile_text_stays_text(document: str, ctx: object) -> None:
    text = _text(render_docx(document, ctx()))  # type: ignore[operator]
    assert EVIL in text and "&amp;" not in text and "&lt;" not in text


@pytest.mark.parametrize(
    ("document", "ctx", "needle"),
    [
        ("bien_ban", minutes_context, "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA"),
        ("to_trinh", memo_context, "TỜ TRÌNH"),
        ("bao_cao_thanh_tich", achievement_context, "BÁO CÁO THÀNH TÍCH"),
        (DECISION, decision_context, "QUYẾT ĐỊNH"),
    ],
)
def test_every_template_renders(document: str, ctx: object, needle: str) -> None:
    text = _text(render_docx(document, ctx()))  # type: ignore[operator]
    assert needle in text and "{{" not in text and "{%" not in text


def test_an_organisation_uses_its_own_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = docx.Document()
    own.add_paragraph("Mẫu của đơn vị: {{ cluster_name }}, năm {{ year }}, {{ h.so(symbol) }}")
    own.paragraphs[0].insert_paragraph_before('{%p import "_cau_chung.html.j2" as h %}')
    own.save(str(tmp_path / "bien_ban.docx"))
    monkeypatch.setenv("THIDUA_WORD_TEMPLATES", str(tmp_path))
    text = _text(render_docx("bien_ban", minutes_context()))
    assert text == "Mẫu của đơn vị: Cụm thi đua số 4, năm 2019, Số: …………/BB-CTD4"
    # the others still come from thidua's own templates
    assert "TỜ TRÌNH" in _text(render_docx("to_trinh", memo_context()))
