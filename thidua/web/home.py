""" "Việc của tôi": what waits for the signed-in person across campaigns (services/pending.py)."""

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from models.types import utcnow
from thidua.services.pending import pending
from thidua.web.access import ALL_ROLES, DB, Me, allow
from thidua.web.links import page_of
from thidua.web.render import page

router = APIRouter()


@router.get("/")
def my_tasks(request: Request, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]) -> Response:
    items = pending(db, me.actor)
    links = [page_of(item, me.actor.role) for item in items]
    return page(request, "home.html", db=db, items=items, links=links, now=utcnow())
