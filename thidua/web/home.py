""" "Việc của tôi": what waits for the signed-in person across campaigns (services/pending.py),
each with a button to the page that does it (thidua/web/links.py)."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from models.types import utcnow
from thidua.services.pending import pending
from thidua.web.access import ALL_ROLES, DB, Me, allow
from thidua.web.i18n import language_of, translator
from thidua.web.links import page_of
from thidua.web.render import page

router = APIRouter()

# The label of the button to each page, by the page's last part.
LABELS = {
    "self-assessment": "act.self_assessment",
    "reviews": "act.reviews",
    "ballot": "act.ballot",
    "explanation": "act.explanation",
    "lead": "act.lead",
    "decide": "act.decide",
}


@router.get("/")
def my_tasks(request: Request, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]) -> Response:
    t = translator(language_of(request))
    items = []
    for item in pending(db, me.actor):
        path = page_of(item, me.actor.role)
        label = LABELS.get(path.rsplit("/", 1)[-1]) if path else None
        items.append((item, (path, t(label) if label else t("pending.open")) if path else None))
    return page(request, "home.html", db=db, items=items, now=utcnow())
