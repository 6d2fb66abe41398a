"""Hostile input (issue 15): every one is refused with one "Lỗi:" line naming the field, exit
non-zero, nothing written, no traceback, and promptly. And the home is private."""

import json
import os
import stat
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

from tests import test_cli
from tests.test_cli import invoke, refused, sheet, write
from thidua.db import engine_for
from thidua.localserver import _spawn
from thidua.settings import get_settings

# The fixtures of the CLI tests: a runner, the sample database, the open 2019 campaign.
runner, templates, sample_db, campaign = (
    test_cli.runner,
    test_cli.templates,
    test_cli.sample_db,
    test_cli.campaign,
)

HUGE_ID = "1180591620717411303424"  # 2**70
LONG = "x" * 100_000
RETURN = ["return", "--campaign", "{cid}", "--actor", "chihuy.ptm", "--unit"]
EXTEND = ["extend", "--actor", "chihuy.ptm", "--unit", "BANTD", "--campaign"]
UNTIL = ["--until", "2019-12-01T17:00"]
DELEGATE = ["delegate", "--actor", "chihuy.ptm", "--to", "canbo.ptm"]


def first_code() -> str:
    return next(iter(sheet()))


def submit(cid: int, path: Path) -> list[object]:
    return ["submit", "self-assessment", "--campaign", cid, "--actor", "canbo.ptm", "--file", path]


def one_line(result_stderr: str) -> None:
    assert len(result_stderr.strip().splitlines()) == 1, result_stderr


# ---------------------------------------------------------------- file content


def _scores_with(value: object) -> str:
    return json.dumps({"scores": {**sheet(), first_code(): value}})


def _yaml_scores(raw: str) -> str:
    """A whole score sheet in YAML with the first item written as `raw`, verbatim."""
    lines = [f"  {k}: '{v}'" for k, v in sheet().items()]
    lines[0] = f"  {first_code()}: {raw}"
    return "scores:\n" + "\n".join(lines) + "\n"


def _laughs() -> str:
    pairs = zip("abcdefgh", "bcdefghi", strict=True)
    levels = "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 7)}]\n" for p, c in pairs)
    return "a: &a [x, x, x, x, x, x, x, x, x]\n" + levels + "evidence: *i\n"


MILLION = "9" * 1_000_000
HOSTILE_FILES = {
    # name: (text, needles)
    "float.json": (lambda: _scores_with(1e308), ["trường scores.", "quá lớn"]),
    "exponent.yaml": (lambda: _yaml_scores("'1e308'"), ["trường scores.", "quá lớn"]),
    "digits.yaml": (lambda: _yaml_scores(f"'{MILLION}'"), ["trường scores.", "chữ số"]),
    "digits-bare.yaml": (lambda: _yaml_scores(MILLION), ["trường file", "quá nhiều chữ số"]),
    "digits.json": (
        lambda: _scores_with(0).replace(": 0", ": " + MILLION),
        ["trường file", "quá nhiều chữ số"],
    ),
    "nan.json": (
        lambda: json.dumps({"scores": {**sheet(), "XDD1": float("nan")}}),
        ["trường scores.XDD1", "hữu hạn"],
    ),
    "ten-mb.yaml": (
        lambda: f"evidence: [{'x' * (10 * 1024 * 1024)}]\n",
        ["trường file", "lớn quá 1024 KiB"],
    ),
    "evidence-item.json": (
        lambda: json.dumps({"scores": sheet(), "evidence": ["ok", "x" * 2_001]}),
        ["trường evidence[1]", "dài quá 2000 ký tự"],
    ),
    "evidence-count.json": (
        lambda: json.dumps({"scores": sheet(), "evidence": ["x"] * 101}),
        ["trường evidence", "quá 100 phần tử"],
    ),
    "brackets.json": (lambda: "[" * 100_000 + "]" * 100_000, ["trường file", "lồng nhau quá"]),
    "brackets.yaml": (lambda: "scores: " + "[" * 100_000, ["trường file", "lồng nhau quá"]),
    "indented.yaml": (
        lambda: "".join(f"{' ' * i}k:\n" for i in range(400)),
        ["trường file", "lồng nhau quá"],
    ),
    "laughs.yaml": (_laughs, ["trường file", "alias"]),
    "nul.json": (
        lambda: json.dumps({"scores": sheet(), "achievements": "Hoàn thành\u0000 nhiệm vụ"}),
        ["trường achievements", "ký tự điều khiển"],
    ),
    "escape.json": (
        lambda: json.dumps({"scores": sheet(), "shortcomings": "ok\x1b[2J"}),
        ["trường shortcomings", "ký tự điều khiển"],
    ),
    "key.json": (
        lambda: json.dumps({"scores": {**sheet(), "A\u0000" * 50_000: 1}}),
        ["trường scores.[khóa không hợp lệ]", "dài quá 64"],
    ),
    "achievements.json": (
        lambda: json.dumps({"scores": sheet(), "achievements": "x" * 10_001}),
        ["trường achievements", "dài quá 10000 ký tự"],
    ),
}


