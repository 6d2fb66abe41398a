"""A real start: `thidua init` without the sample, the admin's own workbook, secrets in bulk."""

import csv
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner, Result

from models import Actor
from thidua.cli.main import app
from thidua.db import session_scope
from thidua.org.write import export_data

from .test_cli import counts, flat, invoke

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def as_admin(runner: CliRunner, secret: str, *args: object) -> Result:
    words = ["actor", "secret", "--all-missing", "--by", "quantri.cum7", *map(str, args)]
    return runner.invoke(app, words, env={"THIDUA_SECRET": secret})


def test_from_an_empty_organisation_to_one_ready_for_its_cycle(
    runner: CliRunner, database_url: str, tmp_path: Path
) -> None:
    init = invoke(runner, "init")
    assert init.exit_code == 0, init.output
    assert "Tổ chức còn trống" in init.stdout
    assert "thidua org template --xlsx" in init.stdout
    assert "thidua actor secret --all-missing --out" in init.stdout
    assert counts()["unit"] == counts()["actor"] == 0

    # The example workbook ships with the YAML it was exported from: the same organisation.
    book = EXAMPLES / "cum-thi-dua-so-7.xlsx"
    first = invoke(runner, "org", "import", book)  # no one exists yet: no --actor
    assert first.exit_code == 0, first.output
    with session_scope() as s:
        from_book = export_data(s)
    again = invoke(runner, "org", "import", EXAMPLES / "cum-thi-dua-so-7.yaml")
    assert again.exit_code == 2  # now someone exists: the admin must prove who they are
    assert "trường actor" in flat(again.stderr)
    assert from_book["clusters"] == [
        {"code": "CTD7", "name": "Cụm thi đua số 7", "body": "Công an thành phố Hà Nội"}
    ]
    assert load_workbook(book)["people"].max_row == len(from_book["people"]) + 1

    # The first secret: the admin's own, once, on the terminal.
    admin = invoke(runner, "actor", "secret", "--actor", "quantri.cum7")
    assert admin.exit_code == 0, admin.output
    secret = admin.stderr.split("export THIDUA_SECRET='")[1].split("'")[0]
    same = invoke(
        runner, "org", "import", EXAMPLES / "cum-thi-dua-so-7.yaml", "--actor", "quantri.cum7",
        secret=secret,
    )  # fmt: skip
    assert same.exit_code == 0 and "Không có gì thay đổi" in same.stdout

    # Then everyone else's, into a new file only its owner can read.
    out = tmp_path / "ma-bi-mat.csv"
    bulk = as_admin(runner, secret, "--out", out)
    assert bulk.exit_code == 0, bulk.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(from_book["people"]) - 1
    assert rows[0].keys() == {"username", "full_name", "unit", "role", "secret"}
    assert all(r["secret"] not in bulk.output for r in rows)  # never on the terminal
    officer = next(r for r in rows if r["username"] == "canbo.cahk")
    assert (officer["full_name"], officer["unit"]) == ("Phạm Thu Hà", "CAHK")
    # Each secret is that person's: it proves who they are.
    shown = invoke(runner, "org", "show", "--json")
    assert '"blockers": []' in shown.stdout
    delegated = invoke(runner, "pending", "--actor", "canbo.cahk", secret=officer["secret"])
    assert delegated.exit_code == 0, delegated.output

    # Nobody is missing now: nothing issued, no file; an existing file is never overwritten.
    before = counts()
    none = as_admin(runner, secret, "--out", tmp_path / "x.csv")
    assert none.exit_code == 0 and not (tmp_path / "x.csv").exists()
    assert counts() == before
    with session_scope() as s:
        extra = s.exec(select(Actor).where(Actor.username == "canbo.cath")).one()
        extra.secret_hash = None
    taken = as_admin(runner, secret, "--out", out)
    assert taken.exit_code == 2 and "đã có; chọn tệp mới" in flat(taken.stderr)
    with session_scope() as s:
        assert s.exec(select(Actor).where(Actor.username == "canbo.cath")).one().secret_hash is None
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == len(rows)
