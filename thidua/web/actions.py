"""What every action page shares: the posted form as a plain mapping, the one-time nonce of an
action, the form problems shown next to their fields, and waking the campaign's run.

An action runs the same form checks (thidua/forms/checks.py) and services as the CLI, inside a
savepoint: a refused form rolls back whatever the service began, while the spent nonce stays
spent, and the page is shown again with every problem and a fresh nonce.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, NamedTuple, TypeVar
from uuid import UUID

from fastapi import BackgroundTasks, Depends, Request
from sqlmodel import Session

from thidua.errors import InvalidInput, Problem
from thidua.services import votes
from thidua.wake import wake
from thidua.web import sessions
from thidua.web.access import Refused
from thidua.web.sessions import Signed

T = TypeVar("T")

NONCE_FIELD = "form_nonce"


async def _posted(request: Request) -> dict[str, str]:
    # Parsed once per request (the CSRF check read it already); files are not form fields here.
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


# Every field of the posted form, whatever its name (score inputs are named by the scheme).
Posted = Annotated[dict[str, str], Depends(_posted)]


def purpose(kind: str, campaign_id: int) -> str:
    return f"{kind}:{campaign_id}"


def spend(db: Session, me: Signed, what: str, form: Mapping[str, str]) -> None:
    """Refuse a form sent twice (a replay, a second tab, the back button) before it acts."""
    if not sessions.spend_nonce(db, me, what, form.get(NONCE_FIELD)):
        raise Refused(
            "Biểu mẫu này đã được gửi hoặc đã hết hạn; hãy mở lại trang rồi gửi lại",
            status=409,
            what="nonce",
        )


@contextmanager
def refusable(db: Session) -> Iterator[None]:
    """Run an action in a savepoint: a refusal leaves nothing it began behind."""
    with db.begin_nested():
        yield


def attempt(db: Session, action: Callable[[], T]) -> tuple[T | None, list[Problem]]:
    """The action's result, or the problems of its form (InvalidInput) with nothing written."""
    try:
        with refusable(db):
            return action(), []
    except InvalidInput as exc:
        return None, list(exc.problems)


def wake_later(background: BackgroundTasks, flow_run_id: UUID | None) -> None:
    """Wake the campaign's run after the response, as the CLI does after its command."""
    background.add_task(wake, flow_run_id)


class TieDecided(NamedTuple):
    decided: bool
    chosen: str  # the units chosen, joined for a message
    problems: list[Problem]
    typed: dict[str, str]  # what the form had, to show it again when refused


def posted_tie(db: Session, me: Signed, campaign_id: int, form: Mapping[str, str]) -> TieDecided:
    """A quota tie decided from a posted form (the leader's page, or the directorate's once
    escalated): `thidua chair decide` through votes.decide_tie, which says who may decide now."""
    title, reason = form.get("title", ""), form.get("reason", "")
    units = [name.removeprefix("unit.") for name in form if name.startswith("unit.")]
    decision, problems = attempt(
        db,
        lambda: votes.decide_tie(
            db,
            actor=me.actor,
            campaign_id=campaign_id,
            title=title,
            units=units,
            reason=reason,
            via="web",
        ),
    )
    chosen = ", ".join(votes.chosen_units(decision)) if decision is not None else ""
    return TieDecided(
        decision is not None, chosen, problems, {"tie_title": title, "tie_reason": reason}
    )
