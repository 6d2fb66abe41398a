"""Sign-in sessions, failed sign-in counts and one-time form nonces, all in the database.

The cookie carries a random token; the database keeps its sha256 only. A session ends at its
absolute expiry, after the idle timeout, at sign-out, or when the actor's secret changes.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from models import Actor, FormNonce, SignInAttempt, WebSession
from models.types import utcnow
from thidua.secretkey import keyed_hash
from thidua.settings import get_settings

NONCE_LIFETIME = timedelta(hours=12)
# last_seen_at is written at most this often: a page view is then usually a pure read.
_TOUCH_EVERY = timedelta(minutes=1)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def secret_mark(actor: Actor) -> str:
    return (actor.secret_hash or "")[:16]


@dataclass
class Signed:
    """The signed-in person of one request: the actor (attached to the request's session), the
    session row's id and the CSRF token the request's forms must carry."""

    actor: Actor
    session_id: int
    csrf: str
    # Read when the session is checked: still usable (error page, audit) after a rollback
    # expired `actor`.
    actor_id: int = 0
    username: str = ""
    name: str = ""
    # Acting for someone under a delegation (thidua/web/acting.py): `actor` and the names above
    # are then that person's, and these the signed-in substitute's.
    by_id: int | None = None
    by_username: str = ""
    by_name: str = ""


def csrf_for(token: str) -> str:
    """The CSRF token of a session (or of an anonymous visitor's pre-session cookie): derived
    from the cookie with the server's key, so it is never stored and cannot be guessed."""
    return keyed_hash(f"csrf:{token}")


def start(db: Session, actor: Actor) -> str:
    """A new session for `actor`; returns the token to put in the cookie. Sessions past their
    absolute expiry are dropped here, so the table holds live sessions and recent idle ones."""
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    dead = select(WebSession.id).where(col(WebSession.expires_at) <= now)
    db.execute(delete(FormNonce).where(col(FormNonce.session_id).in_(dead)))
    db.execute(delete(WebSession).where(col(WebSession.expires_at) <= now))
    assert actor.id is not None
    db.add(
        WebSession(
            token_hash=_sha(token),
            actor_id=actor.id,
            secret_mark=secret_mark(actor),
            created_at=now,
            last_seen_at=now,
            expires_at=now + settings.web_session_lifetime,
        )
    )
    return token


def resolve(db: Session, token: str | None) -> Signed | None:
    """The live session of `token`, touched; None when there is none (a dead one is deleted)."""
    if not token:
        return None
    row = db.exec(select(WebSession).where(WebSession.token_hash == _sha(token))).first()
    if row is None:
        return None
    now = utcnow()
    actor = db.get(Actor, row.actor_id)
    idle = get_settings().web_idle_timeout
    alive = (
        actor is not None
        and actor.active
        and actor.secret_hash is not None
        and hmac.compare_digest(row.secret_mark, secret_mark(actor))
        and row.expires_at > now
        and row.last_seen_at + idle > now
    )
    if not alive:
        end(db, row.id)
        return None
    assert actor is not None and row.id is not None
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
        db.add(row)
    assert actor.id is not None
    return Signed(
        actor=actor,
        session_id=row.id,
        csrf=csrf_for(token),
        actor_id=actor.id,
        username=actor.username,
        name=actor.full_name,
    )


def end(db: Session, session_id: int | None) -> None:
    db.execute(delete(FormNonce).where(col(FormNonce.session_id) == session_id))
    db.execute(delete(WebSession).where(col(WebSession.id) == session_id))


def end_token(db: Session, token: str | None) -> None:
    if token:
        row = db.exec(select(WebSession.id).where(WebSession.token_hash == _sha(token))).first()
        if row is not None:
            end(db, row)


def set_flash(db: Session, session_id: int, text: str) -> None:
    """A message for the next page this session sees (after a redirect)."""
    db.execute(update(WebSession).where(col(WebSession.id) == session_id).values(flash=text))


def take_flash(db: Session, session_id: int) -> str | None:
    text = db.exec(select(WebSession.flash).where(WebSession.id == session_id)).first()
    if text:
        db.execute(update(WebSession).where(col(WebSession.id) == session_id).values(flash=None))
    return text


# ------------------------------------------------------------------ sign-in attempts


def too_many_failures(db: Session, *, username: str, address: str) -> bool:
    """Whether this username from this address, this address, or this username from anywhere
    failed too often within the window. One address alone cannot lock a person out."""
    settings = get_settings()
    since = utcnow() - settings.web_signin_window
    recent = select(func.count()).select_from(SignInAttempt).where(SignInAttempt.at > since)
    by_user = recent.where(SignInAttempt.username == username)
    here = db.exec(by_user.where(SignInAttempt.address == address)).one()
    anywhere = db.exec(by_user).one()
    by_address = db.exec(recent.where(SignInAttempt.address == address)).one()
    return (
        here >= settings.web_signin_max_per_username
        or by_address >= settings.web_signin_max_per_address
        or anywhere >= settings.web_signin_max_per_username_anywhere
    )


def count_failure(db: Session, *, username: str, address: str) -> None:
    now = utcnow()
    window = get_settings().web_signin_window
    # Old rows are dropped here, so the table holds one window's worth at most.
    db.execute(delete(SignInAttempt).where(col(SignInAttempt.at) < now - window))
    db.add(SignInAttempt(at=now, username=username[:200], address=address[:64]))


# ------------------------------------------------------------------ one-time form nonces


def issue_nonce(db: Session, signed: Signed, purpose: str) -> str:
    """A nonce for one action form of this session; put it in the form (macros.nonce_field)
    and spend it with spend_nonce in the transaction that carries the action out."""
    nonce = secrets.token_urlsafe(24)
    db.add(
        FormNonce(
            session_id=signed.session_id,
            nonce_hash=_sha(nonce),
            purpose=purpose[:200],
            expires_at=utcnow() + NONCE_LIFETIME,
        )
    )
    return nonce


def spend_nonce(db: Session, signed: Signed, purpose: str, nonce: str | None) -> bool:
    """Mark the nonce used; False when it is unknown, of another session or purpose, expired or
    already used (a replayed form). One UPDATE, so of two racing posts only one wins. If the
    action then fails, its rollback un-spends the nonce, and the corrected form can be sent."""
    if not nonce:
        return False
    now = utcnow()
    result = db.execute(
        update(FormNonce)
        .where(
            col(FormNonce.nonce_hash) == _sha(nonce),
            col(FormNonce.session_id) == signed.session_id,
            col(FormNonce.purpose) == purpose[:200],
            col(FormNonce.used_at).is_(None),
            col(FormNonce.expires_at) > now,
        )
        .values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)
