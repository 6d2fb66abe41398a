"""The emulation council (Hội đồng Thi đua - Khen thưởng) decides on each nomination, and what
a unit was awarded in earlier years follows from those decisions.

Titles held in a past year, for prerequisites:
- a title imported as history (TitleHistory with no nomination behind it) counts: it was
  awarded before thidua kept the record;
- a nominated title counts once the council awarded it, and never when the council did not
  award it or the nomination was not eligible to be filed;
- a nominated title with no council decision yet, or returned, is pending: it does not make a
  unit ineligible, but the nomination says that it relies on a title still waiting for the
  council;
- a year the unit took part in a completed campaign, or has imported history for (a row with
  no title says "no title that year"), is on record; a year with neither is not known, and a
  nomination that needs it waits for the directorate to confirm or drop it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from models import (
    Actor,
    Campaign,
    CampaignStatus,
    CouncilDecision,
    CouncilOutcome,
    Cycle,
    Membership,
    Nomination,
    NominationStatus,
    Role,
    TitleHistory,
    Unit,
)
from rules.eligibility import no_record_note
from thidua.errors import Conflict, InvalidInput, NotFound
from thidua.services import audit
from thidua.services.access import require_role
from thidua.services.context import load_campaign

OUTCOME_LABELS = {
    None: "chờ xét",
    CouncilOutcome.AWARDED: "đã khen thưởng",
    CouncilOutcome.NOT_AWARDED: "không khen thưởng",
    CouncilOutcome.RETURNED: "trả lại",
}


def latest_decisions(session: Session, nomination_ids: list[int]) -> dict[int, CouncilDecision]:
    rows = session.exec(
        select(CouncilDecision)
        .where(col(CouncilDecision.nomination_id).in_(nomination_ids))
        .order_by(col(CouncilDecision.id))
    ).all()
    return {d.nomination_id: d for d in rows}  # the newest of each stands


def status_of(decision: CouncilDecision | None) -> dict[str, Any]:
    """A nomination's status before the council, as the report shows it."""
    label = OUTCOME_LABELS[decision.outcome if decision else None]
    if decision is not None and decision.outcome == CouncilOutcome.AWARDED:
        day = decision.decided_on.strftime("%d/%m/%Y") if decision.decided_on else "—"
        label = f"{label} (QĐ số {decision.decision_no}, ngày {day})"
    return {
        "council_status": label,
        "council_outcome": decision.outcome.value if decision else None,
        "decision_no": decision.decision_no if decision else None,
        "decision_date": decision.decided_on.isoformat()
        if decision and decision.decided_on
        else None,
        "council_reason": decision.reason if decision else None,
    }


def nomination_status(nomination: Nomination, decision: CouncilDecision | None) -> dict[str, Any]:
    if nomination.status == NominationStatus.INELIGIBLE:
        # Not filed: it never goes before the council.
        return {**status_of(None), "council_status": "không gửi lên Hội đồng"}
    if nomination.record_check == "pending":
        note = no_record_note(nomination.unrecorded_years or [])
        return {**status_of(None), "council_status": f"{note}: chờ Ban Giám đốc xác nhận"}
    return status_of(decision)


@dataclass(frozen=True)
class PastTitles:
    held: dict[str, dict[int, set[str]]]  # unit code → year → titles held
    pending: dict[str, dict[int, set[str]]]  # nominated, waiting for the council


