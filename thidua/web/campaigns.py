"""A campaign's pages: the list, its status (stage, deadline, who has and has not acted), its
results (the tables of thidua/services/result_tables.py, also as Excel) and its audit history.

Who may read a campaign is the services' rule (access.require_reader_of); the audit history
is the directorate's and the admins' (audit_log.require_reader), as in `thidua audit`.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from thidua.services import audit_log, queries
from thidua.services.access import require_reader_of
from thidua.services.context import CampaignView, load_campaign
from thidua.services.result_tables import result_sheets
from thidua.web.access import ALL_ROLES, DB, Me, allow
from thidua.web.i18n import language_of
from thidua.web.render import page

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def readable(db: Session, me: Me, campaign_id: int) -> CampaignView:
    """The campaign, if the signed-in person may read it (else NotFound / Forbidden)."""
    view = load_campaign(db, campaign_id)
    require_reader_of(me.actor, view)
    return view


def attachment(file_name: str) -> dict[str, str]:
    """A Content-Disposition that keeps a Vietnamese file name (RFC 6266 filename*)."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return {
        "Content-Disposition": f'attachment; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(file_name)}"
    }



@router.get("/campaigns")
def campaign_list(request: Request, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]) -> Response:
    ids = queries.campaign_ids(db, readable_by=me.actor)
    states = [queries.campaign_state(db, load_campaign(db, i)) for i in reversed(ids)]
    return page(request, "campaigns.html", db=db, states=states)


@router.get("/campaigns/{campaign_id}")
def campaign_status(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]
) -> Response:
    view = readable(db, me, campaign_id)
    state = queries.campaign_state(db, view)
    return page(
        request,
        "campaign.html",
        db=db,
        view=view,
        state=state,
        audit_reader=me.actor.role in audit_log.READERS,
    )


@router.get("/campaigns/{campaign_id}/results")
def campaign_results(
    request: Request, campaign_id: int, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]
) -> Response:
    view = readable(db, me, campaign_id)
    data = queries.report(db, view.id)
    sheets = [s for s in result_sheets(db, view.id) if s.rows]
    from thidua.services.word import word_keys
    from thidua.web.tables import show

    return page(
        request,
        "results.html",
        db=db,
        view=view,
        data=data,
        sheets=show(sheets, data["units"], language_of(request)),
        word=set(word_keys(db, view.id)),
        audit_reader=me.actor.role in audit_log.READERS,
    )


@router.get("/campaigns/{campaign_id}/results.xlsx")
def campaign_results_xlsx(
    campaign_id: int, db: DB, me: Annotated[Me, allow(*ALL_ROLES)]
) -> Response:
    from documents.tables import workbook

    view = readable(db, me, campaign_id)
    data = workbook(result_sheets(db, view.id), title=f"Kết quả bình xét {view.run_name}")
    headers = attachment(f"ket-qua-{view.id}.xlsx")
    return Response(data, media_type=XLSX, headers=headers)


@router.get("/campaigns/{campaign_id}/audit")
def campaign_audit(
    request: Request,
    campaign_id: int,
    db: DB,
    me: Annotated[Me, allow(*audit_log.READERS)],
) -> Response:
    audit_log.require_reader(me.actor)
    view = load_campaign(db, campaign_id)
    events = audit_log.events(db, campaign_id=view.id, limit=audit_log.DEFAULT_LIMIT)
    return page(
        request, "audit.html", db=db, view=view, events=events, limit=audit_log.DEFAULT_LIMIT
    )
