"""Ballot receipts: the voter learns that their ballot was counted, from a code shown once;
nothing in the database links the code or the ballot to the unit that cast it."""

import hashlib
import json
import re

import pytest
import yaml
from sqlalchemy import inspect
from sqlmodel import select
from typer.testing import CliRunner

from models import AuditEvent, Ballot, StageRun, VoterRoll
from rules.stages import Stage
from simulation.participants import Script, ballot_for
from simulation.synthetic import drive_in_process
from thidua.db import get_engine, session_scope
from thidua.errors import Conflict, InvalidInput, NotFound
from thidua.sample import officer_username
from thidua.services import receipts, submissions
from thidua.services.context import get_actor, load_campaign

from .test_cli import campaign, invoke, runner, templates  # noqa: F401 (fixtures)

SCRIPT = Script(late_unit=None, returned_unit=None)


def _cast(campaign_id: int, unit: str) -> str:
    with session_scope() as s:
        view = load_campaign(s, campaign_id)
        return submissions.cast_ballot(
            s,
            actor=get_actor(s, officer_username(unit)),
            campaign_id=campaign_id,
            ballot=ballot_for(s, view, unit, SCRIPT),
        )


def _verify(campaign_id: int, receipt: str) -> receipts.ReceiptCheck:
    with session_scope() as s:
        return receipts.verify(s, campaign_id=campaign_id, receipt=receipt)


def test_a_receipt_verifies_once_the_vote_is_counted(campaign: int) -> None:  # noqa: F811
    drive_in_process(campaign, SCRIPT, until=Stage.VOTE)
    mine = _cast(campaign, "PTM")
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", mine)
    # As typed back: any case, spaces for dashes, a zero for the letter O.
    before = _verify(campaign, mine.lower().replace("-", " ").replace("o", "0"))
    assert not before.counted and "chưa kiểm phiếu" in before.message

    drive_in_process(campaign, SCRIPT, until=Stage.APPROVAL)  # the others vote; the count
    check = _verify(campaign, mine)
    assert check.counted and check.attempt == 1 and check.superseded_by is None
    assert check.ballots == 10
    assert "Phiếu đã được kiểm trong kết quả bỏ phiếu lần 1" in check.message
    assert "Cụm thi đua số 4" in check.message
    with session_scope() as s:
        run = s.exec(select(StageRun).where(StageRun.stage == Stage.VOTE)).one()
        published = run.result_json["receipts"]
        stored = sorted(b.receipt_sha256 for b in s.exec(select(Ballot)).all())
    # Every counted ballot has its fingerprint published, in an order that says nothing.
    assert published == stored and len(published) == 10
    assert receipts.fingerprint(mine) in published


def test_a_wrong_receipt_does_not_verify(campaign: int) -> None:  # noqa: F811
    drive_in_process(campaign, SCRIPT, until=Stage.VOTE)
    mine = _cast(campaign, "PTM")
    drive_in_process(campaign, SCRIPT, until=Stage.APPROVAL)
    other = "AAAAA-BBBBB-CCCCC-DDDDD"
    assert other != mine
    with pytest.raises(NotFound, match="không khớp với phiếu nào"):
        _verify(campaign, other)
    with pytest.raises(InvalidInput) as exc:
        _verify(campaign, "AAAAA-BBBBB-CCCCC-DDDD9")  # 9 is not in the alphabet
    assert exc.value.field == "receipt"


def test_nothing_links_a_receipt_or_a_ballot_to_its_unit(campaign: int) -> None:  # noqa: F811
    drive_in_process(campaign, SCRIPT, until=Stage.VOTE)
    mine = _cast(campaign, "PTM")
    columns = {c["name"] for c in inspect(get_engine()).get_columns("ballot")}
    assert columns == {"id", "stage_run_id", "content", "receipt_sha256"}
    digest = receipts.fingerprint(mine)
    code = receipts.normalise(mine)
    # Keyed: the plain hash of the code, which anyone holding it could compute, is not stored.
    assert digest != hashlib.sha256(code.encode()).hexdigest()
    with session_scope() as s:
        [ballot] = s.exec(select(Ballot)).all()
        assert ballot.receipt_sha256 == digest
        audit = json.dumps([e.model_dump(mode="json") for e in s.exec(select(AuditEvent))])
    # The audit log names the unit that voted; it never holds the receipt or its hash.
    assert "ballot.cast" in audit
    assert code not in audit and mine not in audit and digest not in audit


def test_a_unit_casts_once_and_is_counted_once(campaign: int) -> None:  # noqa: F811
    drive_in_process(campaign, SCRIPT, until=Stage.VOTE)
    first = _cast(campaign, "PTM")
    with pytest.raises(Conflict, match="đã bỏ phiếu"):
        _cast(campaign, "PTM")
    with session_scope() as s:
        assert len(s.exec(select(Ballot)).all()) == 1
        assert len(s.exec(select(VoterRoll)).all()) == 1
    drive_in_process(campaign, SCRIPT, until=Stage.APPROVAL)
    check = _verify(campaign, first)
    assert check.counted and check.ballots == 10


def test_the_cli_prints_the_receipt_and_verifies_it(
    runner: CliRunner,  # noqa: F811
    campaign: int,  # noqa: F811
    tmp_path: object,
) -> None:
    drive_in_process(campaign, SCRIPT, until=Stage.VOTE)
    with session_scope() as s:
        view = load_campaign(s, campaign)
        content = ballot_for(s, view, "PTM", SCRIPT).model_dump(mode="json")
    path = tmp_path / "phieu.yaml"  # type: ignore[operator]
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    actor = officer_username("PTM")
    cast = invoke(
        runner, "submit", "ballot", "--campaign", campaign, "--actor", actor, "--file", path
    )
    assert cast.exit_code == 0, cast.output
    found = re.search(r"Mã biên nhận phiếu: ([A-Z2-7-]{23})", cast.output)
    assert found is not None, cast.output
    receipt = found.group(1)
    pending = invoke(runner, "ballot", "verify", "--campaign", campaign, "--receipt", receipt)
    assert pending.exit_code == 1 and "chưa kiểm phiếu" in pending.output
    drive_in_process(campaign, SCRIPT, until=Stage.APPROVAL)
    counted = invoke(runner, "ballot", "verify", "--campaign", campaign, "--receipt", receipt)
    assert counted.exit_code == 0, counted.output
    assert "Phiếu đã được kiểm" in " ".join(counted.output.split())
    wrong = invoke(
        runner, "ballot", "verify", "--campaign", campaign, "--receipt", "AAAAA-BBBBB-CCCCC-DDDDD"
    )
    assert wrong.exit_code == 3 and "không khớp" in " ".join(wrong.output.split())
