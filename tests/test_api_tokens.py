"""API tokens for other systems: issued by an admin, shown once, kept as a hash, expiring,
revocable, listed without the token, every issue, revoke and refused use in the audit log."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from models import Actor, ApiToken, AuditEvent, TokenScope
from models.types import utcnow
from thidua.cli.main import app
from thidua.db import create_schema, get_engine, session_scope
from thidua.errors import Forbidden, InvalidInput, NotFound
from thidua.sample import load_sample
from thidua.services import api_tokens
from thidua.services.api_tokens import TokenRefused
from thidua.services.auth import set_secret
from thidua.services.context import get_actor

ADMIN_SECRET = "bi-mat-cua-quan-tri"


@pytest.fixture
def db(database_url: str) -> str:
    create_schema()
    with session_scope() as s:
        load_sample(s)
        set_secret(s, get_actor(s, "quantri"), ADMIN_SECRET)
    return database_url


def _issue(scope: TokenScope = TokenScope.READ, who: str = "bgd.phogiamdoc", **kw: object) -> str:
    with session_scope() as s:
        _, token = api_tokens.issue(
            s,
            by=get_actor(s, "quantri"),
            system="Cổng thông tin Công an tỉnh",
            actor=get_actor(s, who),
            scope=scope,
            **kw,  # type: ignore[arg-type]
        )
    return token


def _actions() -> list[str]:
    with session_scope() as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def test_a_token_is_shown_once_kept_as_a_hash_and_acts_as_its_account(db: str) -> None:
    token = _issue(TokenScope.ACT, who="canbo.ptm")
    with session_scope() as s:
        row = s.exec(select(ApiToken)).one()
        assert token.startswith(api_tokens.PREFIX) and token not in row.token_sha256
        assert (row.scope, row.role) == ("act", "unit_officer")
        use = api_tokens.authenticate(s, token)
        assert use.actor.username == "canbo.ptm" and use.scope == TokenScope.ACT
        assert use.system == "Cổng thông tin Công an tỉnh" and use.via == f"api:{row.id}"
        api_tokens.require_scope(use, TokenScope.ACT)
    assert _actions()[-1] == "api_token.issue"


@pytest.mark.parametrize("given", [None, "", "thidua_khong-dung", "x" * 5000])
def test_a_missing_or_unknown_token_is_refused(db: str, given: str | None) -> None:
    _issue()
    with session_scope() as s, pytest.raises(TokenRefused) as refused:
        api_tokens.authenticate(s, given)
    assert refused.value.token_id is None


def test_a_read_only_token_may_not_act(db: str) -> None:
    token = _issue(TokenScope.READ, who="canbo.ptm")
    with session_scope() as s:
        use = api_tokens.authenticate(s, token)
        api_tokens.require_scope(use, TokenScope.READ)
        with pytest.raises(Forbidden, match="chỉ được đọc"):
            api_tokens.require_scope(use, TokenScope.ACT)


def test_a_revoked_or_expired_token_stops_working(db: str) -> None:
    revoked, expiring = _issue(), _issue(expires_at=utcnow() + timedelta(seconds=30))
    with session_scope() as s:
        first, second = s.exec(select(ApiToken).order_by(ApiToken.id)).all()
        api_tokens.revoke(s, by=get_actor(s, "quantri"), token_id=first.id)  # type: ignore[arg-type]
        # Revoking again changes nothing and logs nothing.
        api_tokens.revoke(s, by=get_actor(s, "quantri"), token_id=first.id)  # type: ignore[arg-type]
        second.expires_at = utcnow() - timedelta(seconds=1)  # time passes
        s.add(second)
    with session_scope() as s:
        with pytest.raises(TokenRefused, match="thu hồi") as one:
            api_tokens.authenticate(s, revoked)
        with pytest.raises(TokenRefused, match="hết hạn") as other:
            api_tokens.authenticate(s, expiring)
    assert (one.value.token_id, other.value.token_id) == (first.id, second.id)
    assert _actions().count("api_token.revoke") == 1


def test_a_token_stops_when_its_account_changes_role_or_retires(db: str) -> None:
    token = _issue(who="canbo.ptm")
    with session_scope() as s:
        person = get_actor(s, "canbo.ptm")
        person.role = "cluster_leader"  # type: ignore[assignment]
        s.add(person)
    with session_scope() as s, pytest.raises(TokenRefused, match="đổi vai trò"):
        api_tokens.authenticate(s, token)
    with session_scope() as s:
        person = get_actor(s, "canbo.ptm")
        person.role, person.active = "unit_officer", False  # type: ignore[assignment]
        s.add(person)
    with session_scope() as s, pytest.raises(TokenRefused, match="ngừng hoạt động"):
        api_tokens.authenticate(s, token)


def test_only_an_admin_issues_lists_and_revokes_and_an_admin_token_only_reads(db: str) -> None:
    _issue()
    with session_scope() as s:
        officer, admin = get_actor(s, "canbo.ptm"), get_actor(s, "quantri")
        with pytest.raises(Forbidden):
            api_tokens.issue(
                s, by=officer, system="X", actor=officer, scope=TokenScope.ACT
            )
        with pytest.raises(Forbidden):
            api_tokens.listing(s, by=officer)
        with pytest.raises(Forbidden):
            api_tokens.revoke(s, by=officer, token_id=1)
        with pytest.raises(InvalidInput, match="chỉ được đọc"):
            api_tokens.issue(s, by=admin, system="X", actor=admin, scope=TokenScope.ACT)
        with pytest.raises(InvalidInput) as past:
            api_tokens.issue(
                s,
                by=admin,
                system="X",
                actor=officer,
                scope=TokenScope.READ,
                expires_at=utcnow() - timedelta(days=1),
            )
        assert past.value.field == "expires"
        with pytest.raises(InvalidInput) as blank:
            api_tokens.issue(s, by=admin, system="  ", actor=officer, scope=TokenScope.READ)
        assert blank.value.field == "system"
        with pytest.raises(NotFound):
            api_tokens.revoke(s, by=admin, token_id=999)
        api_tokens.issue(s, by=admin, system="Kiểm toán", actor=admin, scope=TokenScope.READ)
    with session_scope() as s:
        assert len(s.exec(select(ApiToken)).all()) == 2


def test_a_refused_use_is_logged_without_the_token(db: str) -> None:
    token = _issue()
    with session_scope() as s:
        use = api_tokens.authenticate(s, token)
    api_tokens.record_refused_use(
        get_engine(), request="POST /api/v1/x", reason="chỉ được đọc", use=use
    )
    api_tokens.record_refused_use(get_engine(), request="GET /api/v1/y", reason="Mã API không đúng")
    with session_scope() as s:
        events = s.exec(
            select(AuditEvent).where(AuditEvent.action == "access.refused").order_by(AuditEvent.id)
        ).all()
        director = get_actor(s, "bgd.phogiamdoc")
    assert [e.entity_id for e in events] == ["POST /api/v1/x", "GET /api/v1/y"]
    assert events[0].actor_id == director.id and events[1].actor_id is None
    assert events[0].after and "mã API số" in str(events[0].after["claimed_username"])
    assert token not in json.dumps([e.after for e in events], ensure_ascii=False)


def _cli(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"THIDUA_SECRET": ADMIN_SECRET})
    return result.exit_code, result.stdout + result.stderr


def test_the_cli_issues_lists_and_revokes(db: str) -> None:
    runner = CliRunner()
    by = ("--by", "quantri")
    code, text = _cli(
        runner, "token", "issue", "--system", "CSDL thi đua quốc gia", "--actor",
        "bgd.phogiamdoc", "--scope", "read", "--expires", "2999-01-01T00:00", "--json", *by,
    )  # fmt: skip
    assert code == 0, text
    issued = json.loads(text)
    assert issued["token"].startswith("thidua_") and issued["expires_at"].endswith("+07:00")
    code, listed = _cli(runner, "token", "list", "--json", *by)
    assert code == 0 and issued["token"] not in listed
    [row] = json.loads(listed)
    assert (row["system"], row["username"], row["state"]) == (
        "CSDL thi đua quốc gia", "bgd.phogiamdoc", "còn hiệu lực"
    )  # fmt: skip
    code, text = _cli(runner, "token", "revoke", "--id", str(issued["id"]), *by)
    assert code == 0 and "thu hồi" in text
    code, listed = _cli(runner, "token", "list", "--json", *by)
    assert code == 0 and json.loads(listed)[0]["state"] == "đã thu hồi"
    code, listed = _cli(runner, "token", "list", *by)
    assert code == 0 and "CSDL" in listed and issued["token"] not in listed
    # Refusals name the field, exit non-zero and write nothing.
    code, text = _cli(
        runner, "token", "issue", "--system", "X", "--actor", "canbo.ptm", "--scope", "all", *by
    )
    assert code != 0 and "scope" in text
    code, text = _cli(
        runner, "token", "issue", "--system", "X", "--actor", "canbo.ptm", "--scope", "act",
        "--expires", "hôm qua", *by,
    )  # fmt: skip
    assert code == 2 and "expires" in text
    code, text = _cli(runner, "token", "list", "--by", "canbo.ptm")
    assert code == 4
    with session_scope() as s:
        assert len(s.exec(select(ApiToken)).all()) == 1
        assert s.exec(select(Actor).where(Actor.username == "quantri")).one()
