"""Fifty signed-in officers cast their ballots through the pages at the same instant, against a
real Uvicorn server on SQLite: more requests than the server's thread pool (40 threads). Each
ballot is accepted exactly once; nothing fails, nothing is doubled.

This once failed: `allow`'s guard ran in one hop of the thread pool and left its transaction
(on SQLite, the write lock) open into the handler's hop, so forty threads waited for the lock
while its holder waited for a thread, until SQLite's busy timeout failed them (thidua/web/
access.py, `release`)."""

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlmodel import func, select

from models import Ballot, VoterRoll
from rules.config import CycleRules, StageDeadline
from rules.defaults import default_rules
from rules.stages import Stage
from simulation.participants import Script
from simulation.synthetic import drive_in_process, load_synthetic
from thidua.db import create_schema, session_scope
from thidua.sample import ADMIN, MOVEMENT, officer_username
from thidua.services.auth import set_secret
from thidua.services.context import get_actor, load_campaign
from thidua.services.cycles import start_cycle
from thidua.web.app import create_app

from .conftest import secret_for
from .test_action_pages import nonce_of
from .test_ballot_pages import RECEIPT, choices

YEAR = 2027
CLUSTERS = 5  # of 10 units: 50 officers, more than the 40 threads of the server's pool
SCRIPT = Script(seed=7, late_unit=None, returned_unit=None)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def rules() -> CycleRules:
    # Deadlines far away: the vote stays open however slow the machine is.
    long = {s: StageDeadline(duration=timedelta(days=30)) for s in Stage}
    return default_rules().model_copy(update={"deadlines": long})


@pytest.fixture
def voters(database_url: str) -> list[tuple[int, str]]:
    """(campaign, unit) of every unit of CLUSTERS campaigns open in their vote stage; each
    unit's officer has a secret to sign in with."""
    create_schema()
    with session_scope() as s:
        codes = load_synthetic(s, clusters=CLUSTERS, year=YEAR, seed=11)
    with session_scope() as s:
        _, started = start_cycle(
            s,
            actor=get_actor(s, ADMIN[0]),
            year=YEAR,
            movement_code=MOVEMENT[0],
            cluster_codes=codes,
            rules=rules(),
        )
    out = []
    for c in started:
        drive_in_process(c.campaign_id, SCRIPT, until=Stage.VOTE)
        with session_scope() as s:
            for unit in load_campaign(s, c.campaign_id).member_codes:
                name = officer_username(unit)
                set_secret(s, get_actor(s, name), secret_for(name))
                out.append((c.campaign_id, unit))
    return out


@pytest.fixture
def server(voters: list[tuple[int, str]]) -> Iterator[str]:
    """The portal in a real Uvicorn server (its own thread and event loop, the default thread
    pool of 40), on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a busy machine: polled, generous
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=60)


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=300, follow_redirects=False)
    token = CSRF.search(client.get("/signin").text)
    assert token
    fields = {"username": username, "secret": secret_for(username), "next": "/"}
    answer = client.post("/signin", data={**fields, "csrf_token": token[1]})
    assert answer.status_code == 303, answer.text
    return client


def ready_to_cast(base: str, campaign_id: int, unit: str) -> tuple[httpx.Client, str, dict]:
    """A client signed in as the unit's officer, the ballot's address, and the form that casts
    it from the confirmation step (with its one-time nonce)."""
    client = signed_in(base, officer_username(unit))
    path = f"/campaigns/{campaign_id}/ballot"
    csrf = CSRF.search(client.get(path).text)
    assert csrf
    form = {"csrf_token": csrf[1], **choices(campaign_id, unit)}
    review = client.post(path, data={**form, "action": "review"})
    assert review.status_code == 200, review.text
    return client, path, {**form, "action": "cast", "form_nonce": nonce_of(review.text)}


def test_fifty_officers_cast_at_once_through_the_pages(
    server: str, voters: list[tuple[int, str]]
) -> None:
    ready: list[tuple[httpx.Client, str, dict]] = []
    answers: dict[int, httpx.Response | Exception] = {}
    try:
        for campaign_id, unit in voters:  # one after another, up to the confirmation
            ready.append(ready_to_cast(server, campaign_id, unit))
        gate = threading.Barrier(len(ready))

        def cast(n: int, client: httpx.Client, path: str, form: dict[str, str]) -> None:
            gate.wait()  # then all of them cast in the same instant
            try:
                answers[n] = client.post(path, data=form)
            except Exception as exc:  # reported below, with the others
                answers[n] = exc

        threads = [threading.Thread(target=cast, args=(n, *r)) for n, r in enumerate(ready)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for client, _, _ in ready:
            client.close()

    assert len(answers) == len(voters) == CLUSTERS * 10
    failed = {
        n: repr(a) if isinstance(a, Exception) else f"HTTP {a.status_code}"
        for n, a in answers.items()
        if isinstance(a, Exception) or a.status_code != 200 or not RECEIPT.search(a.text)
    }
    assert not failed, failed
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Ballot)).one() == len(voters)
        assert s.exec(select(func.count()).select_from(VoterRoll)).one() == len(voters)
        units = s.exec(select(func.count(func.distinct(VoterRoll.unit_id)))).one()
        assert units == len(voters)