@pytest.mark.parametrize("name", HOSTILE_FILES)
@pytest.mark.timeout(30)
def test_hostile_self_assessment_refused(
    runner: CliRunner, campaign: int, tmp_path: Path, name: str
) -> None:
    text, needles = HOSTILE_FILES[name]
    path = tmp_path / name
    path.write_text(text(), encoding="utf-8")
    result = refused(runner, submit(campaign, path), 2, *needles)
    one_line(result.stderr)
    assert len(result.stderr) < 500


def test_review_comment_and_reviewee_bounded(
    runner: CliRunner, campaign: int, tmp_path: Path
) -> None:
    review = {"reviewee": "BANTD", "scores": sheet(), "comment": "x" * 2_001}
    f = write(tmp_path, "r.yaml", review)
    args = ["submit", "review", "--campaign", campaign, "--actor", "canbo.ptm", "--file", f]
    refused(runner, args, 2, "trường reviews[0].comment", "dài quá")
    f = write(tmp_path, "r.yaml", {**review, "comment": "", "reviewee": "B" * 65})
    refused(runner, args, 2, "trường reviews[0].reviewee", "dài quá 64")


def test_ballot_names_bounded(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    f = write(tmp_path, "b.yaml", {"acclaim": "PTM\u0000"})
    args = ["submit", "ballot", "--campaign", campaign, "--actor", "canbo.ptm", "--file", f]
    refused(runner, args, 2, "trường ballot.acclaim", "ký tự điều khiển")


# ---------------------------------------------------------------- files that are not files


@pytest.mark.timeout(10)
def test_fifo_refused_promptly(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    refused(runner, submit(campaign, fifo), 2, "trường file", "không phải tệp thông thường")


@pytest.mark.timeout(10)
def test_dev_zero_refused_promptly(runner: CliRunner, campaign: int, tmp_path: Path) -> None:
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    refused(runner, submit(campaign, zero), 2, "trường file", "không phải tệp thông thường")


@pytest.mark.timeout(10)
def test_rules_file_goes_through_the_same_reader(
    runner: CliRunner, sample_db: str, tmp_path: Path
) -> None:
    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    args = ["cycle", "start", "--year", 2020, "--cluster", "CTD4", "--actor", "quantri"]
    refused(runner, [*args, "--rules", fifo], 2, "trường file", "không phải tệp thông thường")
    deep = write(tmp_path, "deep.json", "[" * 100_000)
    refused(runner, [*args, "--rules", deep], 2, "trường file", "lồng nhau quá")


# ---------------------------------------------------------------- command-line options


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["status", "--year", HUGE_ID], ["trường year"]),
        (["report", "--campaign", HUGE_ID], ["trường campaign"]),
        (["confirm", "--campaign", HUGE_ID, "--actor", "chihuy.ptm"], ["trường campaign"]),
        (["confirm", "--campaign", 0, "--actor", "chihuy.ptm"], ["trường campaign"]),
        (["confirm", "--campaign", "{cid}", "--actor", LONG], ["trường actor", "dài quá 64"]),
        (["confirm", "--campaign", "{cid}", "--actor", "a\x1bb"], ["trường actor", "điều khiển"]),
        (["--thay-cho", LONG, "pending", "--actor", "canbo.ptm"], ["trường thay-cho"]),
        ([*RETURN, "BANTD", "--comment", LONG], ["trường comment", "dài quá 2000"]),
        ([*RETURN, "BANTD", "--comment", "Thiếu\rminh chứng"], ["trường comment", "điều khiển"]),
        ([*RETURN, LONG, "--comment", "x"], ["trường unit", "dài quá 64"]),
        (
            ["decide", "approve", "--campaign", "{cid}", "--actor", "giamdoc", "--reason", LONG],
            ["trường reason", "dài quá 2000"],
        ),
        ([*EXTEND, "{cid}", *UNTIL, "--reason", LONG], ["trường reason", "dài quá 2000"]),
        ([*EXTEND, HUGE_ID, *UNTIL, "--reason", "ốm"], ["trường campaign"]),
        (
            [*DELEGATE, "--from", LONG, "--until", "2019-12-01"],
            ["trường from", "dài quá 64"],
        ),
    ],
    ids=lambda v: " ".join(str(a)[:12] for a in v[:2]) if isinstance(v, list) else "",
)
def test_hostile_options_refused(
    runner: CliRunner, campaign: int, args: list[object], needles: list[str]
) -> None:
    words = [str(campaign) if a == "{cid}" else a for a in args]
    result = refused(runner, words, 2, *needles)
    one_line(result.stderr)


