"""Ballot receipts (biên nhận phiếu bầu): a voter learns that their ballot was counted, and
nobody learns from the receipt what it says or whose it is.

A random code is shown once to whoever cast the ballot. The ballot row keeps only its keyed
hash (the server's key, as for action codes): a copied database, even with a voter's code in
hand, cannot find that voter's ballot without the key. When the vote closes, the stored result
lists the hashes of the ballots it counted, sorted, beside the count; `verify` answers from that
list. Nothing here is audited with an actor: a log line "X checked receipt R" would link them.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models import Ballot, StageRun
from rules.stages import Stage
from thidua import localtime
from thidua.errors import InvalidInput, NotFound
from thidua.secretkey import keyed_hash
from thidua.services.context import load_campaign

# RFC 4648 base32 without padding: no 0/1/8/9, so O/I/L/B are not confused with digits.
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Digits the alphabet lacks, read as the letters they are mistaken for when typed back.
_READ_AS = str.maketrans({"0": "O", "1": "I", "8": "B"})
_GROUPS, _GROUP = 4, 5  # 20 symbols, 100 bits: far beyond guessing


def new_receipt() -> str:
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(symbols[i : i + _GROUP] for i in range(0, len(symbols), _GROUP))


def normalise(receipt: str) -> str:
    """The code as typed back: any case, with or without dashes and spaces."""
    code = "".join(ch for ch in receipt.upper() if ch not in "- \t").translate(_READ_AS)
    if len(code) != _GROUPS * _GROUP or any(ch not in _ALPHABET for ch in code):
        raise InvalidInput(
            "receipt",
            f"mã biên nhận gồm {_GROUPS * _GROUP} ký tự A–Z, 2–7 (có thể có dấu gạch ngang), "
            "như đã in khi bỏ phiếu",
        )
    return code


def fingerprint(receipt: str) -> str:
    return keyed_hash(f"ballot-receipt:{normalise(receipt)}")


def counted_fingerprints(session: Session, run: StageRun) -> list[str]:
    """What the vote's result publishes: the receipts of the ballots it counts, sorted so the
    list says nothing of the order in which they came."""
    rows = session.exec(
        select(Ballot.receipt_sha256).where(
            Ballot.stage_run_id == run.id, col(Ballot.receipt_sha256).is_not(None)
        )
    ).all()
    return sorted(r for r in rows if r is not None)


def reseal(session: Session, run: StageRun) -> None:
    """Write the vote's ballots again, in a random order, in the transaction that closes it.

    PostgreSQL keeps on every row the id of the transaction that wrote it (`xmin`), and a
    ballot is written in the same transaction as its unit's line on the voter roll: whoever may
    SELECT both tables could join them on it. Written again together at the close, every ballot
    carries the closing transaction's id, in a random physical order."""
    rows = session.exec(select(Ballot).where(Ballot.stage_run_id == run.id)).all()
    copies = [
        Ballot(stage_run_id=r.stage_run_id, content=r.content, receipt_sha256=r.receipt_sha256)
        for r in rows
    ]
    for row in rows:
        session.delete(row)
    session.flush()
    secrets.SystemRandom().shuffle(copies)
    session.add_all(copies)
    session.flush()


@dataclass(frozen=True)
class ReceiptCheck:
    campaign: str  # the campaign's run name
    attempt: int  # which vote of the campaign (a directorate's return reopens the vote)
    counted: bool
    closed_at: datetime | None
    ballots: int | None  # how many ballots that count took in
    superseded_by: int | None  # a later vote of the same campaign, if one replaced this count

    @property
    def message(self) -> str:
        if not self.counted:
            return (
                f"Phiếu đã được ghi nhận trong lần bỏ phiếu {self.attempt} của {self.campaign}; "
                "chưa kiểm phiếu (giai đoạn bỏ phiếu chưa kết thúc)."
            )
        assert self.closed_at is not None
        when = f"{localtime.local(self.closed_at):%H:%M ngày %d/%m/%Y}"
        text = (
            f"Phiếu đã được kiểm trong kết quả bỏ phiếu lần {self.attempt} của {self.campaign}, "
            f"kiểm lúc {when} ({self.ballots} phiếu)."
        )
        if self.superseded_by is not None:
            text += f" Kết quả lần này đã được thay bằng lần bỏ phiếu {self.superseded_by}."
        return text


def verify(session: Session, *, campaign_id: int, receipt: str) -> ReceiptCheck:
    """Whether the ballot with this receipt was counted in the campaign's vote; never its
    content. A code that matches no ballot of the campaign is refused (NotFound)."""
    view = load_campaign(session, campaign_id)
    digest = fingerprint(receipt)
    runs = session.exec(
        select(StageRun)
        .where(StageRun.campaign_id == view.id, StageRun.stage == Stage.VOTE)
        .order_by(col(StageRun.attempt))
    ).all()
    latest = runs[-1].attempt if runs else None
    for run in runs:
        published = (run.result_json or {}).get("receipts")
        if run.closed_at is not None and isinstance(published, list) and digest in published:
            return ReceiptCheck(
                campaign=view.run_name,
                attempt=run.attempt,
                counted=True,
                closed_at=run.closed_at,
                ballots=int((run.result_json or {}).get("vote", {}).get("ballots_cast", 0)),
                superseded_by=latest if latest != run.attempt else None,
            )
    held = session.exec(select(Ballot.stage_run_id).where(Ballot.receipt_sha256 == digest)).first()
    pending = next((r for r in runs if r.id == held and r.closed_at is None), None)
    if pending is not None:
        return ReceiptCheck(
            campaign=view.run_name,
            attempt=pending.attempt,
            counted=False,
            closed_at=None,
            ballots=None,
            superseded_by=None,
        )
    raise NotFound(
        f"Mã biên nhận không khớp với phiếu nào đã kiểm của {view.run_name}: kiểm tra lại mã "
        "và số hiệu đợt bình xét"
    )
