"""The directorate confirms or drops a nomination that relies on years nothing records.

A unit is never eligible merely because nothing is known of it: such a nomination stays
before the directorate (Ban Giám đốc), which checks the paper records and either confirms
it (it then goes to the council) or drops it (it is then not filed).
"""

from sqlmodel import Session, select

from models import Actor, Nomination, NominationStatus, Role, Unit
from rules.eligibility import no_record_note
from thidua.errors import Conflict, InvalidInput, NotFound
from thidua.services import audit
from thidua.services.access import require_role
from thidua.services.context import load_campaign

CHECK_LABELS = {"pending": "chờ xác nhận", "confirmed": "đã xác nhận", "dropped": "đã bỏ"}


def decide_record(
    session: Session,
    *,
    actor: Actor,
    campaign_id: int,
    unit_code: str,
    title: str,
    confirm: bool,
    reason: str,
) -> Nomination:
    action = "xác nhận đề nghị chưa có dữ liệu" if confirm else "bỏ đề nghị chưa có dữ liệu"
    require_role(actor, Role.DIRECTORATE, action)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", "phải nêu lý do (hồ sơ đã kiểm tra, số quyết định …)")
    view = load_campaign(session, campaign_id)
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    nomination = (
        session.exec(
            select(Nomination)
            .where(
                Nomination.campaign_id == view.id,
                Nomination.unit_id == unit.id,
                Nomination.title == title,
            )
            .with_for_update()
        ).first()
        if unit is not None
        else None
    )
    if nomination is None or unit is None:
        raise NotFound(
            f"{view.run_name}: không có đề nghị danh hiệu “{title}” cho đơn vị '{unit_code}'"
        )
    if nomination.record_check != "pending":
        state = CHECK_LABELS.get(nomination.record_check or "", "không cần xác nhận")
        raise Conflict(f"Đề nghị “{title}” cho {unit.name}: {state}")
    note = no_record_note(nomination.unrecorded_years or [])
    before = {"record_check": nomination.record_check, "status": nomination.status.value}
    if confirm:
        nomination.record_check = "confirmed"
        line = f"Ban Giám đốc xác nhận ({note}): {reason}"
    else:
        nomination.record_check = "dropped"
        nomination.eligible = False
        nomination.status = NominationStatus.INELIGIBLE
        line = f"Ban Giám đốc bỏ đề nghị ({note}): {reason}"
    nomination.reasons = [*nomination.reasons, line]
    session.add(nomination)
    audit.record(
        session,
        actor=actor,
        action="nomination.confirm" if confirm else "nomination.drop",
        campaign_id=view.id,
        entity="nomination",
        entity_id=nomination.id,
        before=before,
        after={
            "unit": unit_code,
            "title": title,
            "record_check": nomination.record_check,
            "status": nomination.status.value,
            "reason": reason,
        },
    )
    return nomination