# ---------------------------------------------------------------- a private home


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """THIDUA_HOME holding the database, as a default installation has it, under umask 022."""
    folder = tmp_path / "home"
    monkeypatch.delenv("THIDUA_DATABASE_URL", raising=False)
    monkeypatch.setenv("THIDUA_HOME", str(folder))
    get_settings.cache_clear()
    old = os.umask(0o022)
    yield folder
    os.umask(old)
    engine_for(get_settings().effective_database_url).dispose()
    get_settings.cache_clear()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_makes_the_home_private(runner: CliRunner, home: Path) -> None:
    result = invoke(runner, "init")
    assert result.exit_code == 0, result.output
    assert mode(home) == 0o700
    files = [p for p in home.iterdir() if p.name.startswith("thidua.db")]
    assert files
    for p in files:
        assert mode(p) == 0o600, p


def test_init_tightens_a_wide_home(runner: CliRunner, home: Path) -> None:
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "thidua.db").touch(mode=0o644)
    (home / "thidua.db").chmod(0o644)
    assert invoke(runner, "init").exit_code == 0
    assert mode(home) == 0o700
    assert mode(home / "thidua.db") == 0o600


def test_doctor_warns_on_a_readable_database(runner: CliRunner, home: Path) -> None:
    assert invoke(runner, "init").exit_code == 0
    (home / "thidua.db").chmod(0o644)
    # No Prefect here: its checks fail at once; the warning is what this test is about.
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = invoke(runner, "doctor")
    lines = [line for line in result.stdout.splitlines() if line.strip().startswith("warn")]
    assert len(lines) == 1, result.stdout
    assert "thidua.db (644)" in lines[0]
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = invoke(runner, "doctor", "--json")
    [privacy] = [c for c in json.loads(result.stdout)["checks"] if c["name"] == "privacy"]
    assert privacy["ok"] and privacy["warning"]


def test_local_children_run_under_umask_077(tmp_path: Path) -> None:
    log = tmp_path / "child.log"
    child = _spawn("umask", ["sh", "-c", "umask"], dict(os.environ), log)
    child.process.wait(10)
    assert log.read_text().strip() == "0077"
