"""`thidua report` writing files: Word documents (--docx), the results as Excel (--xlsx) or CSV
(--csv). Kept apart from thidua/cli/read.py so the libraries load only when a file is asked for.

A file is written whole or not at all: into a temporary file beside it, then renamed.
"""

import os
import tempfile
from pathlib import Path

from thidua.cli.io import done, print_json
from thidua.db import session_scope
from thidua.errors import InvalidInput


def write_atomic(path: Path, data: bytes) -> None:
    """`data` into `path`, replacing it only once written in full."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_options(
    *,
    document: str | None,
    docx: bool,
    all_docs: bool,
    out: Path | None,
    xlsx: Path | None,
    csv_dir: Path | None,
) -> None:
    """Refuse a combination that says two things at once, before anything is read."""
    if all_docs and not docx:
        raise InvalidInput("all", "--all đi cùng --docx (mọi tài liệu của đợt ra tệp Word)")
    if docx and all_docs and document is not None:
        raise InvalidInput("all", "dùng --all hoặc --document KEY, không dùng cả hai")
    if docx and not all_docs and document is None:
        raise InvalidInput("docx", "cần --document KEY (một tài liệu) hoặc --all (mọi tài liệu)")
    if docx and out is None:
        raise InvalidInput("out", "cần --out: tệp .docx (với --document) hoặc thư mục (với --all)")
    if out is not None and not docx:
        raise InvalidInput(
            "out", "--out dùng cùng --docx; kết quả ra Excel/CSV: --xlsx F, --csv DIR"
        )
    if docx and (xlsx is not None or csv_dir is not None):
        raise InvalidInput("docx", "xuất bản Word và bảng kết quả bằng hai lệnh riêng")
    if document is not None and not docx:
        raise InvalidInput("document", "--xlsx/--csv ghi kết quả cả đợt, không theo tài liệu")


def export_word(
    campaign: int, *, document: str | None, all_docs: bool, out: Path, as_json: bool
) -> None:
    from thidua.services.word import word_document, word_keys

    with session_scope() as session:
        keys = word_keys(session, campaign) if all_docs else [document or ""]
        files = {key: word_document(session, campaign, key) for key in keys}
    if all_docs:
        if out.exists() and not out.is_dir():
            raise InvalidInput("out", f"'{out}' không phải thư mục")
        targets = {key: out / f"{key}.docx" for key in files}
    else:
        targets = {key: out for key in files}
    for key, data in files.items():
        write_atomic(targets[key], data)
    if as_json:
        print_json({"written": [str(p) for p in targets.values()]})
        return
    for path in targets.values():
        done(f"Đã ghi {path}")


def export_tables(campaign: int, *, xlsx: Path | None, csv_dir: Path | None, as_json: bool) -> None:
    from documents.tables import csv_files, workbook
    from thidua.services.context import load_campaign
    from thidua.services.result_tables import result_sheets

    with session_scope() as session:
        sheets = result_sheets(session, campaign)
        name = load_campaign(session, campaign).run_name
    written: list[Path] = []
    if csv_dir is not None:
        if csv_dir.exists() and not csv_dir.is_dir():
            raise InvalidInput("csv", f"'{csv_dir}' không phải thư mục")
        for file_name, data in csv_files(sheets).items():
            write_atomic(csv_dir / file_name, data)
            written.append(csv_dir / file_name)
    if xlsx is not None:
        write_atomic(xlsx, workbook(sheets, title=f"Kết quả bình xét {name}"))
        written.append(xlsx)
    if as_json:
        print_json({"written": [str(p) for p in written]})
        return
    for path in written:
        done(f"Đã ghi {path}")
