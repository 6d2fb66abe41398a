"""The results as Excel and CSV, read back and checked against the database."""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
from sqlmodel import select

from models import Nomination
from thidua.db import session_scope
from thidua.services.results import ranking_of, vote_of

from .conftest import ok

SHEETS = [
    "Xếp hạng",
    "Chênh lệch tự chấm - chấm chéo",
    "Bỏ phiếu",
    "Biểu quyết danh hiệu",
    "Danh hiệu được phê duyệt",
    "Đề nghị khen thưởng",
]


def _rows(ws: object) -> list[dict[str, object]]:
    values = list(ws.iter_rows(values_only=True))  # type: ignore[attr-defined]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_workbook_totals_equal_the_database(finished: int, tmp_path: Path) -> None:
    path = tmp_path / "ket-qua.xlsx"
    ok("report", "--campaign", finished, "--xlsx", path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS  # counts only: no sheet of ballots
    with session_scope() as s:
        ranking = ranking_of(s, finished)
        vote = vote_of(s, finished)
        nominations = s.exec(select(Nomination).where(Nomination.campaign_id == finished)).all()
    assert ranking is not None and vote is not None

    rows = _rows(wb["Xếp hạng"])
    assert [(r["Mã đơn vị"], r["Điểm tổng hợp"]) for r in rows] == [
        (r.unit, float(r.consolidated.quantize(Decimal("0.01")))) for r in ranking
    ]
    for row, r in zip(rows, ranking, strict=True):
        given = [v for k, v in row.items() if str(k).startswith("Chấm bởi ") and v is not None]
        assert len(given) == 9  # every other member scored it; its own column is empty
        assert row[f"Chấm bởi {row['Đơn vị']}"] is None
        assert abs(sum(given) / len(given) - float(r.peer_mean)) < 0.01  # type: ignore[arg-type]
    gaps = _rows(wb["Chênh lệch tự chấm - chấm chéo"])
    assert [g["Phải giải trình"] == "có" for g in gaps] == [r.gap_flagged for r in ranking]

    elections = _rows(wb["Bỏ phiếu"])
    for question, label in [
        (vote.acclaim, "Suy tôn đơn vị dẫn đầu"),
        (vote.leader, "Cụm trưởng năm sau"),
        (vote.deputy, "Cụm phó năm sau"),
    ]:
        counts = [e["Số phiếu"] for e in elections if e["Nội dung"] == label]
        assert counts == [n for _, n in question.counts]
        assert sum(counts) <= vote.ballots_cast  # type: ignore[arg-type]
    titles = _rows(wb["Biểu quyết danh hiệu"])
    assert [(t["Đồng ý"], t["Không đồng ý"]) for t in titles] == [
        (t.yes, t.no) for t in vote.titles
    ]
    noms = _rows(wb["Đề nghị khen thưởng"])
    assert len(noms) == len(nominations)
    assert sorted((n["Mã đơn vị"], n["Danh hiệu, hình thức"]) for n in noms) == sorted(
        (next(r.unit for r in ranking if r.rank == n.rank), n.title) for n in nominations
    )
    assert {n["Trạng thái"] for n in noms} <= {"chờ xét", "không gửi lên Hội đồng"}


def test_csv_with_bom(finished: int, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    result = ok("report", "--campaign", finished, "--csv", folder, "--json")
    written = sorted(Path(p).name for p in json.loads(result.stdout)["written"])
    assert written == sorted(
        f"{k}.csv"
        for k in (
            "xep-hang", "chenh-lech", "bo-phieu", "bieu-quyet-danh-hieu", "danh-hieu",
            "de-nghi-khen-thuong",
        )
    )  # fmt: skip
    raw = (folder / "xep-hang.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    with session_scope() as s:
        ranking = ranking_of(s, finished)
    assert ranking is not None
    assert [(r["Mã đơn vị"], Decimal(r["Điểm tổng hợp"])) for r in rows] == [
        (r.unit, r.consolidated.quantize(Decimal("0.01"))) for r in ranking
    ]
    assert "Phòng Tổ chức cán bộ" in {r["Đơn vị"] for r in rows}
