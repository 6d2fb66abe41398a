"""The year-end scheme's lines that come from the year's emulation drives (`source: drives`):
computed from the recorded drive results of the campaign's year when its self-assessment first
opens, and fixed then for the whole campaign (the rules of a cycle are fixed before anyone
scores; a retry, a drive recorded later or a return to an earlier stage changes nothing).

Every sheet of a unit (its own and its peers' reviews of it) carries these points as they were
fixed; nobody types them (rules.scoring.validate_scores refuses them).
"""

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from models import Drive, DrivePoints, DriveResult, DriveStatus, Unit
from rules.config import ScoringScheme
from rules.drive_points import DriveOutcome, drive_item_points
from thidua.services import audit
from thidua.services.context import CampaignView

if TYPE_CHECKING:
    from documents.context import DrivePointsLine


def year_outcomes(
    session: Session, *, year: int, unit_ids: Collection[int]
) -> dict[int, list[DriveOutcome]]:
    """Each unit's recorded results in the year's drives it took part in, in date order."""
    rows = session.exec(
        select(DriveResult, Drive)
        .join(Drive, col(Drive.id) == col(DriveResult.drive_id))
        .where(
            Drive.year == year,
            col(Drive.recorded_at).is_not(None),
            col(DriveResult.unit_id).in_(list(unit_ids)),
        )
        .order_by(col(Drive.starts_on), col(Drive.id))
    ).all()
    out: dict[int, list[DriveOutcome]] = {u: [] for u in unit_ids}
    for result, drive in rows:
        assert drive.id is not None
        out[result.unit_id].append(
            DriveOutcome(
                drive_id=drive.id,
                name=drive.name,
                points=Decimal(str(result.points)),
                maximum=Decimal(str(result.maximum)),
                commended=result.commended,
                settled=drive.status == DriveStatus.CLOSED,
            )
        )
    return out


def compute(
    scheme: ScoringScheme, outcomes: Mapping[int, Iterable[DriveOutcome]]
) -> dict[int, dict[str, tuple[Decimal, str, list[dict[str, object]]]]]:
    """unit id -> item code -> (points, explanation, drives counted) under `scheme`."""
    out: dict[int, dict[str, tuple[Decimal, str, list[dict[str, object]]]]] = {}
    for unit_id, found in outcomes.items():
        found = list(found)
        for item in scheme.drive_items:
            result = drive_item_points(item, found)
            drives: list[dict[str, object]] = [
                {
                    "id": o.drive_id,
                    "name": o.name,
                    "points": str(o.points),
                    "maximum": str(o.maximum),
                    "commended": o.commended,
                }
                for o in result.counted
            ]
            out.setdefault(unit_id, {})[item.code] = (result.points, result.explanation, drives)
    return out


def fix_drive_points(session: Session, view: CampaignView) -> None:
    """Compute and store the campaign's drive points once; later calls leave them as they are."""
    scheme = view.rules.scheme
    if not scheme.drive_items:
        return
    done = session.exec(select(DrivePoints.id).where(DrivePoints.campaign_id == view.id)).first()
    if done is not None:
        return
    ids = [u.id for u in view.members if u.id is not None]
    computed = compute(scheme, year_outcomes(session, year=view.year, unit_ids=ids))
    codes = {u.id: u.code for u in view.members}
    logged: dict[str, dict[str, str]] = {}
    for unit_id, items in computed.items():
        for code, (points, explanation, drives) in items.items():
            session.add(
                DrivePoints(
                    campaign_id=view.id,
                    unit_id=unit_id,
                    item_code=code,
                    points=float(points),
                    explanation=explanation,
                    drives=drives,
                )
            )
            logged.setdefault(codes[unit_id], {})[code] = str(points)
    session.flush()
    audit.record(
        session,
        actor=None,
        action="drive_points.fix",
        campaign_id=view.id,
        entity="campaign",
        entity_id=view.id,
        after={"points": logged},
        key=f"drive_points.fix:{view.id}",
    )


def stored(session: Session, campaign_id: int) -> dict[int, dict[str, DrivePoints]]:
    """unit id -> item code -> its fixed drive points."""
    out: dict[int, dict[str, DrivePoints]] = {}
    for row in session.exec(
        select(DrivePoints).where(DrivePoints.campaign_id == campaign_id)
    ).all():
        out.setdefault(row.unit_id, {})[row.item_code] = row
    return out


def fixed_points(session: Session, view: CampaignView) -> dict[str, dict[str, Decimal]]:
    """unit code -> item code -> points: what validate_scores puts on each sheet of that unit.
    Empty (no query) when the scheme takes nothing from the drives."""
    if not view.rules.scheme.drive_items:
        return {}
    codes = {u.id: u.code for u in view.members}
    return {
        codes[unit_id]: {c: Decimal(str(r.points)) for c, r in items.items()}
        for unit_id, items in stored(session, view.id).items()
        if unit_id in codes
    }


def summary(session: Session, campaign_ids: Collection[int]) -> dict[int, list[dict[str, str]]]:
    """campaign id -> its fixed drive points, unit by unit (for status and report): one query,
    nothing for a campaign whose scheme takes nothing from the drives."""
    rows = session.exec(
        select(DrivePoints, Unit)
        .join(Unit, col(Unit.id) == col(DrivePoints.unit_id))
        .where(col(DrivePoints.campaign_id).in_(list(campaign_ids)))
        .order_by(col(DrivePoints.campaign_id), col(Unit.code), col(DrivePoints.item_code))
    ).all()
    out: dict[int, list[dict[str, str]]] = {}
    for p, u in rows:
        out.setdefault(p.campaign_id, []).append(
            {
                "unit": u.code,
                "name": u.name,
                "item": p.item_code,
                "points": f"{Decimal(str(p.points)).quantize(Decimal('0.01'))}",
                "explanation": p.explanation,
            }
        )
    return out


def document_lines(session: Session, view: CampaignView) -> "tuple[DrivePointsLine, ...]":
    """The campaign's drive points for the minutes, unit by unit in the members' order."""
    # The documents' models are imported only to write a document, not to submit or read.
    from documents.context import DrivePointsLine, UnitRef

    names = {i.code: i.name for i in view.rules.scheme.drive_items}
    if not names:
        return ()
    rows = stored(session, view.id)
    return tuple(
        DrivePointsLine(
            unit=UnitRef(code=unit.code, name=unit.name),
            code=code,
            name=name,
            points=Decimal(str(row.points)).quantize(Decimal("0.01")),
            explanation=row.explanation,
        )
        for unit in view.members
        for code, name in names.items()
        if (row := rows.get(unit.id or 0, {}).get(code)) is not None
    )
