"""A filled form submitted for the acting officer's unit: checked whole (thidua/forms/checks.py),
then handed to the services, in the caller's transaction. The command line (`thidua submit
--file`) and the HTTP API take the same path, so every rule and every refusal is the same.
Each returns what to tell the person, in Vietnamese."""

from typing import NamedTuple

from sqlmodel import Session

from models import Actor
from thidua.forms import checks
from thidua.forms.filled import Filled
from thidua.services import submissions
from thidua.services.access import require_member_officer
from thidua.services.context import load_campaign
from thidua.services.drive_points import fixed_points
from thidua.services.results import ranking_of
from thidua.services.reviews import submit_reviews
from thidua.templating import diem

BALLOT_CAST = (
    "Đã ghi nhận phiếu bầu kín của {unit}. Nội dung phiếu được lưu tách khỏi danh sách đơn vị "
    "đã bỏ phiếu, không ai biết phiếu nào của đơn vị nào."
)


def proposed_titles(session: Session, campaign_id: int) -> dict[str, str | None]:
    """The title each unit was proposed for by the ranking: what a ballot's titles may name."""
    return {r.unit: r.proposed_title for r in ranking_of(session, campaign_id) or []}


def self_assessment(
    session: Session, *, actor: Actor, campaign_id: int, filled: Filled, via: str = "cli"
) -> str:
    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "nộp bản tự chấm điểm")
    fixed = fixed_points(session, view)
    data = checks.check_self_assessment(view, unit, filled, fixed)
    sa = submissions.submit_self_assessment(
        session, actor=actor, campaign_id=campaign_id, data=data, via=via
    )
    given = fixed.get(unit.code)
    drives = f" (gồm {diem(sum(given.values()))} điểm từ các đợt thi đua)" if given else ""
    return (
        f"Đã nhận bản tự chấm điểm của {unit.name} (lần {sa.version}), "
        f"tổng điểm {diem(sa.total)}{drives}."
    )


def reviews(
    session: Session, *, actor: Actor, campaign_id: int, filled: Filled, via: str = "cli"
) -> str:
    view = load_campaign(session, campaign_id)
    unit = require_member_officer(actor, view, "chấm chéo")
    data = checks.check_reviews(view, unit, filled, fixed_points(session, view))
    written = submit_reviews(
        session, actor=actor, campaign_id=campaign_id, reviews=data.reviews, via=via
    )
    names = {u.id: u.name for u in view.members}
    reviewed = ", ".join(names.get(r.reviewee_unit_id, "—") for r in written)
    return f"Đã nhận {len(written)} phiếu chấm chéo của {unit.name}: {reviewed}."


class Cast(NamedTuple):
    message: str
    receipt: str  # shown once to the voter, kept nowhere in clear (thidua/services/receipts.py)


def ballot(
    session: Session, *, actor: Actor, campaign_id: int, filled: Filled, via: str = "cli"
) -> Cast:
    view = load_campaign(session, campaign_id)
    voter = require_member_officer(actor, view, "bỏ phiếu")
    content = checks.check_ballot(view, voter, filled, proposed_titles(session, view.id))
    # cast_ballot would load the campaign and find the voter again, under the write lock.
    receipt = submissions.store_ballot(session, view, voter, content, actor=actor, via=via)
    return Cast(BALLOT_CAST.format(unit=voter.name), receipt)
