"""Throwaway sign-in secrets for the demo's portal, and their removal when the database is
taken over for real work.

After `thidua demo` nobody has a secret: its simulated participants call the services directly.
A person who opens the portal the demo starts needs a way in, so the demo gives a few sample
people a secret of its own and prints it. They are set without the audit event of an issued
secret, which would make the database look bootstrapped: once `thidua init` takes the database
over (it removes the demo's mark), they are forgotten and the first admin secret is issued the
ordinary way.
"""

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from models import Actor
from thidua.homedir import sqlite_file
from thidua.sample import ADMIN, COUNCIL, DIRECTORATE, LEADER_2019, commander_username
from thidua.sample import officer_username as officer
from thidua.services.auth import set_secret
from thidua.services.context import get_actor
from thidua.settings import DEMO_MARK

# One person per role a visitor wants to try: an officer of a member unit (not the leader's),
# the 2019 cluster leader, the directorate, the council's secretary and the admin.
DEMO_PEOPLE = (
    (officer("PTCCB"), "Cán bộ thi đua"),
    (officer(LEADER_2019), "Cán bộ thi đua"),
    (commander_username(LEADER_2019), "Cụm trưởng"),
    (DIRECTORATE[0], "Ban Giám đốc"),
    (COUNCIL[0], "Hội đồng Thi đua - Khen thưởng"),
    (ADMIN[0], "Quản trị viên"),
)


@dataclass(frozen=True)
class DemoSignIn:
    username: str
    role: str
    full_name: str
    secret: str


def demo_owned(home: Path, database_url: str) -> bool:
    """Whether `database_url` is a database the demo made in `home` and nobody took over: its
    `demo.db`, or its `thidua.db` while the demo's mark is beside it. Never another database,
    whatever marks lie around."""
    database = sqlite_file(database_url)
    if database is None:
        return False
    database = database.resolve()
    if database == (home / "demo.db").resolve():
        return True
    return database == (home / "thidua.db").resolve() and (home / DEMO_MARK).exists()


def issue_demo_secrets(session: Session) -> list[DemoSignIn]:
    """A fresh secret for each of DEMO_PEOPLE. Call it only on the demo's own database."""
    issued = []
    for username, role in DEMO_PEOPLE:
        actor = get_actor(session, username)
        secret = f"demo-{secrets.token_urlsafe(9)}"
        set_secret(session, actor, secret)
        issued.append(DemoSignIn(username, role, actor.full_name, secret))
    return issued


def forget_demo_secrets(session: Session) -> int:
    """Remove every secret of a database the demo made (only the demo set any): how many."""
    holders = session.exec(select(Actor).where(col(Actor.secret_hash).is_not(None))).all()
    for actor in holders:
        actor.secret_hash = None
        session.add(actor)
    return len(holders)