def past_titles(session: Session, ids: Mapping[str, int | None], before: int) -> PastTitles:
    codes = {i: c for c, i in ids.items() if i is not None}
    held: dict[str, dict[int, set[str]]] = {}
    pending: dict[str, dict[int, set[str]]] = {}
    nominated = session.exec(
        select(Nomination, Cycle.year)
        .join(Campaign, col(Campaign.id) == col(Nomination.campaign_id))
        .join(Cycle, col(Cycle.id) == col(Campaign.cycle_id))
        .where(col(Nomination.unit_id).in_(list(codes)), Cycle.year < before)
    ).all()
    decided = latest_decisions(session, [n.id for n, _ in nominated if n.id is not None])
    seen: set[tuple[int, int, str]] = set()
    for n, year in nominated:
        seen.add((n.unit_id, year, n.title))
        # The year is on record even if nothing was awarded: the unit is not "new to us".
        held.setdefault(codes[n.unit_id], {}).setdefault(year, set())
        d = decided.get(n.id or 0)
        if n.status == NominationStatus.INELIGIBLE:
            continue
        if d is not None and d.outcome == CouncilOutcome.AWARDED:
            held.setdefault(codes[n.unit_id], {}).setdefault(year, set()).add(n.title)
        elif d is None or d.outcome == CouncilOutcome.RETURNED:
            pending.setdefault(codes[n.unit_id], {}).setdefault(year, set()).add(n.title)
    # A year the unit took part in a campaign that ran to its end is on record: what it was
    # awarded then is all it holds for that year, nothing if nothing.
    for unit_id, year in session.exec(
        select(Membership.unit_id, Cycle.year)
        .join(Campaign, col(Campaign.cluster_id) == col(Membership.cluster_id))
        .join(Cycle, col(Cycle.id) == col(Campaign.cycle_id))
        .where(
            col(Membership.unit_id).in_(list(codes)),
            Membership.year == Cycle.year,
            Cycle.year < before,
            Campaign.status == CampaignStatus.COMPLETED,
        )
    ).all():
        held.setdefault(codes[unit_id], {}).setdefault(year, set())
    for row in session.exec(
        select(TitleHistory).where(
            col(TitleHistory.unit_id).in_(list(codes)), TitleHistory.year < before
        )
    ).all():
        years = held.setdefault(codes[row.unit_id], {})
        titles = years.setdefault(row.year, set())  # imported history: the year is on record
        if row.title and (row.unit_id, row.year, row.title) not in seen:
            titles.add(row.title)
    for code, years in pending.items():  # awarded in one campaign beats pending in another
        for year, titles in years.items():
            titles -= held.get(code, {}).get(year, set())
    return PastTitles(held=held, pending=pending)


def parse_day(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"'{text}' không phải ngày dạng YYYY-MM-DD") from None


def decide(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    unit_code: str,
    title: str,
    outcome: CouncilOutcome,
    decision_no: str | None = None,
    decided_on: date | None = None,
    reason: str = "",
    today: date | None = None,
) -> CouncilDecision:
    require_role(actor, Role.COUNCIL, "ghi quyết định của Hội đồng Thi đua - Khen thưởng")
    view = load_campaign(session, campaign_id)
    reason = reason.strip()
    if outcome == CouncilOutcome.AWARDED:
        if not decision_no or not decision_no.strip():
            raise InvalidInput("decision-no", "khen thưởng phải có số quyết định")
        if decided_on is None:
            raise InvalidInput("date", "khen thưởng phải có ngày quyết định")
        if decided_on.year < view.year:
            raise InvalidInput(
                "date", f"ngày quyết định {decided_on:%d/%m/%Y} trước năm thi đua {view.year}"
            )
        if decided_on > (today or datetime.now().date()):
            raise InvalidInput("date", f"ngày quyết định {decided_on:%d/%m/%Y} ở tương lai")
    elif not reason:
        raise InvalidInput("reason", "không khen thưởng hay trả lại phải nêu lý do")
    elif decision_no or decided_on:
        field = "decision-no" if decision_no else "date"
        raise InvalidInput(field, "chỉ ghi số và ngày quyết định khi khen thưởng")
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    nomination = (
        session.exec(
            select(Nomination).where(
                Nomination.campaign_id == view.id,
                Nomination.unit_id == unit.id,
                Nomination.title == title,
            )
        ).first()
        if unit is not None
        else None
    )
    if nomination is None or nomination.id is None:
        raise NotFound(
            f"{view.run_name}: không có đề nghị khen thưởng danh hiệu “{title}” "
            f"cho đơn vị '{unit_code}'"
        )
    if nomination.status == NominationStatus.INELIGIBLE:
        raise Conflict(
            f"Đề nghị “{title}” cho {unit.name if unit else unit_code} không đủ điều kiện "
            "nên không được gửi lên Hội đồng"
        )
    if nomination.record_check == "pending":
        raise Conflict(
            f"Đề nghị “{title}” cho {unit.name if unit else unit_code}: "
            f"{no_record_note(nomination.unrecorded_years or [])}; chờ Ban Giám đốc xác nhận "
            "hoặc bỏ (thidua nomination confirm|drop) trước khi Hội đồng quyết định"
        )
    before = latest_decisions(session, [nomination.id]).get(nomination.id)
    if before is not None and before.outcome != CouncilOutcome.RETURNED:
        raise Conflict(
            f"Đề nghị “{title}” cho {unit.name if unit else unit_code} đã có quyết định: "
            f"{status_of(before)['council_status']}"
        )
    assert actor.id is not None
    row = CouncilDecision(
        nomination_id=nomination.id,
        outcome=outcome,
        decision_no=decision_no.strip() if decision_no else None,
        decided_on=decided_on,
        reason=reason,
        actor_id=actor.id,
    )
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="council.decide",
        campaign_id=view.id,
        entity="nomination",
        entity_id=nomination.id,
        before=status_of(before),
        after={"unit": unit_code, "title": title, **status_of(row)},
    )
    return row
