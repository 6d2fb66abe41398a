"""`thidua delegate` prints the delegation's number and `thidua undelegate` revokes it (the
same service as the web's Ủy quyền page): from then on `--thay-cho` is refused."""

from datetime import timedelta

from sqlmodel import select
from typer.testing import CliRunner

from models import AuditEvent, Delegation
from models.types import utcnow
from tests import test_cli
from tests.test_cli import invoke, refused
from thidua import localtime

runner, templates, campaign = test_cli.runner, test_cli.templates, test_cli.campaign


def test_a_delegation_is_revoked_by_its_number(runner: CliRunner, campaign: int) -> None:
    from thidua.db import session_scope

    start = localtime.local(utcnow() - timedelta(minutes=5)).isoformat()
    end = localtime.local(utcnow() + timedelta(days=2)).isoformat()
    made = invoke(
        runner, "delegate", "--actor", "chihuy.ptm", "--to", "canbo.ptm",
        "--from", start, "--until", end,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    with session_scope() as s:
        row = s.exec(select(Delegation)).one()
    assert f"(ủy quyền số {row.id})" in made.stdout
    refused(runner, ["undelegate", "--actor", "canbo.ptm", "--id", row.id], 2, "không có ủy quyền")
    done = invoke(runner, "undelegate", "--actor", "chihuy.ptm", "--id", row.id)
    assert done.exit_code == 0 and f"Đã thu hồi ủy quyền số {row.id}" in done.stdout
    refused(runner, ["undelegate", "--actor", "chihuy.ptm", "--id", row.id], 2, "đã thu hồi")
    refused(
        runner,
        ["--thay-cho", "chihuy.ptm", "return", "--campaign", campaign, "--actor", "canbo.ptm",
         "--unit", "PHC", "--comment", "Thiếu minh chứng"],
        4,
        "không được 'chihuy.ptm' ủy quyền",
    )  # fmt: skip
    with session_scope() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "delegation.revoke")).all()
        assert len(events) == 1
