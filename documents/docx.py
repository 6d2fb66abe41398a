"""Word (.docx) documents, rendered with docxtpl from the templates in documents/word/.

Why docxtpl rather than python-docx alone: the template is a Word file, so an organisation
changes its layout (its own header, numbering, fonts, logo) in Word and drops the file in
`THIDUA_WORD_TEMPLATES` or documents/word/, without touching code; python-docx still builds the
default templates (documents/word_build.py) and reads documents back in the tests.

The Jinja inside the Word files runs in an overlay of the project's one environment
(thidua/templating.py): the same filters, StrictUndefined, and the same shared sentences
(`{% import "_cau_bien_ban.html.j2" as b with context %}`), autoescaped since a .docx is XML.
"""

import io
import os
from pathlib import Path

from jinja2 import Environment
from pydantic import BaseModel

from documents.render import DOCUMENTS
from thidua.templating import environment

FOLDER = Path(__file__).parent / "word"


def _environment() -> Environment:
    # Not trim_blocks: docxtpl places its tags between XML elements itself.
    return environment().overlay(autoescape=True, trim_blocks=False, lstrip_blocks=False)


def template_path(document: str) -> Path:
    """The Word template of `document`: the organisation's own if it has put one in
    THIDUA_WORD_TEMPLATES, else thidua's."""
    if document not in DOCUMENTS:
        raise ValueError(f"không có văn bản {document!r}")
    own = os.environ.get("THIDUA_WORD_TEMPLATES")
    if own and (Path(own) / f"{document}.docx").is_file():
        return Path(own) / f"{document}.docx"
    return FOLDER / f"{document}.docx"


def render_docx(document: str, ctx: BaseModel) -> bytes:
    """The .docx of one document (bien_ban, to_trinh, bao_cao_thanh_tich, quyet_dinh)."""
    from docxtpl import DocxTemplate  # type: ignore[import-untyped]

    tpl = DocxTemplate(str(template_path(document)))
    # dict(model) keeps nested models as models, as for the HTML and Markdown templates.
    tpl.render(dict(ctx), jinja_env=_environment(), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
