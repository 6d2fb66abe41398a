""" "Việc của tôi": what waits for the signed-in person across campaigns (services/pending.py),
each with the page that does it."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from models import Role
from models.types import utcnow
from thidua.services.pending import PendingItem, pending
from thidua.web.access import ALL_ROLES, DB, Me, allow
from thidua.web.i18n import language_of, translator
from thidua.web.render import page

router = APIRouter()

# The inbox names each task by the CLI command that does it; the page doing the same thing,
# with the label of its button. A task no page does yet keeps its command, shown as such.
PAGES = (
    (Role.UNIT_OFFICER, "thidua form self-assessment", "/self-assessment", "act.self_assessment"),
    (Role.UNIT_OFFICER, "thidua form review", "/reviews", "act.reviews"),
    (Role.UNIT_OFFICER, "thidua form ballot", "/ballot", "act.ballot"),
    (Role.CLUSTER_LEADER, "thidua confirm", "/lead", "act.lead"),
    (Role.CLUSTER_LEADER, "thidua return", "/lead", "act.lead"),
    (Role.CLUSTER_LEADER, "thidua chair decide", "/lead", "act.lead"),
    (Role.DIRECTORATE, "thidua decide", "/decide", "act.decide"),
)


def page_for(item: PendingItem, role: Role) -> tuple[str, str] | None:
    """The page (path, label key) where this person does this task, if there is one."""
    for who, command, suffix, label in PAGES:
        if who == role and item.command.startswith(command):
            return f"/campaigns/{item.campaign_id}{suffix}", label
    return None


@router.get("/")
def my_tasks(request: Request, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]) -> Response:
    t = translator(language_of(request))
    items = []
    for item in pending(db, me.actor):
        found = page_for(item, me.actor.role)
        items.append((item, (found[0], t(found[1])) if found else None))
    return page(request, "home.html", db=db, items=items, now=utcnow())
